//! `steps/*`: a guide has steps, none empty, numbered as written, and they
//! name who gets access and with which role.

use crate::content::front_matter::file_span;
use crate::diag::{Code, Finding};
use crate::render::facts::Step;

use super::GuideCtx;

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let steps = &ctx.facts.steps;
    let body = ctx.guide.body_offset;
    let mut findings = Vec::new();
    if steps.is_empty() {
        findings.push(Finding::new(
            Code::StepsMissing,
            body..body,
            "the guide has no steps: write them as an ordered list (`1. …`)",
        ));
    }
    for step in steps.iter().filter(|s| s.text.is_empty() && !s.has_image) {
        findings.push(Finding::new(
            Code::StepsEmpty,
            marker_span(ctx, step),
            format!("step {} has no text", step.number),
        ));
    }
    // A list's steps are consecutive: one pass, however many lists.
    for items in steps.chunk_by(|a, b| a.list == b.list) {
        findings.extend(numbering(ctx, items));
    }
    // Without steps, "no step names the grantee" would only repeat steps/missing.
    if let Some(access) = ctx
        .guide
        .front
        .access
        .as_ref()
        .filter(|_| !steps.is_empty())
    {
        let yaml = ctx.guide.yaml_offset;
        let named = |needle: &str| steps.iter().any(|s| names(&s.text, needle));
        let required = [
            (
                &access.grantee,
                Code::StepsGranteeMissing,
                "grantee",
                "say whom to invite",
            ),
            (
                &access.role,
                Code::StepsRoleMissing,
                "role",
                "say which permission to give",
            ),
        ];
        for (value, code, what, advice) in required {
            if !named(&value.value) {
                findings.push(Finding::new(
                    code,
                    file_span(value, yaml),
                    format!("no step names the {what} `{}`: {advice}", value.value),
                ));
            }
        }
    }
    findings
}

/// Whether `text` names `needle` as a whole word or address (ignoring case):
/// `Admin` is not named by "Administrator", nor `data@x.com` by `bigdata@x.com`.
fn names(text: &str, needle: &str) -> bool {
    let (text, needle) = (text.to_lowercase(), needle.to_lowercase());
    let part_of_word = |c: char| c.is_alphanumeric() || "._%+-@".contains(c);
    text.match_indices(&needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        // A sentence may end right after the word: "… to data@x.com."
        let after_ok = match after {
            Some('.') => text[at + needle.len() + 1..]
                .chars()
                .next()
                .is_none_or(|c| !part_of_word(c)),
            Some(c) => !part_of_word(c),
            None => true,
        };
        before.is_none_or(|c| !part_of_word(c)) && after_ok
    })
}

/// Written numbers must count up by one from the list's start. Writing every
/// item with the first number (`1.` `1.` `1.`) is a Markdown idiom and allowed.
fn numbering(ctx: &GuideCtx, items: &[Step]) -> Option<Finding> {
    let written: Vec<u64> = items.iter().filter_map(|s| s.written_number).collect();
    let first = *written.first()?;
    if written.iter().all(|&n| n == first) && written.len() == items.len() && items.len() > 1 {
        return None;
    }
    items.windows(2).find_map(|pair| {
        let (prev, next) = (pair[0].written_number?, pair[1].written_number?);
        (next != prev + 1).then(|| {
            let what = if next <= prev { "repeats" } else { "skips" };
            Finding::new(
                Code::StepsNumbering,
                marker_span(ctx, &pair[1]),
                format!(
                    "step number {next} after {prev} {what} a number: the reader sees {}",
                    pair[1].number
                ),
            )
        })
    })
}

/// The `8.` of a step: what the caret should point at.
fn marker_span(ctx: &GuideCtx, step: &Step) -> std::ops::Range<usize> {
    let source = &ctx.guide.text[step.span.clone()];
    let len = source.find(['.', ')']).map_or(0, |i| i + 1);
    step.span.start..step.span.start + len
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn names_whole_words_and_addresses_only() {
        assert!(names("Give the role **Analyst**.", "analyst"));
        assert!(names("Invite data@x.com.", "data@x.com"));
        assert!(!names("Invite bigdata@x.com", "data@x.com"));
        assert!(!names("Invite data@x.com.au", "data@x.com"));
        assert!(!names("Administrator", "Admin"));
    }
}
