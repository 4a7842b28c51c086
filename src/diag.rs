//! Diagnostics: stable codes, severities, and the conversion from byte offsets
//! to 1-based line and column, done once, at the edge.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How much a diagnostic matters; `Allow` diagnostics are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Allow,
    Warn,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Allow => "allow",
            Severity::Warn => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident;)*) => {
        /// A stable diagnostic code, as listed in DESIGN.md.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in the order of the contract's table.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    FrontmatterMissing = "frontmatter/missing", Error;
    FrontmatterInvalid = "frontmatter/invalid", Error;
    FrontmatterUnknownKey = "frontmatter/unknown-key", Error;
    FrontmatterDuplicateSource = "frontmatter/duplicate-source", Error;
    StepsMissing = "steps/missing", Error;
    StepsEmpty = "steps/empty", Error;
    StepsNumbering = "steps/numbering", Error;
    StepsGranteeMissing = "steps/grantee-missing", Error;
    StepsRoleMissing = "steps/role-missing", Error;
    StepsContactMissing = "steps/contact-missing", Warn;
    EmailInvalid = "email/invalid", Error;
    EmailMismatch = "email/mismatch", Error;
    EmailUnknown = "email/unknown", Warn;
    EmailUnreachable = "email/unreachable", Error;
    EmailUnverifiable = "email/unverifiable", Warn;
    LinkPlaceholder = "link/placeholder", Error;
    LinkBroken = "link/broken", Error;
    LinkAnchor = "link/anchor", Error;
    LinkUnreachable = "link/unreachable", Error;
    LinkUnverifiable = "link/unverifiable", Warn;
    LinkRedirect = "link/redirect", Warn;
    LinkInsecure = "link/insecure", Warn;
    FormInvalid = "form/invalid", Error;
    TextPlaceholder = "text/placeholder", Warn;
    FrontmatterPlaceholder = "frontmatter/placeholder", Error;
    FrontmatterSourceMismatch = "frontmatter/source-mismatch", Warn;
    TemplateUnknown = "template/unknown", Error;
    MarkdownCallout = "markdown/callout", Warn;
    MarkdownInHtml = "markdown/in-html", Warn;
    HtmlDropped = "html/dropped", Warn;
    ImageAlt = "image/alt", Warn;
    ImageTooLarge = "image/too-large", Warn;
    ContentOutsideRoot = "content/outside-root", Error;
    ContentTooLarge = "content/too-large", Error;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = String;

    /// Parses a code name; the error carries a did-you-mean hint.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
                format!("unknown diagnostic code `{s}`{}", did_you_mean(s, &names))
            })
    }
}

/// `, did you mean `x`?` for the closest candidate, or nothing when none is close.
pub fn did_you_mean(input: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!(", did you mean `{c}`?"))
        .unwrap_or_default()
}

/// A problem found by a rule, located by byte offsets into the guide's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub span: Range<usize>,
    pub message: String,
}

impl Finding {
    pub fn new(code: Code, span: Range<usize>, message: impl Into<String>) -> Self {
        Finding {
            code,
            span,
            message: message.into(),
        }
    }
}

/// A located, severity-resolved problem, ready for any report format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    #[serde(serialize_with = "serialize_code")]
    pub code: Code,
    #[serde(serialize_with = "serialize_severity")]
    pub severity: Severity,
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line and the byte range on it, for human output only.
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
}

/// One source line and the byte range of the problem on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub text: String,
    pub range: Range<usize>,
}

/// Characters an excerpt shows on each side of its problem.
const EXCERPT_CONTEXT: usize = 60;
/// Characters an excerpt shows of the problem itself.
const EXCERPT_SPAN: usize = 80;
/// Marks where an excerpt cuts its line.
const ELLIPSIS: &str = "…";

impl Excerpt {
    /// The part of `line` around `range` (byte offsets on character
    /// boundaries): the whole line when it is short, else at most
    /// [`EXCERPT_CONTEXT`] characters on each side of the first
    /// [`EXCERPT_SPAN`] characters of the range, with an ellipsis where the
    /// line is cut. A problem on a 1 MB line copies a few hundred bytes, not
    /// the line.
    fn around(line: &str, range: Range<usize>) -> Self {
        let nth_after = |at: usize, n: usize| {
            line[at..]
                .char_indices()
                .nth(n)
                .map_or(line.len(), |(i, _)| at + i)
        };
        let from = line[..range.start]
            .char_indices()
            .rev()
            .nth(EXCERPT_CONTEXT - 1)
            .map_or(0, |(i, _)| i);
        let end = range.end.min(nth_after(range.start, EXCERPT_SPAN));
        let to = nth_after(end, EXCERPT_CONTEXT);
        let head = if from > 0 { ELLIPSIS } else { "" };
        let tail = if to < line.len() { ELLIPSIS } else { "" };
        let shift = |i: usize| head.len() + i - from;
        Excerpt {
            text: format!("{head}{}{tail}", &line[from..to]),
            range: shift(range.start)..shift(end),
        }
    }
}

fn serialize_code<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

fn serialize_severity<S: serde::Serializer>(sev: &Severity, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(sev.as_str())
}

/// How many diagnostics have `severity`.
pub fn count(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

impl Diagnostic {
    /// Locates a finding in `text` (the whole file) through its line index,
    /// at its code's default severity: `lints:` are applied once, by the
    /// pipeline, to whatever every stage found.
    pub fn locate(finding: Finding, file: &str, text: &str, index: &LineIndex) -> Self {
        let (line, column) = index.line_col(text, finding.span.start);
        let line_range = index.line_range(text, line);
        let line_text = text[line_range.clone()].trim_end_matches(['\n', '\r']);
        // A span may start in the line's own `\r\n` or past the text's end:
        // the excerpt then marks the line's end.
        let line_end = line_range.start + line_text.len();
        let span_start = finding.span.start.min(line_end);
        let start = span_start - line_range.start;
        let end = finding.span.end.clamp(span_start, line_end) - line_range.start;
        // A rule's span may end inside a character (a decoded value measured
        // against its source): widen to whole characters rather than let the
        // excerpt split one.
        let len = line_text.len();
        let floor = |i: usize| {
            (0..=i.min(len))
                .rev()
                .find(|&j| line_text.is_char_boundary(j))
        };
        let ceil = |i: usize| (i.min(len)..=len).find(|&j| line_text.is_char_boundary(j));
        let start = floor(start).unwrap_or(0);
        let end = ceil(end.max(start)).unwrap_or(len);
        Diagnostic {
            code: finding.code,
            severity: finding.code.default_severity(),
            file: file.to_string(),
            line,
            column,
            message: finding.message,
            excerpt: Some(Excerpt::around(line_text, start..end)),
        }
    }

    /// Sort key: file, then position, then code; makes every report deterministic.
    pub fn sort_key(&self) -> (&str, usize, usize, Code) {
        (&self.file, self.line, self.column, self.code)
    }
}

/// Byte offsets of line starts, for offset → (line, column) lookups.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// Byte offset of a 1-based line and column (in characters).
    pub fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return text.len();
        };
        text[start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| start + i)
    }

    fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let start = self.starts[line - 1];
        let end = self.starts.get(line).copied().unwrap_or(text.len());
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_never_splits_a_character() {
        let text = "title: \"—TODO\"\n";
        let index = LineIndex::new(text);
        // 9..10 starts on the quote and ends inside the three-byte dash.
        let finding = Finding::new(Code::TextPlaceholder, 9..10, "m");
        let d = Diagnostic::locate(finding, "f", text, &index);
        let excerpt = d.excerpt.expect("an excerpt");
        assert_eq!(&excerpt.text[excerpt.range], "—");
    }

    #[test]
    fn an_excerpt_of_a_long_line_is_a_window_around_its_problem() {
        // Multi-byte characters on both sides: the cuts must fall between them.
        let line = format!("{}TODO{}", "é".repeat(100_000), "日".repeat(100_000));
        let text = format!("{line}\n");
        let index = LineIndex::new(&text);
        let at = line.find("TODO").unwrap();
        let finding = Finding::new(Code::TextPlaceholder, at..at + 4, "m");
        let d = Diagnostic::locate(finding, "f", &text, &index);
        let excerpt = d.excerpt.expect("an excerpt");
        assert_eq!(&excerpt.text[excerpt.range.clone()], "TODO");
        let want = format!("…{}TODO{}…", "é".repeat(60), "日".repeat(60));
        assert_eq!(excerpt.text, want);
        assert_eq!(d.column, 100_001);
    }

    #[test]
    fn an_excerpt_cuts_a_long_span_and_keeps_short_lines_whole() {
        let line = "x".repeat(1_000);
        let text = format!("ab {line}\n");
        let index = LineIndex::new(&text);
        let finding = Finding::new(Code::TextPlaceholder, 3..text.len() - 1, "m");
        let excerpt = Diagnostic::locate(finding, "f", &text, &index)
            .excerpt
            .expect("an excerpt");
        assert_eq!(&excerpt.text[excerpt.range.clone()], "x".repeat(80));
        assert_eq!(excerpt.text, format!("ab {}…", "x".repeat(140)));
        let short = "a TODO b\n";
        let finding = Finding::new(Code::TextPlaceholder, 2..6, "m");
        let index = LineIndex::new(short);
        let excerpt = Diagnostic::locate(finding, "f", short, &index)
            .excerpt
            .expect("an excerpt");
        assert_eq!((excerpt.text.as_str(), excerpt.range), ("a TODO b", 2..6));
    }

    #[test]
    fn a_span_in_a_line_break_or_past_the_end_is_located_at_the_line_end() {
        let text = "a: b\r\nc\r\n";
        let index = LineIndex::new(text);
        for offset in [5, 6, 9, 10, 99] {
            let finding = Finding::new(Code::TextPlaceholder, offset..offset + 1, "m");
            let d = Diagnostic::locate(finding, "f", text, &index);
            let excerpt = d.excerpt.expect("an excerpt");
            assert!(excerpt.text.len() <= 4, "{offset}: {excerpt:?}");
        }
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "ab\n“x” y\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 3), (2, 1));
        let y = text.find('y').unwrap();
        assert_eq!(index.line_col(text, y), (2, 5));
        assert_eq!(index.offset(text, 2, 5), y);
    }

    #[test]
    fn codes_round_trip_and_suggest() {
        for code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(*code));
        }
        let err = "steps/emtpy".parse::<Code>().unwrap_err();
        assert!(err.contains("did you mean `steps/empty`"), "{err}");
    }
}
