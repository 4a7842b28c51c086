//! The only printer of diagnostics: human (rustc-style), JSON, GitHub Actions.
//! Each format is a pure function from diagnostics to a string.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use serde::Serialize;

use crate::count;
use crate::diag::{Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Renders `diagnostics` in `format`; `color` applies to human output only.
pub fn format(diagnostics: &[Diagnostic], format: Format, color: bool) -> String {
    match format {
        Format::Human => human(diagnostics, color),
        Format::Json => json(diagnostics),
        Format::Github => github(diagnostics),
    }
}

/// rustc-style: code and message, the source line with an underline, a summary.
pub fn human(diagnostics: &[Diagnostic], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            _ => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str()).id(d.code.as_str());
        let rendered = match &d.excerpt {
            Some(excerpt) => {
                let snippet = Snippet::source(excerpt.text.as_str())
                    .line_start(d.line)
                    .path(d.file.as_str())
                    .annotation(AnnotationKind::Primary.span(excerpt.range.clone()));
                renderer.render(&[title.element(snippet)])
            }
            None => renderer.render(&[title.element(
                annotate_snippets::Origin::path(d.file.as_str())
                    .line(d.line)
                    .char_column(d.column),
            )]),
        };
        out.push_str(&rendered);
        out.push_str("\n\n");
    }
    out.push_str(&summary(diagnostics));
    out.push('\n');
    out
}

/// `N errors, M warnings` or `no problems found`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = count(diagnostics, Severity::Error);
    let warnings = count(diagnostics, Severity::Warn);
    if errors == 0 && warnings == 0 {
        return "no problems found".into();
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [Diagnostic],
    errors: usize,
    warnings: usize,
}

/// One JSON object, as DESIGN.md specifies.
pub fn json(diagnostics: &[Diagnostic]) -> String {
    let report = JsonReport {
        diagnostics,
        errors: count(diagnostics, Severity::Error),
        warnings: count(diagnostics, Severity::Warn),
    };
    let mut json = serde_json::to_string(&report).expect("diagnostics always serialise");
    json.push('\n');
    json
}

/// One GitHub Actions workflow command per diagnostic.
pub fn github(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            let command = if d.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            format!(
                "::{command} file={},line={},col={},title={}::{}\n",
                escape_property(&d.file),
                d.line,
                d.column,
                escape_property(d.code.as_str()),
                escape_data(&d.message)
            )
        })
        .collect()
}

// Workflow command escaping, as in @actions/core's `command.ts`.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Excerpt};

    fn sample() -> Diagnostic {
        Diagnostic {
            code: Code::StepsEmpty,
            severity: Severity::Error,
            file: "content/tiktok.md".into(),
            line: 41,
            column: 1,
            message: "step 8 has no text".into(),
            excerpt: Some(Excerpt {
                text: "8.".into(),
                range: 0..2,
            }),
        }
    }

    #[test]
    fn json_matches_the_contract() {
        let out = json(&[sample()]);
        assert_eq!(
            out,
            "{\"diagnostics\":[{\"code\":\"steps/empty\",\"severity\":\"error\",\"file\":\"content/tiktok.md\",\"line\":41,\"column\":1,\"message\":\"step 8 has no text\"}],\"errors\":1,\"warnings\":0}\n"
        );
    }

    #[test]
    fn github_escapes_properties() {
        let out = github(&[sample()]);
        assert_eq!(
            out,
            "::error file=content/tiktok.md,line=41,col=1,title=steps/empty::step 8 has no text\n"
        );
    }

    #[test]
    fn human_shows_code_line_and_caret() {
        let out = human(&[sample()], false);
        assert!(
            out.contains("error[steps/empty]: step 8 has no text"),
            "{out}"
        );
        assert!(out.contains("content/tiktok.md:41:1"), "{out}");
        assert!(out.contains("41 | 8."), "{out}");
        assert!(out.contains("^^"), "{out}");
        assert!(out.ends_with("1 error, 0 warnings\n"), "{out}");
    }
}
