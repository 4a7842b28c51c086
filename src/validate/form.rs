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
