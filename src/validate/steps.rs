//! `steps/*`: a guide has steps, none empty, numbered as written, and they
//! name who gets access and with which role.

use std::collections::HashSet;

use crate::content::front_matter::file_span;
use crate::diag::{Code, Finding};
use crate::render::facts::Step;

use super::GuideCtx;
use super::email::{is_valid_address, mailto_address};
use crate::content::is_control;

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
    findings.extend(contacts_missing(ctx));
    findings
}

/// `steps/contact-missing`: the form asks that each contact has access
/// before onboarding, so the guide must tell the reader to give it: a step
/// or paragraph naming the address (or a `mailto:` link to it).
fn contacts_missing(ctx: &GuideCtx) -> Vec<Finding> {
    let guide = ctx.guide;
    let grantee = guide
        .front
        .access
        .as_ref()
        .map(|a| a.grantee.value.as_str());
    let role = guide
        .front
        .access
        .as_ref()
        .map_or("Analyst", |a| a.role.value.as_str());
    // Every address the body names, as text or as a `mailto:` target: one
    // set, so that many contacts cost no more than one each.
    let mentioned: HashSet<String> = ctx
        .facts
        .emails
        .iter()
        .map(|m| m.address.as_str())
        .chain(
            ctx.facts
                .links
                .iter()
                .filter_map(|l| mailto_address(&l.dest)),
        )
        .map(str::to_lowercase)
        .collect();
    let told = |contact: &str| mentioned.contains(&contact.to_lowercase());
    guide
        .front
        .contacts
        .iter()
        .filter(|c| grantee.is_none_or(|g| !g.eq_ignore_ascii_case(&c.value)))
        // An address that is not one is `email/invalid`'s to say.
        .filter(|c| is_valid_address(&c.value) && !c.value.chars().any(is_control))
        .filter(|c| !told(&c.value))
        .map(|contact| {
            let c = &contact.value;
            Finding::new(
                Code::StepsContactMissing,
                file_span(contact, guide.yaml_offset),
                format!(
                    "the form asks that `{c}` has access before onboarding, but no step or \
                     paragraph tells the reader to give it: add a step such as \
                     `Invite [{c}](mailto:{c}) as **{role}**.`"
                ),
            )
        })
        .collect()
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
    use super::*;
    use crate::content::Guide;
    use crate::render::facts::Facts;
    use crate::render::facts::{EmailContext, EmailMention};
    use crate::validate::test_support::{FRONT, codes, guide, run, span_of};

    /// The test guide with `body` and no contacts (they have a test of
    /// their own below).
    fn guide_with_body(body: &str) -> Guide {
        let front = FRONT.replace("contacts: [ops@agency.example]\n", "");
        guide("meta", &format!("{front}{body}"))
    }

    #[test]
    fn names_whole_words_and_addresses_only() {
        assert!(names("Give the role **Analyst**.", "analyst"));
        assert!(names("Invite data@x.com.", "data@x.com"));
        assert!(!names("Invite bigdata@x.com", "data@x.com"));
        assert!(!names("Invite data@x.com.au", "data@x.com"));
        assert!(!names("Administrator", "Admin"));
    }

    /// The step of list `list` that `line` (`3. Save.`, unique in `guide`)
    /// writes: numbered as written, its text what follows the marker.
    fn step(guide: &Guide, list: usize, line: &str) -> Step {
        let span = span_of(&guide.text, line);
        let (marker, text) = line
            .split_once(". ")
            .unwrap_or((line.trim_end_matches('.'), ""));
        let number = marker.parse().expect("a numbered line");
        Step {
            section: None,
            number,
            written_number: Some(number),
            text: text.to_string(),
            has_image: false,
            list,
            id: String::new(),
            span,
        }
    }

    fn facts(steps: Vec<Step>) -> Facts {
        Facts {
            step_lists: steps.last().map_or(0, |s| s.list + 1),
            steps,
            ..Facts::default()
        }
    }

    const NAMED: &str = "1. Invite data@agency.example.\n2. Give the role Analyst.\n";

    #[test]
    fn steps_that_name_grantee_and_role_pass() {
        let guide = guide_with_body(NAMED);
        let steps = NAMED.lines().map(|l| step(&guide, 0, l)).collect();
        assert_eq!(run(check, &guide, &facts(steps)), []);
    }

    #[test]
    fn no_steps_is_one_finding_at_the_body_not_a_missing_grantee_too() {
        let guide = guide_with_body("Just prose.\n");
        let found = run(check, &guide, &Facts::default());
        assert_eq!(codes(&found), [Code::StepsMissing]);
        assert_eq!(found[0].span, guide.body_offset..guide.body_offset);
    }

    #[test]
    fn an_empty_step_is_reported_at_its_marker_unless_it_shows_an_image() {
        let body = format!("{NAMED}3.\n");
        let guide = guide_with_body(&body);
        let mut steps: Vec<Step> = body.lines().map(|l| step(&guide, 0, l)).collect();
        let found = run(check, &guide, &facts(steps.clone()));
        assert_eq!(codes(&found), [Code::StepsEmpty]);
        assert_eq!(found[0].span, span_of(&guide.text, "3."));
        assert_eq!(found[0].message, "step 3 has no text");

        steps[2].has_image = true;
        assert_eq!(run(check, &guide, &facts(steps)), []);
    }

    #[test]
    fn written_numbers_that_skip_or_repeat_are_reported_once_per_list() {
        for (third, what) in [("4", "skips"), ("2", "repeats")] {
            let body = format!("{NAMED}{third}. Save.\n5. Close.\n");
            let guide = guide_with_body(&body);
            let mut steps: Vec<Step> = body.lines().map(|l| step(&guide, 0, l)).collect();
            steps[2].number = 3;
            let found = run(check, &guide, &facts(steps));
            assert_eq!(codes(&found), [Code::StepsNumbering], "{third}");
            let marker = span_of(&guide.text, &format!("{third}. Save")).start;
            assert_eq!(found[0].span, marker..marker + 2);
            assert!(found[0].message.contains(what), "{}", found[0].message);
        }
    }

    #[test]
    fn each_list_counts_from_its_own_start_and_all_ones_is_an_idiom() {
        let body = format!("{NAMED}\n## Then\n\n1. Save.\n1. Close.\n1. Log out.\n");
        let guide = guide_with_body(&body);
        let (_, second) = body.split_once("## Then").unwrap_or_default();
        let mut steps: Vec<Step> = NAMED.lines().map(|l| step(&guide, 0, l)).collect();
        let then = second.lines().filter(|l| l.starts_with("1."));
        steps.extend(then.enumerate().map(|(i, l)| Step {
            number: i as u64 + 1,
            ..step(&guide, 1, l)
        }));
        assert_eq!(run(check, &guide, &facts(steps)), []);
    }

    #[test]
    fn grantee_and_role_must_be_named_as_whole_words() {
        let body = "1. Invite bigdata@agency.example.\n2. Give the role Analysts.\n";
        let guide = guide_with_body(body);
        let steps = body.lines().map(|l| step(&guide, 0, l)).collect();
        let found = run(check, &guide, &facts(steps));
        assert_eq!(
            codes(&found),
            [Code::StepsGranteeMissing, Code::StepsRoleMissing]
        );
        // At the values in the front matter, where the author fixes them.
        assert_eq!(&guide.text[found[0].span.clone()], "data@agency.example");
        assert!(found[0].span.end < guide.body_offset);
        assert_eq!(&guide.text[found[1].span.clone()], "Analyst");
    }

    #[test]
    fn each_contact_must_be_given_access_by_a_step_or_paragraph() {
        let told = "Then give ops@agency.example the same access.";
        for (body, reported) in [
            (NAMED.to_string(), true),
            (format!("{NAMED}\n{told}\n"), false),
            (format!("{NAMED}3. Invite OPS@agency.example.\n"), false),
        ] {
            let guide = crate::validate::test_support::guide_with_body(&body);
            let steps: Vec<Step> = body
                .lines()
                .filter(|l| l.starts_with(char::is_numeric))
                .map(|l| step(&guide, 0, l))
                .collect();
            let mut facts = facts(steps);
            // The address as rendering finds it, in a step or a paragraph.
            for line in body.lines().filter(|l| l.to_lowercase().contains("ops@")) {
                let address = line
                    .split_whitespace()
                    .find(|w| w.contains('@'))
                    .unwrap_or_default()
                    .trim_end_matches('.');
                facts.emails.push(EmailMention {
                    address: address.to_string(),
                    context: EmailContext::Text,
                    in_link: false,
                    span: span_of(&guide.text, line),
                });
            }
            let found = run(check, &guide, &facts);
            let expected: &[Code] = if reported {
                &[Code::StepsContactMissing]
            } else {
                &[]
            };
            assert_eq!(codes(&found), expected, "{body}");
            if reported {
                assert_eq!(&guide.text[found[0].span.clone()], "ops@agency.example");
                assert!(
                    found[0].message.contains(
                        "Invite [ops@agency.example](mailto:ops@agency.example) as **Analyst**"
                    ),
                    "{}",
                    found[0].message
                );
            }
        }
    }
}
