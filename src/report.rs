//! The only printer of diagnostics, for every command: human (rustc-style),
//! JSON, GitHub Actions.
//! Each format is a pure function from diagnostics to a string.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use serde::Serialize;

use crate::diag::{Code, Diagnostic, Excerpt, Severity, count};
use crate::links::reach::Unchecked;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Renders `diagnostics` in `format`; `color` applies to human output only.
pub fn format(diagnostics: &[Diagnostic], format: Format, color: bool) -> String {
    format_check(diagnostics, None, format, color)
}

/// Renders what `check` found: `diagnostics`, and what the network left
/// `unchecked` (one line in human output, an `unchecked` object in JSON, a
/// `::warning::` without a file in GitHub's).
pub fn format_check(
    diagnostics: &[Diagnostic],
    unchecked: Option<&Unchecked>,
    format: Format,
    color: bool,
) -> String {
    match format {
        Format::Human => human_check(diagnostics, unchecked, color),
        Format::Json => json_check(diagnostics, unchecked),
        Format::Github => {
            let mut out = github(diagnostics);
            if let Some(unchecked) = unchecked {
                out.push_str(&format!(
                    "::warning::{}\n",
                    escape_data(&unchecked.message())
                ));
            }
            out
        }
    }
}

/// rustc-style: code and message, the source line with an underline, a summary.
pub fn human(diagnostics: &[Diagnostic], color: bool) -> String {
    human_check(diagnostics, None, color)
}

fn human_check(diagnostics: &[Diagnostic], unchecked: Option<&Unchecked>, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for (d, more) in group_places(diagnostics) {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            _ => Level::WARNING,
        };
        let (file, message) = (printable(&d.file), printable(&d.message));
        let title = level.primary_title(message).id(d.code.as_str());
        let group = match &d.excerpt {
            Some(excerpt) => {
                let (source, range) = printable_excerpt(excerpt);
                let snippet = Snippet::source(source)
                    .line_start(d.line)
                    .path(file)
                    .annotation(AnnotationKind::Primary.span(range));
                title.element(snippet)
            }
            None => title.element(
                annotate_snippets::Origin::path(file)
                    .line(d.line)
                    .char_column(d.column),
            ),
        };
        let group = match more_places(&more) {
            Some(note) => group.element(Level::NOTE.message(note)),
            None => group,
        };
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    if let Some(unchecked) = unchecked {
        out.push_str(&format!("warning: {}\n", unchecked.message()));
    }
    out.push_str(&summary(diagnostics));
    out.push('\n');
    out
}

/// The source line of `d` and its caret as [`human`] draws them (cut
/// around the column, tabs expanded, wide characters counted as two
/// columns), without the title and location, for serve's overlay;
/// `None` when `d` has no excerpt.
pub fn source_lines(d: &Diagnostic) -> Option<String> {
    let (source, range) = printable_excerpt(d.excerpt.as_ref()?);
    let snippet = Snippet::source(source)
        .line_start(d.line)
        .annotation(AnnotationKind::Primary.span(range));
    let group = annotate_snippets::Group::with_level(Level::ERROR).element(snippet);
    Some(Renderer::plain().render(&[group]))
}

/// Codes about one URL or address, whose every place says the same: shown
/// once in human output, with the other places listed.
const GROUPED: [Code; 5] = [
    Code::LinkUnreachable,
    Code::LinkUnverifiable,
    Code::LinkRedirect,
    Code::EmailUnreachable,
    Code::EmailUnverifiable,
];

/// Places listed after the first of a group before the rest are elided.
const MORE_PLACES_LISTED: usize = 5;

/// Each diagnostic in order, but one of a [`GROUPED`] code carries the later
/// ones with the same code and message (the same URL or address failing the
/// same way) instead of their being shown on their own.
fn group_places(diagnostics: &[Diagnostic]) -> Vec<(&Diagnostic, Vec<&Diagnostic>)> {
    let mut groups: Vec<(&Diagnostic, Vec<&Diagnostic>)> = Vec::new();
    let mut first_of: HashMap<(Code, &str), usize> = HashMap::new();
    for d in diagnostics {
        if !GROUPED.contains(&d.code) {
            groups.push((d, Vec::new()));
            continue;
        }
        match first_of.entry((d.code, d.message.as_str())) {
            Entry::Occupied(first) => groups[*first.get()].1.push(d),
            Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push((d, Vec::new()));
            }
        }
    }
    groups
}

/// `… and 7 more places: content/a.md:3:5, …` for the places after the
/// first of a group, at most [`MORE_PLACES_LISTED`] of them named.
fn more_places(more: &[&Diagnostic]) -> Option<String> {
    let (listed, elided) = more.split_at(more.len().min(MORE_PLACES_LISTED));
    let mut places: Vec<String> = listed
        .iter()
        .map(|d| format!("{}:{}:{}", printable(&d.file), d.line, d.column))
        .collect();
    if !elided.is_empty() {
        places.push("…".into());
    }
    match more.len() {
        0 => None,
        1 => Some(format!("… and 1 more place: {}", places.join(", "))),
        n => Some(format!("… and {n} more places: {}", places.join(", "))),
    }
}

/// `text` safe to print on a terminal: control characters (C0 but tab, DEL,
/// C1) and bidirectional overrides are shown as `\u{1b}`-style escapes, so a
/// file name or a line of a guide cannot move the cursor, recolour the
/// report, rewrite a line it was printed on, or reorder what it shows.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_printable(&mut out, c);
    }
    Cow::Owned(out)
}

/// An error for stderr: `error: ` and the message, [`printable`] line by
/// line (errors from templates may span lines; a path in them may not).
pub fn error(message: &str) -> String {
    let lines: Vec<Cow<str>> = message.split('\n').map(printable).collect();
    format!("error: {}", lines.join("\n"))
}

fn is_unprintable(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_printable(out: &mut String, c: char) {
    if is_unprintable(c) {
        out.extend(c.escape_unicode());
    } else {
        out.push(c);
    }
}

/// An excerpt's line made [`printable`], and its range moved to match.
fn printable_excerpt(excerpt: &Excerpt) -> (String, Range<usize>) {
    let (text, range) = (&excerpt.text, &excerpt.range);
    let mut out = String::with_capacity(text.len());
    let (mut start, mut end) = (None, None);
    for (at, c) in text.char_indices() {
        if at >= range.start && start.is_none() {
            start = Some(out.len());
        }
        if at >= range.end && end.is_none() {
            end = Some(out.len());
        }
        push_printable(&mut out, c);
    }
    let start = start.unwrap_or(out.len());
    let end = end.unwrap_or(out.len()).max(start);
    (out, start..end)
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
    /// Only when the network left something unchecked.
    #[serde(skip_serializing_if = "Option::is_none")]
    unchecked: Option<JsonUnchecked>,
}

#[derive(Serialize)]
struct JsonUnchecked {
    links: usize,
    mail_domains: usize,
    message: String,
}

/// One JSON object, as DESIGN.md specifies.
pub fn json(diagnostics: &[Diagnostic]) -> String {
    json_check(diagnostics, None)
}

fn json_check(diagnostics: &[Diagnostic], unchecked: Option<&Unchecked>) -> String {
    let report = JsonReport {
        diagnostics,
        errors: count(diagnostics, Severity::Error),
        warnings: count(diagnostics, Severity::Warn),
        unchecked: unchecked.map(|u| JsonUnchecked {
            links: u.links,
            mail_domains: u.mail_domains,
            message: u.message(),
        }),
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

/// Workflow command escaping as in @actions/core's `command.ts` (`%`, CR,
/// LF; in properties `:` and `,` too), which the runner undoes, so a file
/// name keeps its annotation; other control characters, which the log would
/// show as they are, become [`printable`] escapes.
fn escape_workflow(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => push_printable(&mut out, c),
        }
    }
    out
}

fn escape_data(s: &str) -> String {
    escape_workflow(s, false)
}

fn escape_property(s: &str) -> String {
    escape_workflow(s, true)
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
    fn github_escapes_what_the_runner_unescapes_and_shows_other_controls() {
        let mut d = sample();
        d.file = "content/a%b:c,d\r\u{1b}.md".into();
        d.message = "50% done\nnext \u{1b}[2J".into();
        assert_eq!(
            github(&[d]),
            "::error file=content/a%25b%3Ac%2Cd%0D\\u{1b}.md,line=41,col=1,title=steps/empty::50%25 done%0Anext \\u{1b}[2J\n"
        );
    }

    #[test]
    fn printable_escapes_controls_and_bidi_overrides_only() {
        assert!(matches!(printable("日本語\ttab é"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{0}\u{7f}\u{85}\u{202e}\u{2066}\n"),
            "a\\u{0}\\u{7f}\\u{85}\\u{202e}\\u{2066}\\u{a}"
        );
    }

    #[test]
    fn an_escaped_excerpt_keeps_its_caret_under_the_same_text() {
        let excerpt = Excerpt {
            text: "\u{1b}[31m [x](y\u{7}) é".into(),
            range: 6..13,
        };
        let (text, range) = printable_excerpt(&excerpt);
        assert_eq!(&excerpt.text[excerpt.range.clone()], "[x](y\u{7})");
        assert_eq!(&text[range], "[x](y\\u{7})");
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

    fn at(code: Code, file: &str, line: usize, message: &str) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            file: file.into(),
            line,
            column: 5,
            message: message.into(),
            excerpt: Some(Excerpt {
                text: "See [this page](https://gone.test/).".into(),
                range: 4..36,
            }),
        }
    }

    #[test]
    fn human_shows_a_failing_url_once_with_its_other_places() {
        let gone = "`https://gone.test/` is unreachable: HTTP 404 Not Found";
        let other = "`https://other.test/` is unreachable: HTTP 404 Not Found";
        let diagnostics = [
            at(Code::LinkUnreachable, "content/a.md", 3, gone),
            at(Code::StepsEmpty, "content/a.md", 4, "step 2 has no text"),
            at(Code::StepsEmpty, "content/a.md", 5, "step 2 has no text"),
            at(Code::LinkUnreachable, "content/a.md", 7, other),
            at(Code::LinkUnreachable, "content/b.md", 9, gone),
            at(Code::LinkRedirect, "content/b.md", 10, gone),
            at(Code::LinkUnreachable, "content/c.md", 2, gone),
        ];
        let out = human(&diagnostics, false);
        assert_eq!(
            out.matches(gone).count(),
            2,
            "one unreachable, one redirect: {out}"
        );
        assert!(
            out.contains("= note: … and 2 more places: content/b.md:9:5, content/c.md:2:5\n"),
            "{out}"
        );
        assert_eq!(
            out.matches("step 2 has no text").count(),
            2,
            "not grouped: {out}"
        );
        assert_eq!(out.matches("more place").count(), 1, "{out}");
        assert!(
            out.ends_with("6 errors, 1 warning\n"),
            "every place counts: {out}"
        );
        // The first place comes first, in full, where it is in the order.
        let first = out.find("content/a.md:3:5").unwrap();
        assert!(first < out.find("content/a.md:4:5").unwrap(), "{out}");
        assert!(out[first..].contains("3 | See [this page]"), "{out}");

        let json = json(&diagnostics);
        assert_eq!(
            json.matches(gone).count(),
            4,
            "JSON lists every place: {json}"
        );
        assert_eq!(github(&diagnostics).lines().count(), 7);
    }

    #[test]
    fn a_long_list_of_places_is_cut() {
        let message = "mail to `a@nx.test` cannot be delivered: DNS: no such domain";
        let diagnostics: Vec<Diagnostic> = (1..=8)
            .map(|line| at(Code::EmailUnreachable, "content/a.md", line, message))
            .collect();
        let out = human(&diagnostics, false);
        assert!(
            out.contains(
                "… and 7 more places: content/a.md:2:5, content/a.md:3:5, content/a.md:4:5, \
                 content/a.md:5:5, content/a.md:6:5, …\n"
            ),
            "{out}"
        );
        let one_more = human(&diagnostics[..2], false);
        assert!(
            one_more.contains("… and 1 more place: content/a.md:2:5\n"),
            "{one_more}"
        );
    }
}
