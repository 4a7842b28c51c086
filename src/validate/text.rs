//! `text/placeholder`: words an author leaves meaning "not done yet".

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::content::front_matter::file_span;
use crate::diag::{Code, Finding};

use super::GuideCtx;

// Upper-case markers only: "todo" in running text is usually an ordinary word.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:TODO|TBD|FIXME|XXX)\b|(?i:\blorem ipsum\b)").expect("valid regex")
});

/// Every match of [`PLACEHOLDER`] contains one of these, or "lorem" in some
/// ASCII case: no other character case-folds to a letter of "lorem".
const MARKERS: &[&str] = &["TODO", "TBD", "FIXME", "XXX"];

/// False only when no placeholder can be in `text`: one scan of a guide's
/// body spares a regex search per text run in the many clean guides.
fn may_hold_placeholder(text: &str) -> bool {
    MARKERS.iter().any(|m| text.contains(m))
        || text
            .as_bytes()
            .windows("lorem".len())
            .any(|w| w.eq_ignore_ascii_case(b"lorem"))
}

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let mut findings = Vec::new();
    let guide = &ctx.guide;
    let body_may_hold = may_hold_placeholder(guide.body());
    for run in &ctx.facts.texts {
        // Offsets inside a run are exact only when it is the source verbatim.
        let verbatim = run.rewritten.is_none();
        // A verbatim run is part of the body; a rewritten one (entities,
        // escapes decoded) may spell a marker the body does not.
        if verbatim && !body_may_hold {
            continue;
        }
        findings.extend(placeholders(
            run.text(&guide.text),
            &run.span,
            verbatim,
            "the text",
        ));
    }
    // Values an author fills in (the scaffold leaves TODOs there too).
    let front = &guide.front;
    let names = [&front.title, &front.platform];
    let access = front.access.iter().flat_map(|a| [&a.grantee, &a.role]);
    let portal = front.onboard.iter().map(|o| &o.portal);
    for value in names
        .into_iter()
        .chain(access)
        .chain(&front.contacts)
        .chain(portal)
    {
        let span = file_span(value, guide.yaml_offset);
        // Offsets inside the value are exact only when it is written plain:
        // a quoted or escaped value differs from its source.
        let plain = guide.text.get(span.clone()) == Some(value.value.as_str());
        findings.extend(placeholders(&value.value, &span, plain, "the front matter"));
    }
    findings
}

/// A finding at each placeholder in `text`, which stands at `span` of the
/// file: at the match itself when `text` is that source verbatim, else at the
/// whole span (offsets into a decoded text do not fall on the file's).
fn placeholders<'a>(
    text: &'a str,
    span: &'a Range<usize>,
    verbatim: bool,
    place: &'a str,
) -> impl Iterator<Item = Finding> + 'a {
    PLACEHOLDER.find_iter(text).map(move |m| {
        let at = if verbatim {
            span.start + m.start()..span.start + m.end()
        } else {
            span.clone()
        };
        Finding::new(
            Code::TextPlaceholder,
            at,
            format!("placeholder `{}` left in {place}", m.as_str()),
        )
    })
}
