//! What the author wrote that the page cannot show as meant: `:::` callouts
//! shown as written, `{{ … }}` that is no template the site knows, images
//! without alt text or over the size budget.

use std::sync::LazyLock;

use regex::Regex;

use crate::diag::{Code, Finding, did_you_mean};
use crate::render::facts::{CalloutProblem, LinkKind, MarkupFault};
use crate::render::markdown::FORM_MARKER;

use super::GuideCtx;

/// A `{{ … }}` on one line, as Tera and Zola shortcodes are written.
static SHORTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{[^{}\n]*\}\}").expect("valid regex"));

/// The one template a body may name, without its braces.
const FORM_CALL: &str = "onboard_form()";

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let facts = ctx.facts;
    let mut findings: Vec<Finding> = facts
        .markup
        .iter()
        .map(|markup| {
            let (code, message) = match &markup.fault {
                MarkupFault::Callout(problem) => (Code::MarkdownCallout, callout(problem)),
                MarkupFault::MarkdownInHtml { what, opened_by } => {
                    (Code::MarkdownInHtml, in_html(what, opened_by.as_deref()))
                }
                MarkupFault::Dropped(what) => (
                    Code::HtmlDropped,
                    format!(
                        "{what} is not published: a guide's HTML cannot run scripts, show other \
                         pages or restyle the page it is embedded in (say it in Markdown instead)"
                    ),
                ),
            };
            Finding::new(code, markup.span.clone(), message)
        })
        .collect();
    findings.extend(shortcodes(ctx));
    let max_bytes = ctx.config.images.max_bytes;
    for image in facts.links.iter().filter(|l| l.kind == LinkKind::Image) {
        if let Some((path, measured)) = ctx.site.links.image(&image.dest)
            && measured.bytes > max_bytes
        {
            findings.push(Finding::new(
                Code::ImageTooLarge,
                image.span.clone(),
                format!(
                    "`{path}` is {} bytes, over `images.max_bytes` ({max_bytes}): crop it to \
                     what the step shows, or save it smaller (readers on phones download every byte)",
                    measured.bytes
                ),
            ));
        }
        if image.text.trim().is_empty() {
            findings.push(Finding::new(
                Code::ImageAlt,
                image.span.clone(),
                format!(
                    "image `{}` has no alt text: say what it shows (`![The Members page](…)`), \
                     for readers who cannot see it",
                    image.dest
                ),
            ));
        }
    }
    findings
}

fn callout(problem: &CalloutProblem) -> String {
    match problem {
        CalloutProblem::UnknownKind(kind) => format!(
            "`:::{kind}` is not a callout kind, so it shows as written: use one of {}",
            crate::render::callout_kinds()
        ),
        CalloutProblem::Unclosed(open) => format!(
            "`{open}` is never closed, so it shows as written: end the callout with a line `:::`"
        ),
        CalloutProblem::TooDeep => "this callout is inside too many others, so it shows as \
            written: take it out of the callouts around it"
            .to_string(),
        CalloutProblem::ClosesNothing => format!(
            "this `:::` closes no callout, so it shows as written: remove it, or open a callout \
             before it (`:::note`; kinds: {})",
            crate::render::callout_kinds()
        ),
    }
}

fn in_html(what: &str, opened_by: Option<&str>) -> String {
    let block = match opened_by {
        Some(tag) => format!("the HTML block opened by `<{tag}>`"),
        None => "an HTML block".to_string(),
    };
    format!(
        "{what} inside {block} shows as plain text (CommonMark reads no Markdown there): \
         put a blank line before this line, after the opening tag's line, and one before \
         the closing tag"
    )
}

/// `{{ … }}` in running text: the form marker placed where it cannot be (in
/// a list or a sentence), a second one, or a template the site has not.
fn shortcodes(ctx: &GuideCtx) -> Vec<Finding> {
    let text = &ctx.guide.text;
    let mut findings = Vec::new();
    if !ctx.guide.body().contains("{{") {
        return findings;
    }
    for run in &ctx.facts.texts {
        let run_text = run.text(text);
        for m in SHORTCODE.find_iter(run_text) {
            let span = match run.rewritten {
                None => run.span.start + m.start()..run.span.start + m.end(),
                Some(_) => run.span.clone(),
            };
            let written = m.as_str();
            let call: String = written
                .trim_matches(['{', '}'])
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let message = if call == FORM_CALL && ctx.facts.form_placed {
                format!(
                    "a second `{FORM_MARKER}`: the form is placed once, where the first one \
                     stands; remove this one"
                )
            } else if call == FORM_CALL {
                format!(
                    "`{FORM_MARKER}` places the form only on a line of its own, outside lists \
                     and sentences; here it shows as text"
                )
            } else {
                let hint = did_you_mean(&call, &[FORM_CALL]);
                format!(
                    "`{written}` is not a template this site knows, so it would show as text{hint} \
                     (the only one is `{FORM_MARKER}`)"
                )
            };
            findings.push(Finding::new(Code::TemplateUnknown, span, message));
        }
    }
    findings
}
