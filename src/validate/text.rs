//! `text/placeholder`: words an author leaves in the body meaning "not done
//! yet" (in the front matter they are `frontmatter/placeholder`, an error).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::diag::{Code, Finding};

use super::GuideCtx;

// Upper-case markers only: "todo" in running text is usually an ordinary word.
pub(super) static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:TODO|TBD|FIXME|XXX)\b|(?i:\blorem ipsum\b)").expect("valid regex")
});

/// Every match of [`PLACEHOLDER`] contains one of these, or "lorem" in some
/// ASCII case: no other character case-folds to a letter of "lorem".
const MARKERS: &[&str] = &["TODO", "TBD", "FIXME", "XXX"];

/// False only when no placeholder can be in `text`: one scan of a guide's
/// body spares a regex search per text run in the many clean guides.
fn may_hold_placeholder(text: &str) -> bool {
    MARKERS.iter().any(|m| text.contains(m)) || LOREM.is_match(text)
}

/// "lorem" in any ASCII case, found by the regex crate's literal search
/// (a byte-by-byte comparison cost a build of 10,000 guides 1%).
static LOREM: LazyLock<Regex> = LazyLock::new(|| Regex::new("(?i-u)lorem").expect("valid regex"));

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::facts::{Facts, TextRun};
    use crate::validate::test_support::{codes, guide_with_body, run, span_of};

    /// Each of `runs` of `guide`'s body as a verbatim text run.
    fn verbatim(guide: &crate::content::Guide, runs: &[&str]) -> Facts {
        let texts = runs
            .iter()
            .map(|run| TextRun {
                rewritten: None,
                span: span_of(&guide.text, run),
            })
            .collect();
        Facts {
            texts,
            ..Facts::default()
        }
    }

    #[test]
    fn markers_in_verbatim_text_are_reported_where_they_stand() {
        let guide = guide_with_body("Step two: TODO. Also Lorem Ipsum dolor.\n");
        let facts = verbatim(&guide, &["Step two: TODO. Also Lorem Ipsum dolor."]);
        let found = run(check, &guide, &facts);
        assert_eq!(codes(&found), [Code::TextPlaceholder; 2]);
        let at: Vec<&str> = found.iter().map(|f| &guide.text[f.span.clone()]).collect();
        assert_eq!(at, ["TODO", "Lorem Ipsum"]);
    }

    #[test]
    fn ordinary_words_are_not_markers() {
        let guide = guide_with_body("A todo list, a TODOS file, an XXXL shirt.\n");
        let facts = verbatim(&guide, &["A todo list, a TODOS file, an XXXL shirt."]);
        assert_eq!(run(check, &guide, &facts), []);
    }

    #[test]
    fn a_rewritten_run_is_searched_and_reported_at_its_whole_span() {
        // `TO&#68;O` reads TODO on the page, though the body never spells it.
        let guide = guide_with_body("Then TO&#68;O.\n");
        let span = span_of(&guide.text, "TO&#68;O");
        let facts = Facts {
            texts: vec![TextRun {
                rewritten: Some("TODO".into()),
                span: span.clone(),
            }],
            ..Facts::default()
        };
        let found = run(check, &guide, &facts);
        assert_eq!(codes(&found), [Code::TextPlaceholder]);
        assert_eq!(found[0].span, span);
    }
}
