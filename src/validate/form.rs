//! `form/invalid`: the onboard form's field specs are renderable and sane.

use std::collections::HashSet;

use crate::content::front_matter::{FIELD_TYPES, file_span};
use crate::diag::{Code, Finding, did_you_mean};

use super::GuideCtx;

/// The hidden field every form carries; a user field may not take its name.
const RESERVED_NAME: &str = "source";

pub fn check(ctx: &GuideCtx) -> Vec<Finding> {
    let Some(onboard) = &ctx.guide.front.onboard else {
        return Vec::new();
    };
    let yaml = ctx.guide.yaml_offset;
    let mut findings = Vec::new();
    let portal = &onboard.portal.value;
    if !(portal.starts_with("https://") || portal.starts_with("http://")) {
        findings.push(Finding::new(
            Code::FormInvalid,
            file_span(&onboard.portal, yaml),
            format!("portal `{portal}` is not an absolute http(s) URL"),
        ));
    }
    let mut names = HashSet::new();
    for spanned in &onboard.fields {
        let field = &spanned.value;
        let span = file_span(spanned, yaml);
        let mut invalid =
            |message: String| findings.push(Finding::new(Code::FormInvalid, span.clone(), message));
        let name_ok = !field.name.is_empty()
            && field
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            invalid(format!(
                "field name `{}` must be letters, digits, `_` or `-`",
                field.name
            ));
        } else if field.name == RESERVED_NAME {
            invalid(format!(
                "field name `{RESERVED_NAME}` is reserved for the form's hidden source id"
            ));
        } else if !names.insert(field.name.as_str()) {
            invalid(format!("two fields are named `{}`", field.name));
        }
        let kind = field.kind.value.as_str();
        if !FIELD_TYPES.contains(&kind) {
            findings.push(Finding::new(
                Code::FormInvalid,
                file_span(&field.kind, yaml),
                format!(
                    "unknown field type `{kind}`{}",
                    match did_you_mean(kind, FIELD_TYPES) {
                        hint if hint.is_empty() =>
                            format!(", expected one of: {}", FIELD_TYPES.join(", ")),
                        hint => hint,
                    }
                ),
            ));
        }
        if let Some(pattern) = &field.pattern {
            if kind == "select" {
                findings.push(Finding::new(
                    Code::FormInvalid,
                    file_span(pattern, yaml),
                    "a `select` field cannot have a pattern",
                ));
            // Parsing is enough to judge the syntax, and far cheaper than
            // compiling a regex for every field of every guide.
            } else if let Err(e) = regex_syntax::Parser::new().parse(&pattern.value) {
                let reason = e.to_string();
                let reason = reason
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim_start_matches("error: ");
                findings.push(Finding::new(
                    Code::FormInvalid,
                    file_span(pattern, yaml),
                    format!("invalid pattern `{}`: {reason}", pattern.value),
                ));
            }
        }
        if field.pattern_message.is_some() && field.pattern.is_none() {
            findings.push(Finding::new(
                Code::FormInvalid,
                span.clone(),
                "`pattern_message` is shown when the value does not match `pattern`, and this field has no `pattern`",
            ));
        }
        if !field.options.is_empty() && kind != "select" {
            findings.push(Finding::new(
                Code::FormInvalid,
                span.clone(),
                format!("only `select` fields take options, not `{kind}`"),
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Guide;
    use crate::render::facts::Facts;
    use crate::validate::test_support::{FRONT, codes, guide, run};

    /// A guide whose `onboard:` has `portal` and the field lines `fields`.
    fn onboarding(portal: &str, fields: &[&str]) -> Guide {
        let fields: String = fields.iter().map(|f| format!("    - {f}\n")).collect();
        let front = FRONT.trim_end_matches("---\n");
        guide(
            "meta",
            &format!("{front}onboard:\n  portal: {portal}\n  fields:\n{fields}---\n1. Go.\n"),
        )
    }

    /// What `form/invalid` found, as the line each finding starts on
    /// (a field's span is its mapping's opening brace).
    fn found_at(guide: &Guide) -> Vec<&str> {
        let found = run(check, guide, &Facts::default());
        assert!(codes(&found).iter().all(|&c| c == Code::FormInvalid));
        let line_at = |at: usize| {
            let start = guide.text[..at].rfind('\n').map_or(0, |i| i + 1);
            guide.text[start..]
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
        };
        found.iter().map(|f| line_at(f.span.start)).collect()
    }

    #[test]
    fn a_sane_form_passes() {
        let guide = onboarding(
            "https://portal.agency.example/",
            &[
                "{ name: source_ids, label: Ids, type: select, options: [a, b] }",
                "{ name: account-id, label: Id, type: text, pattern: '^[0-9]{6,20}$' }",
                "{ name: notes, label: Notes }",
            ],
        );
        assert_eq!(found_at(&guide), Vec::<&str>::new());
    }

    #[test]
    fn the_portal_must_be_an_absolute_url() {
        let guide = onboarding("portal.agency.example", &["{ name: id, label: Id }"]);
        assert_eq!(found_at(&guide), ["portal: portal.agency.example"]);
    }

    #[test]
    fn field_names_are_safe_unique_and_not_the_hidden_source() {
        let guide = onboarding(
            "https://p.example/",
            &[
                "{ name: id, label: A }",
                "{ name: id, label: B }",
                "{ name: source, label: C }",
                "{ name: 'account id', label: D }",
            ],
        );
        assert_eq!(
            found_at(&guide),
            [
                "- { name: id, label: B }",
                "- { name: source, label: C }",
                "- { name: 'account id', label: D }"
            ]
        );
    }

    #[test]
    fn an_unknown_type_is_reported_at_the_type_with_a_suggestion() {
        let guide = onboarding(
            "https://p.example/",
            &["{ name: n, label: N, type: emial }"],
        );
        let found = run(check, &guide, &Facts::default());
        assert_eq!(codes(&found), [Code::FormInvalid]);
        assert_eq!(&guide.text[found[0].span.clone()], "emial");
        assert!(found[0].message.contains("`email`"), "{}", found[0].message);
    }

    #[test]
    fn a_pattern_message_needs_a_pattern() {
        let guide = onboarding(
            "https://p.example/",
            &[
                "{ name: a, label: A, pattern: '[0-9]+', pattern_message: Digits only }",
                "{ name: b, label: B, pattern_message: Digits only }",
            ],
        );
        assert_eq!(
            found_at(&guide),
            ["- { name: b, label: B, pattern_message: Digits only }"]
        );
    }

    #[test]
    fn patterns_must_parse_and_only_free_text_fields_take_them() {
        let guide = onboarding(
            "https://p.example/",
            &[
                "{ name: a, label: A, pattern: '[0-9' }",
                "{ name: b, label: B, type: select, pattern: 'x' }",
                "{ name: c, label: C, options: [x] }",
            ],
        );
        assert_eq!(
            found_at(&guide),
            [
                "- { name: a, label: A, pattern: '[0-9' }",
                "- { name: b, label: B, type: select, pattern: 'x' }",
                "- { name: c, label: C, options: [x] }"
            ]
        );
    }
}
