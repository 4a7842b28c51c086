//! Callouts: GitHub's `> [!NOTE]` alerts (which pulldown-cmark parses) and
//! Docusaurus' `:::note Title` … `:::` admonitions (which no CommonMark
//! parser knows). The admonitions are found line by line before parsing,
//! and each fence line is set apart by blank lines so that the parser makes
//! it a paragraph of its own, which the walker turns into the callout's
//! start or end; what is added is mapped away again, so every span still
//! points into the guide as written.

use std::borrow::Cow;
use std::ops::Range;

use pulldown_cmark::BlockQuoteKind;
use pulldown_cmark_escape::{FmtWriter, escape_html};

/// The kinds of callout both spellings give, each with its own class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutKind {
    Note,
    Tip,
    Important,
    Warning,
    Caution,
    Info,
    Danger,
}

impl CalloutKind {
    /// The kinds Docusaurus knows, by the name written after `:::`.
    const DOCUSAURUS: [(&'static str, CalloutKind); 6] = [
        ("note", CalloutKind::Note),
        ("tip", CalloutKind::Tip),
        ("info", CalloutKind::Info),
        ("warning", CalloutKind::Warning),
        ("caution", CalloutKind::Caution),
        ("danger", CalloutKind::Danger),
    ];

    pub fn from_alert(kind: BlockQuoteKind) -> Self {
        match kind {
            BlockQuoteKind::Note => CalloutKind::Note,
            BlockQuoteKind::Tip => CalloutKind::Tip,
            BlockQuoteKind::Important => CalloutKind::Important,
            BlockQuoteKind::Warning => CalloutKind::Warning,
            BlockQuoteKind::Caution => CalloutKind::Caution,
        }
    }

    fn from_docusaurus(name: &str) -> Option<Self> {
        Self::DOCUSAURUS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, kind)| kind)
    }

    fn class(self) -> &'static str {
        match self {
            CalloutKind::Note => "note",
            CalloutKind::Tip => "tip",
            CalloutKind::Important => "important",
            CalloutKind::Warning => "warning",
            CalloutKind::Caution => "caution",
            CalloutKind::Info => "info",
            CalloutKind::Danger => "danger",
        }
    }

    /// What a reader sees and a screen reader says: the kind in words, so
    /// that colour is never the only sign of it.
    fn label(self) -> &'static str {
        match self {
            CalloutKind::Note => "Note",
            CalloutKind::Tip => "Tip",
            CalloutKind::Important => "Important",
            CalloutKind::Warning => "Warning",
            CalloutKind::Caution => "Caution",
            CalloutKind::Info => "Info",
            CalloutKind::Danger => "Danger",
        }
    }
}

/// The HTML that opens a callout: an aside with the note role, labelled
/// by its kind, and a visible title (the author's, else the kind's).
pub fn open_html(kind: CalloutKind, title: Option<&str>) -> String {
    let mut html = format!(
        "<aside class=\"guidesite-callout guidesite-callout-{}\" role=\"note\" aria-label=\"{}\">\n\
         <p class=\"guidesite-callout-title\">",
        kind.class(),
        kind.label()
    );
    escape_html(FmtWriter(&mut html), title.unwrap_or(kind.label())).expect("writing to a String");
    html.push_str("</p>\n");
    html
}

pub const CLOSE_HTML: &str = "</aside>\n";

/// A fence line of a Docusaurus admonition that became a callout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fence {
    Open {
        kind: CalloutKind,
        title: Option<String>,
    },
    Close,
}

/// Why a `:::` line is shown as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalloutProblem {
    UnknownKind(String),
    Unclosed(String),
    ClosesNothing,
    /// Opened inside more than [`MAX_NESTING`] others.
    TooDeep,
}

/// The `:::` lines shown as written, by their range in the body as written.
type Problems = Vec<(Range<usize>, CalloutProblem)>;

/// A guide body ready for the parser.
#[derive(Debug, Default)]
pub struct Prepared<'a> {
    /// The body the parser reads: the guide's, with a blank line added
    /// before and after each fence line that needs one.
    pub text: Cow<'a, str>,
    /// Where in `text` each added byte sits, ascending.
    added: Vec<usize>,
    /// Each fence line, by its range in `text`, ascending.
    fences: Vec<(Range<usize>, Fence)>,
    pub problems: Problems,
}

impl<'a> Prepared<'a> {
    pub fn new(body: &'a str) -> Self {
        // Most guides hold no admonition: no copy, no scan.
        if !body.contains(":::") {
            return Prepared {
                text: Cow::Borrowed(body),
                ..Prepared::default()
            };
        }
        let lines = fence_lines(body);
        let (paired, problems) = pair(&lines);
        if paired.is_empty() {
            return Prepared {
                text: Cow::Borrowed(body),
                problems,
                ..Prepared::default()
            };
        }
        let mut text = String::with_capacity(body.len() + 2 * paired.len());
        let mut added = Vec::new();
        let mut fences = Vec::new();
        let mut copied = 0;
        for (line, fence) in paired {
            let line = &lines[line];
            text.push_str(&body[copied..line.range.start]);
            if line.range.start > 0 && !previous_line_blank(body, line.range.start) {
                added.push(text.len());
                text.push('\n');
            }
            let start = text.len();
            text.push_str(&body[line.range.clone()]);
            fences.push((start..text.len(), fence));
            copied = line.range.end;
            if !next_line_blank(body, line.range.end) {
                added.push(text.len());
                text.push('\n');
            }
        }
        text.push_str(&body[copied..]);
        Prepared {
            text: Cow::Owned(text),
            added,
            fences,
            problems,
        }
    }

    /// The position in the body as written of `at` in [`text`](Self::text).
    pub fn to_body(&self, at: usize) -> usize {
        at - self.added.partition_point(|&added| added < at)
    }

    /// The fence whose line holds `at` (a position in `text`), if any.
    pub fn fence_at(&self, at: usize) -> Option<&Fence> {
        let after = self.fences.partition_point(|(range, _)| range.start <= at);
        let (range, fence) = self.fences.get(after.checked_sub(1)?)?;
        (at < range.end).then_some(fence)
    }
}

/// A line that may open or close an admonition, as written.
struct FenceLine<'a> {
    /// The line without its line break.
    range: Range<usize>,
    colons: usize,
    /// The word after the colons (`note`), empty on a closing line.
    kind: &'a str,
    title: Option<&'a str>,
}

/// Every `:::` line of `body` outside code blocks, in order. A line is
/// `:::kind`, `:::kind Title`, `:::kind[Title]` or `:::` alone, after
/// nothing but indentation (admonitions nest in list items).
fn fence_lines(body: &str) -> Vec<FenceLine<'_>> {
    let mut found = Vec::new();
    let mut code_fence: Option<(u8, usize)> = None;
    let mut start = 0;
    for line in body.split_inclusive('\n') {
        let range = start..start + line.trim_end_matches(['\n', '\r']).len();
        start += line.len();
        let text = body[range.clone()].trim();
        if let Some(fence) = code_fence_of(text) {
            code_fence = match code_fence {
                None => Some(fence),
                Some((c, n)) if fence.0 == c && fence.1 >= n && is_bare(text) => None,
                open => open,
            };
            continue;
        }
        if code_fence.is_some() {
            continue;
        }
        let colons = text.bytes().take_while(|&b| b == b':').count();
        if colons < 3 {
            continue;
        }
        let rest = &text[colons..];
        let kind_len = rest
            .bytes()
            .take_while(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            .count();
        let (kind, after) = rest.split_at(kind_len);
        let title = if let Some(bracketed) = after.strip_prefix('[') {
            match bracketed.strip_suffix(']') {
                Some(title) => Some(title.trim()),
                None => continue,
            }
        } else if after.is_empty() {
            None
        } else if after.starts_with([' ', '\t']) && !kind.is_empty() {
            Some(after.trim())
        } else {
            continue;
        };
        found.push(FenceLine {
            range,
            colons,
            kind,
            title: title.filter(|t| !t.is_empty()),
        });
    }
    found
}

/// The backtick or tilde fence a code block line starts with, and its length.
fn code_fence_of(line: &str) -> Option<(u8, usize)> {
    let c = *line.as_bytes().first()?;
    if c != b'`' && c != b'~' {
        return None;
    }
    let n = line.bytes().take_while(|&b| b == c).count();
    (n >= 3).then_some((c, n))
}

/// Whether a code fence line has no info string (only those close a block).
fn is_bare(line: &str) -> bool {
    line.trim_start_matches(['`', '~']).trim().is_empty()
}

/// Most callouts open inside one another (real guides nest two or three):
/// the sanitiser's parser checks every open element at each tag, so
/// 50,000 nested asides would cost it billions of steps.
const MAX_NESTING: usize = 16;

/// Which fence lines become callouts (by index into `lines`) and which are
/// shown as written. An open line is closed by the next close line with at
/// least as many colons, innermost first, as Docusaurus does.
fn pair(lines: &[FenceLine]) -> (Vec<(usize, Fence)>, Problems) {
    let mut open: Vec<usize> = Vec::new();
    let mut closed_by: Vec<Option<usize>> = vec![None; lines.len()];
    let mut too_deep = vec![false; lines.len()];
    let mut problems = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if !line.kind.is_empty() {
            too_deep[at] = open.len() >= MAX_NESTING;
            open.push(at);
            continue;
        }
        match open.last() {
            Some(&opener) if line.colons >= lines[opener].colons => {
                open.pop();
                closed_by[opener] = Some(at);
            }
            _ => problems.push((line.range.clone(), CalloutProblem::ClosesNothing)),
        }
    }
    let mut paired = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if line.kind.is_empty() {
            continue;
        }
        if too_deep[at] {
            problems.push((line.range.clone(), CalloutProblem::TooDeep));
            continue;
        }
        let Some(closer) = closed_by[at] else {
            let written = format!("{}{}", ":".repeat(line.colons), line.kind);
            problems.push((line.range.clone(), CalloutProblem::Unclosed(written)));
            continue;
        };
        match CalloutKind::from_docusaurus(line.kind) {
            Some(kind) => {
                let title = line.title.map(str::to_string);
                paired.push((at, Fence::Open { kind, title }));
                paired.push((closer, Fence::Close));
            }
            None => problems.push((
                line.range.clone(),
                CalloutProblem::UnknownKind(line.kind.to_string()),
            )),
        }
    }
    paired.sort_by_key(|(at, _)| *at);
    problems.sort_by_key(|(range, _)| range.start);
    (paired, problems)
}

fn previous_line_blank(body: &str, line_start: usize) -> bool {
    let before = body[..line_start].trim_end_matches(['\n', '\r']);
    let previous = before.rsplit('\n').next().unwrap_or("");
    // The first line of the body has nothing before it to join.
    before.is_empty() || previous.trim().is_empty()
}

fn next_line_blank(body: &str, line_end: usize) -> bool {
    let after = &body[line_end..];
    let after = after
        .strip_prefix("\r\n")
        .or_else(|| after.strip_prefix('\n'))
        .unwrap_or(after);
    after.split('\n').next().unwrap_or("").trim().is_empty()
}

/// The kinds a Docusaurus callout may have, for messages.
pub fn kinds() -> String {
    let names: Vec<&str> = CalloutKind::DOCUSAURUS.iter().map(|(n, _)| *n).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fences(body: &str) -> Vec<(String, Fence)> {
        let prepared = Prepared::new(body);
        prepared
            .fences
            .iter()
            .map(|(range, fence)| (prepared.text[range.clone()].to_string(), fence.clone()))
            .collect()
    }

    #[test]
    fn fence_lines_are_set_apart_and_mapped_back() {
        let body = "Intro\n:::note Admin rights\nYou need them.\n:::\nAfter\n";
        let prepared = Prepared::new(body);
        assert_eq!(
            prepared.text,
            "Intro\n\n:::note Admin rights\n\nYou need them.\n\n:::\n\nAfter\n"
        );
        let after = prepared.text.find("After").unwrap();
        assert_eq!(prepared.to_body(after), body.find("After").unwrap());
        let inside = prepared.text.find("You").unwrap();
        assert_eq!(prepared.to_body(inside), body.find("You").unwrap());
        let open = prepared.text.find(":::note").unwrap();
        assert_eq!(
            prepared.fence_at(open + 3),
            Some(&Fence::Open {
                kind: CalloutKind::Note,
                title: Some("Admin rights".into())
            })
        );
        assert_eq!(prepared.fence_at(inside), None);
    }

    #[test]
    fn titles_nesting_and_code_blocks() {
        let body = "::::warning[Before you start]\n  :::tip\n  x\n  :::\n::::\n\
                    ```md\n:::note\n```\n";
        let found = fences(body);
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(
            found[0].1,
            Fence::Open {
                kind: CalloutKind::Warning,
                title: Some("Before you start".into())
            }
        );
        assert_eq!(found[1].0, "  :::tip");
        assert_eq!(found[3].0, "::::");
        // The `:::note` inside the code block is code, so nothing is unclosed.
        assert!(Prepared::new(body).problems.is_empty());
    }

    #[test]
    fn unknown_unclosed_and_stray_fences_are_problems_shown_as_written() {
        let body = ":::foo\nx\n:::\n\n:::note\ny\n\n:::\n:::\n\n:::tip\nz\n";
        let prepared = Prepared::new(body);
        let problems: Vec<&CalloutProblem> = prepared.problems.iter().map(|(_, p)| p).collect();
        assert_eq!(
            problems,
            [
                &CalloutProblem::UnknownKind("foo".into()),
                &CalloutProblem::ClosesNothing,
                &CalloutProblem::Unclosed(":::tip".into()),
            ]
        );
        assert_eq!(fences(body).len(), 2);
        assert!(prepared.text.contains(":::foo\nx\n:::\n"));
    }

    #[test]
    fn callouts_nested_too_deep_are_shown_as_written() {
        let depth = MAX_NESTING + 3;
        let body = format!("{}x\n{}", ":::note\n".repeat(depth), ":::\n".repeat(depth));
        let prepared = Prepared::new(&body);
        assert_eq!(prepared.fences.len(), 2 * MAX_NESTING);
        let problems: Vec<&CalloutProblem> = prepared.problems.iter().map(|(_, p)| p).collect();
        assert_eq!(problems, [&CalloutProblem::TooDeep; 3]);
    }

    #[test]
    fn a_body_without_fences_is_not_copied() {
        assert!(matches!(Prepared::new("a :: b\n").text, Cow::Borrowed(_)));
        assert!(matches!(Prepared::new("a\n:::\n").text, Cow::Borrowed(_)));
        assert!(matches!(Prepared::new(":::tip\n:::\n").text, Cow::Owned(_)));
    }

    #[test]
    fn the_title_is_escaped() {
        assert_eq!(
            open_html(CalloutKind::Tip, Some("<b>&")),
            "<aside class=\"guidesite-callout guidesite-callout-tip\" role=\"note\" aria-label=\"Tip\">\n\
             <p class=\"guidesite-callout-title\">&lt;b&gt;&amp;</p>\n"
        );
    }

    mod proptests {
        use proptest::collection::vec;
        use proptest::prelude::*;
        use proptest::sample::select;

        use super::super::*;

        /// Lines of admonitions, code fences, lists and non-Latin text, in
        /// any order and nesting.
        const PIECES: &[&str] = &[
            ":::note",
            ":::tip Title",
            ":::warning[T]",
            "::::info",
            ":::",
            "::::",
            ":::foo",
            "```",
            "~~~",
            "  :::note",
            "   :::",
            "1. step",
            "- item",
            "> quote",
            "",
            "text",
            "日本語",
            "\r",
            "\t:::",
            "::: ",
            "é",
        ];

        proptest! {
            /// Never a panic; every fence maps back onto the same line as
            /// written; every position maps inside the body.
            #[test]
            fn fences_map_back_onto_the_body(lines in vec(select(PIECES), 0..40), cr in any::<bool>()) {
                let end = if cr { "\r\n" } else { "\n" };
                let body: String = lines.iter().map(|l| format!("{l}{end}")).collect();
                let prepared = Prepared::new(&body);
                for (range, _) in &prepared.fences {
                    let start = prepared.to_body(range.start);
                    let end = prepared.to_body(range.end);
                    prop_assert_eq!(&body[start..end], &prepared.text[range.clone()]);
                }
                for at in 0..=prepared.text.len() {
                    prop_assert!(prepared.to_body(at) <= body.len());
                }
                for (range, _) in &prepared.problems {
                    prop_assert!(body.get(range.clone()).is_some());
                }
            }
        }
    }
}
