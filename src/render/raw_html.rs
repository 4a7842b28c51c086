//! The author's raw HTML, read the way the browser and the sanitiser read it,
//! with byte spans for diagnostics.
//!
//! pulldown-cmark hands raw HTML over in chunks: one `Event::Html` per line of
//! an HTML block, one `Event::InlineHtml` per inline tag. A tag can span
//! several lines, hence several chunks (`<div\n  class="x">`), and so can a
//! comment, so [`HtmlScanner`] keeps its state from one chunk to the next.
//!
//! Hand-written rather than html5ever's tokenizer (in the tree through
//! ammonia) because that one reports line numbers only, no byte offsets for
//! tags or attributes. It follows the WHATWG tokenizer's rules for tags,
//! attributes, comments, bogus comments and raw-text elements; script data's
//! escaped states (`<!--` inside `<script>`) are read as plain raw text.
//! Named character references come from html5ever's table.

use std::collections::HashSet;
use std::ops::Range;

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

/// An attribute of a start tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// ASCII-lowercased.
    pub name: String,
    /// With character references decoded (`&amp;`, `&#64;`, `&#x40;`,
    /// `&eacute;`), as the browser and the sanitiser see it.
    pub value: String,
    /// The whole `name="value"`.
    pub span: Range<usize>,
}

/// What the scanner finds in raw HTML. Spans are byte ranges in the caller's
/// coordinates: each chunk's bytes count from the `base` it was scanned with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtmlToken {
    /// `<name attr=value …>`; `span` runs from `<` to `>`, possibly across chunks.
    Start {
        /// ASCII-lowercased.
        name: String,
        /// In source order; a repeated attribute is ignored, as browsers do.
        attrs: Vec<Attr>,
        /// Written `<name … />`.
        self_closing: bool,
        span: Range<usize>,
    },
    /// `</name>`.
    End {
        /// ASCII-lowercased.
        name: String,
        span: Range<usize>,
    },
    /// Text between tags, outside comments and raw-text elements, within one chunk.
    Text { span: Range<usize> },
}

/// Elements whose content is text up to their end tag (RAWTEXT, RCDATA and
/// script data in the WHATWG tokenizer; `noscript` because the sanitiser's
/// parser runs with scripting on).
const RAW_TEXT_ELEMENTS: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
];

/// After `<plaintext>`, everything is text.
const PLAINTEXT: &str = "plaintext";

/// The longest name in the table of named character references.
const LONGEST_ENTITY_NAME: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    Double,
    Single,
    Unquoted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    TagOpen,
    EndTagOpen,
    TagName,
    BeforeAttrName,
    AttrName,
    AfterAttrName,
    BeforeAttrValue,
    AttrValue(Quote),
    AfterAttrValueQuoted,
    SelfClosingStartTag,
    /// After `<!`, with the number of `-` seen since.
    MarkupDeclarationOpen {
        dashes: u8,
    },
    CommentStart,
    CommentStartDash,
    Comment,
    CommentEndDash,
    CommentEnd,
    CommentEndBang,
    BogusComment,
    /// Inside a raw-text element, with how many bytes of `</name` are matched.
    RawText {
        matched: usize,
    },
    Plaintext,
}

/// A tag being read, possibly across chunks.
#[derive(Debug, Default)]
struct PendingTag {
    is_end: bool,
    name: Vec<u8>,
    attrs: Vec<Attr>,
    /// Names in `attrs`, so that a repeat is found in constant time.
    attr_names: HashSet<String>,
    attr: Option<PendingAttr>,
    self_closing: bool,
    start: usize,
}

#[derive(Debug)]
struct PendingAttr {
    name: Vec<u8>,
    /// As written: references are decoded once the value is complete, so a
    /// reference split across chunks decodes like a whole one.
    raw_value: Vec<u8>,
    span: Range<usize>,
}

/// Reads the raw HTML of one guide body, chunk after chunk, in order.
#[derive(Debug)]
pub struct HtmlScanner {
    state: State,
    tag: PendingTag,
    /// The raw-text element being read, while in [`State::RawText`].
    raw_text: &'static str,
    /// Where the `<` of the tag or comment being read is, in caller coordinates.
    lt: usize,
}

impl Default for HtmlScanner {
    fn default() -> Self {
        HtmlScanner {
            state: State::Data,
            tag: PendingTag::default(),
            raw_text: "",
            lt: 0,
        }
    }
}

fn is_whitespace(b: u8) -> bool {
    // The input stream turns `\r` into `\n` before tokenizing.
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Appends `b` to a name or value; NUL becomes U+FFFD, as in the tokenizer.
fn push_byte(buf: &mut Vec<u8>, b: u8) {
    if b == 0 {
        buf.extend_from_slice(
            char::REPLACEMENT_CHARACTER
                .encode_utf8(&mut [0; 4])
                .as_bytes(),
        );
    } else {
        buf.push(b);
    }
}

/// Bytes gathered from whole chunks between ASCII delimiters are UTF-8.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl HtmlScanner {
    /// The tokens that end in `chunk`, the next piece of raw HTML, whose
    /// first byte is at `base` in the caller's coordinates (the chunk's
    /// offset in the guide body, so spans point into the body). A tag still
    /// open at the end of the chunk is finished by a later one.
    pub fn scan(&mut self, chunk: &str, base: usize) -> Vec<HtmlToken> {
        let bytes = chunk.as_bytes();
        let at = |i: usize| base.saturating_add(i);
        let mut tokens = Vec::new();
        // Text seen in this chunk since the last tag, comment or chunk start.
        let mut text_start = None;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let mut consumed = true;
            match self.state {
                State::Data => {
                    if b == b'<' {
                        self.lt = at(i);
                        self.state = State::TagOpen;
                    }
                    text_start.get_or_insert(i);
                }
                State::TagOpen => {
                    consumed = self.tag_open(b);
                    if self.state != State::Data {
                        end_text(&mut tokens, &mut text_start, self.lt, base);
                    }
                }
                State::EndTagOpen => {
                    consumed = self.end_tag_open(b);
                    end_text(&mut tokens, &mut text_start, self.lt, base);
                }
                State::TagName => match b {
                    b if is_whitespace(b) => self.state = State::BeforeAttrName,
                    b'/' => self.state = State::SelfClosingStartTag,
                    b'>' => tokens.push(self.emit_tag(at(i))),
                    _ => push_byte(&mut self.tag.name, b.to_ascii_lowercase()),
                },
                State::BeforeAttrName => match b {
                    b if is_whitespace(b) => {}
                    b'/' | b'>' => {
                        consumed = false;
                        self.state = State::AfterAttrName;
                    }
                    b'=' => {
                        self.start_attr(at(i));
                        self.attr_byte(b, at(i), true);
                        self.state = State::AttrName;
                    }
                    _ => {
                        consumed = false;
                        self.start_attr(at(i));
                        self.state = State::AttrName;
                    }
                },
                State::AttrName => match b {
                    b if is_whitespace(b) || b == b'/' || b == b'>' => {
                        consumed = false;
                        self.state = State::AfterAttrName;
                    }
                    b'=' => {
                        self.attr_byte(b, at(i), false);
                        self.state = State::BeforeAttrValue;
                    }
                    _ => self.attr_byte(b.to_ascii_lowercase(), at(i), true),
                },
                State::AfterAttrName => match b {
                    b if is_whitespace(b) => {}
                    b'/' => self.state = State::SelfClosingStartTag,
                    b'=' => {
                        self.attr_byte(b, at(i), false);
                        self.state = State::BeforeAttrValue;
                    }
                    b'>' => tokens.push(self.emit_tag(at(i))),
                    _ => {
                        consumed = false;
                        self.start_attr(at(i));
                        self.state = State::AttrName;
                    }
                },
                State::BeforeAttrValue => match b {
                    b if is_whitespace(b) => {}
                    b'"' | b'\'' => {
                        self.attr_byte(b, at(i), false);
                        self.state = State::AttrValue(if b == b'"' {
                            Quote::Double
                        } else {
                            Quote::Single
                        });
                    }
                    b'>' => tokens.push(self.emit_tag(at(i))),
                    _ => {
                        consumed = false;
                        self.state = State::AttrValue(Quote::Unquoted);
                    }
                },
                State::AttrValue(quote) => match (quote, b) {
                    (Quote::Double, b'"') | (Quote::Single, b'\'') => {
                        self.attr_byte(b, at(i), false);
                        self.state = State::AfterAttrValueQuoted;
                    }
                    (Quote::Unquoted, b) if is_whitespace(b) => self.state = State::BeforeAttrName,
                    (Quote::Unquoted, b'>') => tokens.push(self.emit_tag(at(i))),
                    _ => self.value_byte(b, at(i)),
                },
                State::AfterAttrValueQuoted => match b {
                    b if is_whitespace(b) => self.state = State::BeforeAttrName,
                    b'/' => self.state = State::SelfClosingStartTag,
                    b'>' => tokens.push(self.emit_tag(at(i))),
                    _ => {
                        consumed = false;
                        self.state = State::BeforeAttrName;
                    }
                },
                State::SelfClosingStartTag => {
                    if b == b'>' {
                        self.tag.self_closing = true;
                        tokens.push(self.emit_tag(at(i)));
                    } else {
                        consumed = false;
                        self.state = State::BeforeAttrName;
                    }
                }
                State::RawText { matched } => consumed = self.raw_text(b, matched, at(i)),
                State::Plaintext => {}
                _ => consumed = self.comment(b),
            }
            if consumed {
                i += 1;
            }
        }
        let text_end = match self.state {
            State::Data => Some(base.saturating_add(chunk.len())),
            // A `<` at the end of the chunk: a tag if the next chunk says so.
            State::TagOpen | State::EndTagOpen => Some(self.lt),
            _ => None,
        };
        if let Some(end) = text_end {
            end_text(&mut tokens, &mut text_start, end, base);
        }
        tokens
    }

    /// After `<`: returns whether `b` is consumed.
    fn tag_open(&mut self, b: u8) -> bool {
        match b {
            b'!' => self.state = State::MarkupDeclarationOpen { dashes: 0 },
            b'/' => self.state = State::EndTagOpen,
            b'?' => self.state = State::BogusComment,
            b if b.is_ascii_alphabetic() => {
                self.begin_tag(false);
                return false;
            }
            // A lone `<` is text.
            _ => {
                self.state = State::Data;
                return false;
            }
        }
        true
    }

    /// After `</`: returns whether `b` is consumed.
    fn end_tag_open(&mut self, b: u8) -> bool {
        match b {
            b if b.is_ascii_alphabetic() => {
                self.begin_tag(true);
                false
            }
            // `</>` is nothing at all.
            b'>' => {
                self.state = State::Data;
                true
            }
            _ => {
                self.state = State::BogusComment;
                false
            }
        }
    }

    fn begin_tag(&mut self, is_end: bool) {
        self.tag.is_end = is_end;
        self.tag.name.clear();
        self.tag.attrs.clear();
        self.tag.attr_names.clear();
        self.tag.attr = None;
        self.tag.self_closing = false;
        self.tag.start = self.lt;
        self.state = State::TagName;
    }

    fn start_attr(&mut self, at: usize) {
        self.finish_attr();
        self.tag.attr = Some(PendingAttr {
            name: Vec::new(),
            raw_value: Vec::new(),
            span: at..at,
        });
    }

    /// A byte of the attribute's name (`to_name`) or of its punctuation.
    fn attr_byte(&mut self, b: u8, at: usize, to_name: bool) {
        if let Some(attr) = &mut self.tag.attr {
            if to_name {
                push_byte(&mut attr.name, b);
            }
            attr.span.end = at.saturating_add(1);
        }
    }

    fn value_byte(&mut self, b: u8, at: usize) {
        if let Some(attr) = &mut self.tag.attr {
            push_byte(&mut attr.raw_value, b);
            attr.span.end = at.saturating_add(1);
        }
    }

    fn finish_attr(&mut self) {
        let Some(attr) = self.tag.attr.take() else {
            return;
        };
        let name = into_string(attr.name);
        if self.tag.attr_names.insert(name.clone()) {
            self.tag.attrs.push(Attr {
                name,
                value: decode_attr_value(&into_string(attr.raw_value)),
                span: attr.span,
            });
        }
    }

    /// The tag whose `>` is at `gt`; what follows it is data, or raw text.
    fn emit_tag(&mut self, gt: usize) -> HtmlToken {
        self.finish_attr();
        let name = into_string(std::mem::take(&mut self.tag.name));
        let span = self.tag.start..gt.saturating_add(1);
        self.state = State::Data;
        if self.tag.is_end {
            return HtmlToken::End { name, span };
        }
        if let Some(raw) = RAW_TEXT_ELEMENTS.iter().find(|raw| **raw == name) {
            self.raw_text = raw;
            self.state = State::RawText { matched: 0 };
        } else if name == PLAINTEXT {
            self.state = State::Plaintext;
        }
        HtmlToken::Start {
            name,
            attrs: std::mem::take(&mut self.tag.attrs),
            self_closing: self.tag.self_closing,
            span,
        }
    }

    /// Raw text ends at `</name` followed by whitespace, `/` or `>`, in any
    /// case. Returns whether `b` is consumed.
    fn raw_text(&mut self, b: u8, matched: usize, at: usize) -> bool {
        let name = self.raw_text.as_bytes();
        let expected = match matched {
            0 => Some(b'<'),
            1 => Some(b'/'),
            n => name.get(n - 2).copied(),
        };
        match expected {
            Some(e) if e == b.to_ascii_lowercase() => {
                if matched == 0 {
                    self.lt = at;
                }
                self.state = State::RawText {
                    matched: matched + 1,
                };
                true
            }
            None if is_whitespace(b) || b == b'/' || b == b'>' => {
                self.begin_tag(true);
                self.tag.name.extend_from_slice(name);
                false
            }
            // Not the end tag: read `b` again from the start of the pattern.
            _ => {
                self.state = State::RawText { matched: 0 };
                matched == 0
            }
        }
    }

    /// Comments, bogus comments and `<!DOCTYPE …>`: nothing to report, only
    /// where they end. Returns whether `b` is consumed.
    fn comment(&mut self, b: u8) -> bool {
        let (next, consumed) = match (self.state, b) {
            (State::MarkupDeclarationOpen { dashes: 0 }, b'-') => {
                (State::MarkupDeclarationOpen { dashes: 1 }, true)
            }
            (State::MarkupDeclarationOpen { dashes: _ }, b'-') => (State::CommentStart, true),
            (State::MarkupDeclarationOpen { .. }, _) => (State::BogusComment, false),
            (State::BogusComment, b'>') => (State::Data, true),
            (State::BogusComment, _) => (State::BogusComment, true),
            (State::CommentStart, b'-') => (State::CommentStartDash, true),
            (State::CommentStartDash, b'-') => (State::CommentEnd, true),
            // `<!-->` and `<!--->` are whole comments.
            (State::CommentStart | State::CommentStartDash, b'>') => (State::Data, true),
            (State::CommentStart | State::CommentStartDash, _) => (State::Comment, false),
            (State::Comment, b'-') => (State::CommentEndDash, true),
            (State::Comment, _) => (State::Comment, true),
            (State::CommentEndDash, b'-') => (State::CommentEnd, true),
            (State::CommentEnd, b'>') | (State::CommentEndBang, b'>') => (State::Data, true),
            (State::CommentEnd, b'!') => (State::CommentEndBang, true),
            (State::CommentEnd, b'-') => (State::CommentEnd, true),
            (State::CommentEndBang, b'-') => (State::CommentEndDash, true),
            _ => (State::Comment, false),
        };
        self.state = next;
        consumed
    }
}

/// Ends the text run of this chunk at `end` (caller coordinates), if any.
fn end_text(tokens: &mut Vec<HtmlToken>, start: &mut Option<usize>, end: usize, base: usize) {
    if let Some(start) = start.take() {
        let start = base.saturating_add(start);
        if start < end {
            tokens.push(HtmlToken::Text { span: start..end });
        }
    }
}

/// An attribute value with its character references decoded, by the
/// tokenizer's rules for attributes: a named reference without `;` followed
/// by `=` or a letter or digit stays as written (`?a=1&copy=2`).
fn decode_attr_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match char_ref(after) {
            Some((chars, used)) => {
                out.extend(chars.into_iter().flatten());
                rest = after.get(used..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The reference at the start of `s` (just after `&`): the characters it
/// stands for and its length in bytes.
fn char_ref(s: &str) -> Option<([Option<char>; 2], usize)> {
    if let Some(number) = s.strip_prefix('#') {
        let (digits, radix, prefix) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (number, 10, 1),
        };
        let len = digits
            .bytes()
            .take_while(|b| (*b as char).is_digit(radix))
            .count();
        if len == 0 {
            return None;
        }
        // Saturates past the last code point, which reads as U+FFFD anyway.
        let value = digits.bytes().take(len).fold(0u32, |value, b| {
            let digit = (b as char).to_digit(radix).unwrap_or(0);
            value
                .saturating_mul(radix)
                .saturating_add(digit)
                .min(0x11_0000)
        });
        let semicolon = usize::from(digits.as_bytes().get(len) == Some(&b';'));
        return Some(([Some(numeric_char(value)), None], prefix + len + semicolon));
    }
    let run = s
        .bytes()
        .take(LONGEST_ENTITY_NAME)
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    let bytes = s.as_bytes();
    // The table also holds every prefix of a name, as (0, 0).
    let lookup = |name: Option<&str>| NAMED_ENTITIES.get(name?).filter(|(first, _)| *first != 0);
    // The longest name in the table wins, with or without its `;`.
    let (&(first, second), used) = (1..=run).rev().find_map(|len| {
        let with_semicolon = (bytes.get(len) == Some(&b';'))
            .then(|| lookup(s.get(..len + 1)))
            .flatten()
            .map(|chars| (chars, len + 1));
        with_semicolon.or_else(|| Some((lookup(s.get(..len))?, len)))
    })?;
    // In an attribute, `&copy=` and `&notit` are left as written.
    let next = bytes.get(used).copied().unwrap_or(b' ');
    if bytes.get(used - 1) != Some(&b';') && (next == b'=' || next.is_ascii_alphanumeric()) {
        return None;
    }
    let second = char::from_u32(second).filter(|_| second != 0);
    Some(([char::from_u32(first), second], used))
}

/// What a numeric reference stands for, with the tokenizer's repairs.
fn numeric_char(value: u32) -> char {
    match value {
        0 => char::REPLACEMENT_CHARACTER,
        0x80..=0x9F => C1_REPLACEMENTS
            .get((value - 0x80) as usize)
            .copied()
            .flatten()
            .or_else(|| char::from_u32(value))
            .unwrap_or(char::REPLACEMENT_CHARACTER),
        _ => char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER),
    }
}

/// Markdown in text of an HTML block (outside tags and comments, within one
/// line), which CommonMark shows there as written: where it is in `text` and
/// what it is (`"a list item"`, `"bold text"` …). Block markers (`- `, `# `,
/// `| … |`) count only when `text` starts its line (`starts_line`): after
/// `<td>` on the same line, `- 5%` is no list. Only what an author plainly
/// meant as Markdown counts: a `*` between spaces, `a_b_c` and `1.5` do not.
pub fn markdown_in_html(text: &str, starts_line: bool) -> Option<(Range<usize>, &'static str)> {
    let content = text.trim_end();
    let rest = content.trim_start_matches([' ', '\t']);
    let indent = content.len() - rest.len();
    if let Some(what) = block_markdown(rest).filter(|_| starts_line) {
        return Some((indent..content.len(), what));
    }
    [code_span(content), link(content), emphasis(content)]
        .into_iter()
        .flatten()
        .min_by_key(|(range, _)| range.start)
}

/// A line that opens a Markdown block: heading, list item, quote, table row.
fn block_markdown(line: &str) -> Option<&'static str> {
    let has_words = |text: &str| text.chars().any(char::is_alphanumeric);
    // A marker, then a space, then words.
    let after_marker = |marker_len: usize| {
        let text = line.get(marker_len..)?;
        text.starts_with([' ', '\t']).then_some(text)
    };
    let hashes = line.bytes().take_while(|b| *b == b'#').count();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=6).contains(&hashes) && after_marker(hashes).is_some_and(has_words) {
        Some("a heading")
    } else if line.starts_with(['-', '*', '+']) && after_marker(1).is_some_and(has_words) {
        Some("a list item")
    } else if (1..=9).contains(&digits)
        && matches!(line.as_bytes().get(digits), Some(b'.' | b')'))
        && after_marker(digits + 1).is_some_and(has_words)
    {
        Some("a numbered list item")
    } else if line.starts_with('>') && after_marker(1).is_some_and(has_words) {
        Some("a quote")
    } else if line.len() > 2
        && line.starts_with('|')
        && line.ends_with('|')
        && line.contains(|c: char| !matches!(c, '|' | ' ' | '\t'))
    {
        Some("a table row")
    } else {
        None
    }
}

/// The first `` `code` ``: a run of backticks closed by the next run of the
/// same length.
fn code_span(line: &str) -> Option<(Range<usize>, &'static str)> {
    let bytes = line.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let len = bytes[i..].iter().take_while(|b| **b == b'`').count();
        if len > 0 {
            runs.push((i, len));
        }
        i += len.max(1);
    }
    // From the right: the start of the next run of each length.
    let mut next_of_len = std::collections::HashMap::new();
    let mut first = None;
    for &(start, len) in runs.iter().rev() {
        if let Some(&close) = next_of_len.get(&len) {
            first = Some(start..close + len);
        }
        next_of_len.insert(len, start);
    }
    first.map(|range| (range, "inline code"))
}

/// The first `[text](url)` or `![alt](src)`.
fn link(line: &str) -> Option<(Range<usize>, &'static str)> {
    let bytes = line.as_bytes();
    let mut openers = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            // `\[` is a bracket, not a link.
            b'\\' => i += 1,
            b'[' => openers.push(i),
            b']' if bytes.get(i + 1) == Some(&b'(') => {
                let Some(open) = openers.pop() else {
                    i += 1;
                    continue;
                };
                // A destination with no space or parenthesis in it; each
                // scan stops at the next `(`, so scans never overlap.
                let dest = i + 2;
                let len = bytes[dest..]
                    .iter()
                    .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'(' | b')'))
                    .count();
                if len > 0 && bytes.get(dest + len) == Some(&b')') {
                    let image = open > 0 && bytes.get(open - 1) == Some(&b'!');
                    let start = if image { open - 1 } else { open };
                    let what = if image { "an image" } else { "a link" };
                    return Some((start..dest + len + 1, what));
                }
            }
            b']' => {
                openers.pop();
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The first `**bold**`, `__bold__`, `*italic*` or `_italic_`. Stricter
/// than CommonMark so as to flag only what is plainly emphasis: a delimiter
/// run opens only after a space or punctuation and before a non-space, and
/// closes only after a non-space and before a space or punctuation.
fn emphasis(line: &str) -> Option<(Range<usize>, &'static str)> {
    // The first opener of each kind: `*`, `**`, `_`, `__`.
    let mut openers: [Option<usize>; 4] = [None; 4];
    let mut prev: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c == '\\' {
            prev = chars.next().map(|(_, escaped)| escaped);
            continue;
        }
        if c != '*' && c != '_' {
            prev = Some(c);
            continue;
        }
        let mut end = start + 1;
        while chars.next_if(|&(_, d)| d == c).is_some() {
            end += 1;
        }
        let next = chars.peek().map(|&(_, d)| d);
        let strong = end - start >= 2;
        let kind = usize::from(c == '_') * 2 + usize::from(strong);
        let is_space = |c: Option<char>| c.is_none_or(char::is_whitespace);
        let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if let Some(open) = openers[kind].filter(|_| !is_space(prev) && !is_word(next)) {
            let what = if strong { "bold text" } else { "italic text" };
            return Some((open..end, what));
        }
        if openers[kind].is_none() && !is_word(prev) && !is_space(next) {
            openers[kind] = Some(start);
        }
        prev = Some(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scans `chunks` as consecutive pieces of one text.
    fn scan_all(chunks: &[&str]) -> Vec<HtmlToken> {
        let mut scanner = HtmlScanner::default();
        let mut base = 0;
        let mut tokens = Vec::new();
        for chunk in chunks {
            tokens.extend(scanner.scan(chunk, base));
            base += chunk.len();
        }
        tokens
    }

    fn attr(name: &str, value: &str, span: Range<usize>) -> Attr {
        Attr {
            name: name.into(),
            value: value.into(),
            span,
        }
    }

    fn start(name: &str, attrs: Vec<Attr>, span: Range<usize>) -> HtmlToken {
        HtmlToken::Start {
            name: name.into(),
            attrs,
            self_closing: false,
            span,
        }
    }

    fn end(name: &str, span: Range<usize>) -> HtmlToken {
        HtmlToken::End {
            name: name.into(),
            span,
        }
    }

    fn text(span: Range<usize>) -> HtmlToken {
        HtmlToken::Text { span }
    }

    #[test]
    fn tags_attributes_and_text_with_their_spans() {
        let html = r#"<A HREF="https://x.com/?a=1&amp;b=2" title='it&#39;s' data-x=plain hidden>Go</a> now"#;
        assert_eq!(
            scan_all(&[html]),
            vec![
                start(
                    "a",
                    vec![
                        attr("href", "https://x.com/?a=1&b=2", 3..36),
                        attr("title", "it's", 37..53),
                        attr("data-x", "plain", 54..66),
                        attr("hidden", "", 67..73),
                    ],
                    0..74
                ),
                text(74..76),
                end("a", 76..80),
                text(80..84),
            ]
        );
        assert_eq!(&html[37..53], "title='it&#39;s'");
    }

    #[test]
    fn a_tag_over_several_lines_of_an_html_block_is_one_token() {
        // As pulldown-cmark gives `<div\n  class="x"\n  onclick="y">` inside
        // a quote: one chunk per line, each at its own offset in the body.
        let mut scanner = HtmlScanner::default();
        assert_eq!(scanner.scan("<div\n", 107), vec![]);
        assert_eq!(scanner.scan("  class=\"x\"\n", 114), vec![]);
        assert_eq!(
            scanner.scan("  onclick=\"y\">\n", 128),
            vec![
                start(
                    "div",
                    vec![attr("class", "x", 116..125), attr("onclick", "y", 130..141)],
                    107..142
                ),
                text(142..143),
            ]
        );
    }

    #[test]
    fn self_closing_and_unquoted_values_and_equals_signs() {
        let tokens = scan_all(&["<img src=a.png alt = \"x y\"/><br/><hr =x>"]);
        let HtmlToken::Start {
            name,
            attrs,
            self_closing,
            ..
        } = &tokens[0]
        else {
            panic!("{tokens:?}");
        };
        assert_eq!((name.as_str(), *self_closing), ("img", true));
        assert_eq!(
            attrs,
            &[attr("src", "a.png", 5..14), attr("alt", "x y", 15..26)]
        );
        assert!(
            matches!(&tokens[1], HtmlToken::Start { name, self_closing: true, .. } if name == "br")
        );
        assert!(matches!(&tokens[2], HtmlToken::Start { attrs, .. } if attrs[0].name == "=x"));
    }

    #[test]
    fn a_repeated_attribute_keeps_its_first_value() {
        let tokens = scan_all(&["<a href=/ok HREF='javascript:x'>"]);
        assert_eq!(
            tokens,
            vec![start("a", vec![attr("href", "/ok", 3..11)], 0..32)]
        );
    }

    #[test]
    fn character_references_decode_as_in_the_browser() {
        let value = |raw: &str| decode_attr_value(raw);
        assert_eq!(
            value("&amp;&lt;&gt;&quot;&apos;&#64;&#x40;&#X40"),
            "&<>\"'@@@"
        );
        assert_eq!(value("&eacute;t&eacute; &nbsp;&hellip;"), "été \u{a0}…");
        // Legacy names without `;`, except before `=` or a letter or digit.
        assert_eq!(value("&copy 2024 &amp"), "© 2024 &");
        assert_eq!(value("?a=1&copy=2&notit;&ampx"), "?a=1&copy=2&notit;&ampx");
        assert_eq!(value("&notin; &NotEqualTilde;"), "∉ \u{2242}\u{338}");
        // Repairs: NUL, C1 as windows-1252, surrogates, out of range.
        assert_eq!(
            value("&#0;&#x80;&#x81;&#xD800;&#99999999999;"),
            "\u{FFFD}€\u{81}\u{FFFD}\u{FFFD}"
        );
        assert_eq!(
            value("& &; &# &#x; &unknown; a&b"),
            "& &; &# &#x; &unknown; a&b"
        );
    }

    #[test]
    fn comments_hide_tags_even_across_chunks() {
        let chunks = [
            "<!-- <a href=\"https://hidden\">\n",
            "still hidden -- <b>\n",
            "--> <i>shown</i> <!-->",
            "<u><!---><s><!-- x --!><em>",
        ];
        let names: Vec<_> = scan_all(&chunks)
            .into_iter()
            .filter_map(|t| match t {
                HtmlToken::Start { name, .. } | HtmlToken::End { name, .. } => Some(name),
                HtmlToken::Text { .. } => None,
            })
            .collect();
        assert_eq!(names, ["i", "i", "u", "s", "em"]);
    }

    #[test]
    fn doctype_processing_instructions_and_bogus_end_tags_are_skipped() {
        let tokens =
            scan_all(&["<!DOCTYPE html><?xml version=\"1.0\"?></ 3><![CDATA[<b>]]></><p>"]);
        // `]]>` is text after the bogus comment `<![CDATA[<b>`; `</>` is nothing.
        assert_eq!(tokens, vec![text(53..56), start("p", vec![], 59..62)]);
    }

    #[test]
    fn script_and_style_content_is_not_read_as_html() {
        let chunks = [
            "<script>if (a<b) { x = '<a href=\"javascript:y\">'; }</scr",
            "ipt-not></SCRIPT\n>",
            "<style>p > a { color: red }</style >",
            "<textarea><b>x</b></textarea>",
        ];
        let tokens = scan_all(&chunks);
        let ends: Vec<_> = tokens
            .iter()
            .filter_map(|t| match t {
                HtmlToken::End { name, span } => Some((name.as_str(), span.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            ends,
            [
                ("script", 64..74),
                ("style", 101..110),
                ("textarea", 128..139)
            ]
        );
        assert_eq!(tokens.len(), 6, "{tokens:?}");
    }

    #[test]
    fn a_lone_less_than_sign_is_text() {
        assert_eq!(scan_all(&["a < b <3 c"]), vec![text(0..10)]);
        // Text stops before a `<` that a later chunk turns into a tag.
        assert_eq!(
            scan_all(&["x <", "b>"]),
            vec![text(0..2), start("b", vec![], 2..5)]
        );
    }

    #[test]
    fn pathological_inputs_take_linear_time() {
        // Quadratic work on any of these would take minutes.
        let many_attrs = format!("<a {}>", "x ".repeat(200_000));
        let many_dups = format!("<a {}>", "href=1 ".repeat(100_000));
        let many_refs = format!("<a title=\"{}\">", "&notin".repeat(100_000));
        let open_comment = format!("<!--{}", "- -> --! ".repeat(100_000));
        let raw_text = format!("<script>{}", "</scrip".repeat(100_000));
        for html in [many_attrs, many_dups, many_refs, open_comment, raw_text] {
            let chunks: Vec<&str> = html.split_inclusive(' ').collect();
            assert!(scan_all(&chunks).len() <= 2);
            assert!(scan_all(&[&html]).len() <= 2);
        }
        let line =
            "[".repeat(50_000) + &"](".repeat(50_000) + &"`".repeat(1000) + &"*a ".repeat(50_000);
        assert_eq!(markdown_in_html(&line, true), None);
    }

    #[test]
    fn markdown_that_authors_write_inside_html_blocks() {
        let cases = [
            (
                "- Open **Business Settings**",
                Some(("- Open **Business Settings**", "a list item")),
            ),
            (
                "  * Ad account ID",
                Some(("* Ad account ID", "a list item")),
            ),
            (
                "1. Go to Users > People",
                Some(("1. Go to Users > People", "a numbered list item")),
            ),
            (
                "2) Click Add",
                Some(("2) Click Add", "a numbered list item")),
            ),
            (
                "## Why do we need this?",
                Some(("## Why do we need this?", "a heading")),
            ),
            (
                "| Role | Access |",
                Some(("| Role | Access |", "a table row")),
            ),
            (
                "|------|:------:|",
                Some(("|------|:------:|", "a table row")),
            ),
            (
                "> Only admins can do this.",
                Some(("> Only admins can do this.", "a quote")),
            ),
            (
                "You need **admin** rights.",
                Some(("**admin**", "bold text")),
            ),
            (
                "You need __admin__ rights.",
                Some(("__admin__", "bold text")),
            ),
            ("This is *optional*.", Some(("*optional*", "italic text"))),
            ("(_see below_)", Some(("_see below_", "italic text"))),
            (
                "See [the docs](https://www.facebook.com/business/help).",
                Some((
                    "[the docs](https://www.facebook.com/business/help)",
                    "a link",
                )),
            ),
            (
                "![Business settings](img/meta-settings.png)",
                Some(("![Business settings](img/meta-settings.png)", "an image")),
            ),
            (
                "Paste your `act_123456` ID",
                Some(("`act_123456`", "inline code")),
            ),
            ("Run ``a ` b`` then", Some(("``a ` b``", "inline code"))),
            ("Write `*a*` or *b*", Some(("`*a*`", "inline code"))),
            // Not Markdown, or not plainly.
            ("Budget: 5 * 3 = 15 per day", None),
            ("Use the ad_account_id field and my_var_name", None),
            ("Set my_var_ = 3 and pixel_id_ too", None),
            ("Costs 1.5 USD, or 2.50 EUR", None),
            ("#hashtag and #1 priority", None),
            ("-5 degrees, --flag, -", None),
            ("* * *", None),
            ("2024. ", None),
            ("Price* (conditions apply) and *", None),
            ("*.txt and *.md files", None),
            ("a**b", None),
            ("\\*not italic\\*", None),
            ("[optional] (see below)", None),
            ("array[i](x y)", None),
            ("| lonely pipe", None),
            ("||", None),
            ("a > b", None),
            ("An unclosed ` tick", None),
            ("", None),
        ];
        for (line, expected) in cases {
            let found = markdown_in_html(line, true).map(|(range, what)| (&line[range], what));
            assert_eq!(found, expected, "{line:?}");
        }
    }

    #[test]
    fn markdown_in_html_from_exported_pages() {
        // Confluence and Docusaurus exports: what sits between the tags.
        let flagged = [
            "<details>\n<summary>Why?</summary>\nWe need **Admin** access to manage your campaigns.\n</details>",
            "<div class=\"confluence-information-macro\">\n1. Open Business Manager\n</div>",
            "<HideInUI>\n- Request access from the account owner\n</HideInUI>",
            "<div>\n| Permission | Needed |\n</div>",
        ];
        let clean = [
            "<table><tr><td>Ad account</td><td>act_1234_5678</td></tr></table>",
            "<p>Fees: 2.5% * monthly spend</p>",
            "<table><tr><td>- 5%</td><td># of ads</td><td>|a|b|</td></tr></table>",
            "<span style=\"color: rgb(23,43,77);\">Business Manager &gt; Settings</span>",
            "<div class=\"admonition\">\n<p>Note: you need admin rights</p>\n</div>",
        ];
        let lines_with_markdown = |html: &str| -> usize {
            let mut scanner = HtmlScanner::default();
            let mut base = 0;
            let mut count = 0;
            for line in html.split_inclusive('\n') {
                for token in scanner.scan(line, base) {
                    if let HtmlToken::Text { span } = token {
                        let starts_line = span.start == base;
                        let found = markdown_in_html(&html[span], starts_line);
                        count += usize::from(found.is_some());
                    }
                }
                base += line.len();
            }
            count
        };
        for html in flagged {
            assert_eq!(lines_with_markdown(html), 1, "{html}");
        }
        for html in clean {
            assert_eq!(lines_with_markdown(html), 0, "{html}");
        }
    }
}

#[cfg(test)]
mod proptests {
    use std::cell::RefCell;

    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::states::RawKind;
    use html5ever::tokenizer::{
        BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
    };
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;

    /// Tags, attributes, references, comments and raw-text elements, in
    /// pieces that combine into well- and ill-formed HTML alike.
    const PIECES: &[&str] = &[
        "<",
        ">",
        "</",
        "/",
        "/>",
        "=",
        "\"",
        "'",
        " ",
        "\n",
        "\t",
        "-",
        "--",
        "!",
        "?",
        "&",
        "amp;",
        "amp",
        "#",
        "#x",
        "4",
        "0",
        ";",
        "notin",
        "not",
        "copy=",
        "<!--",
        "-->",
        "--!>",
        "<!",
        "a",
        "div",
        "DiV",
        "href",
        "HREF",
        "onclick",
        "x",
        "é",
        "\0",
        "`",
        "<a href=",
        "<p ",
        "</p>",
        "script",
        "<script>",
        "</script>",
        "style",
        "</style ",
        "title",
        "<textarea>",
        "</textarea>",
        "<iframe>",
        "</iframe>",
        "[CDATA[",
        "DOCTYPE",
    ];

    fn html() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => vec(select(PIECES), 0..80).prop_map(|pieces| pieces.concat()),
            1 => any::<String>(),
        ]
    }

    /// `html` cut into chunks at arbitrary char boundaries.
    fn split(html: &str, cuts: &[usize]) -> Vec<(usize, String)> {
        let mut bounds: Vec<usize> = cuts
            .iter()
            .map(|c| c % (html.len() + 1))
            .filter(|c| html.is_char_boundary(*c))
            .collect();
        bounds.extend([0, html.len()]);
        bounds.sort_unstable();
        bounds.dedup();
        bounds
            .windows(2)
            .map(|w| (w[0], html[w[0]..w[1]].to_owned()))
            .collect()
    }

    fn tags_only(tokens: Vec<HtmlToken>) -> Vec<HtmlToken> {
        tokens
            .into_iter()
            .filter(|t| !matches!(t, HtmlToken::Text { .. }))
            .collect()
    }

    /// html5ever's tokenizer, switched to raw text as its tree builder does.
    /// Start or end, name, attributes, self-closing.
    type Tag = (bool, String, Vec<(String, String)>, bool);

    struct Oracle(RefCell<Vec<Tag>>);

    impl TokenSink for Oracle {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            let Token::TagToken(tag) = token else {
                return TokenSinkResult::Continue;
            };
            let attrs = tag
                .attrs
                .iter()
                .map(|a| (a.name.local.to_string(), a.value.to_string()))
                .collect();
            let is_start = tag.kind == TagKind::StartTag;
            let name = tag.name.to_string();
            self.0
                .borrow_mut()
                .push((is_start, name.clone(), attrs, tag.self_closing));
            match name.as_str() {
                "title" | "textarea" if is_start => TokenSinkResult::RawData(RawKind::Rcdata),
                "plaintext" if is_start => TokenSinkResult::Plaintext,
                raw if is_start && RAW_TEXT_ELEMENTS.contains(&raw) => {
                    TokenSinkResult::RawData(RawKind::Rawtext)
                }
                _ => TokenSinkResult::Continue,
            }
        }
    }

    fn html5ever_tags(html: &str) -> Vec<Tag> {
        let tokenizer = Tokenizer::new(Oracle(RefCell::new(Vec::new())), TokenizerOpts::default());
        let queue = BufferQueue::default();
        queue.push_back(StrTendril::from(html));
        let _ = tokenizer.feed(&queue);
        tokenizer.end();
        tokenizer.sink.0.take()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_html_any_split_gives_the_same_tags_with_spans_into_the_text(
            html in html(),
            cuts in vec(any::<usize>(), 0..8),
        ) {
            let whole = HtmlScanner::default().scan(&html, 0);
            let mut scanner = HtmlScanner::default();
            let mut pieces = Vec::new();
            for (base, chunk) in split(&html, &cuts) {
                for token in scanner.scan(&chunk, base) {
                    let span = match &token {
                        HtmlToken::Start { span, attrs, .. } => {
                            for a in attrs {
                                prop_assert!(html.get(a.span.clone()).is_some());
                                prop_assert!(span.start < a.span.start && a.span.end < span.end);
                            }
                            span.clone()
                        }
                        HtmlToken::End { span, .. } => span.clone(),
                        // Text never leaves its chunk.
                        HtmlToken::Text { span } => {
                            prop_assert!(base <= span.start && span.end <= base + chunk.len());
                            span.clone()
                        }
                    };
                    prop_assert!(span.start < span.end && html.get(span).is_some());
                    pieces.push(token);
                }
            }
            prop_assert_eq!(tags_only(whole), tags_only(pieces));
        }

        #[test]
        fn tags_and_attributes_are_html5evers(html in html()) {
            let ours: Vec<Tag> = tags_only(HtmlScanner::default().scan(&html, 0))
                .into_iter()
                .map(|t| match t {
                    HtmlToken::Start { name, attrs, self_closing, .. } => {
                        let attrs = attrs.into_iter().map(|a| (a.name, a.value)).collect();
                        (true, name, attrs, self_closing)
                    }
                    HtmlToken::End { name, .. } => (false, name, Vec::new(), false),
                    HtmlToken::Text { .. } => unreachable!(),
                })
                .collect();
            let mut theirs = html5ever_tags(&html);
            // End tags' attributes and `/` mean nothing.
            for (is_start, _, attrs, self_closing) in &mut theirs {
                if !*is_start {
                    attrs.clear();
                    *self_closing = false;
                }
            }
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn markdown_in_html_never_panics_and_points_into_the_line(line in html()) {
            if let Some((range, _)) = markdown_in_html(&line, true) {
                prop_assert!(line.get(range).is_some_and(|found| !found.is_empty()));
            }
        }
    }
}
