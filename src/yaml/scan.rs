//! A forgiving walk over YAML text that knows just enough of its structure
//! (lines, keys, values, flow brackets, quotes, comments) to explain where
//! an author's slip is. It never fails: on text the parser refused it still
//! gives its best reading. All offsets are bytes into the walked text, and
//! every one it returns sits on a character boundary (it only stops at ASCII
//! bytes or line ends).

use std::ops::Range;

/// The line holding `at`, without its line break.
pub(super) fn line_around(text: &str, at: usize) -> Range<usize> {
    let bytes = text.as_bytes();
    let at = at.min(bytes.len());
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    start..trim_cr(bytes, start, end)
}

/// The line after the one holding `at`, if there is one.
pub(super) fn next_line(text: &str, at: usize) -> Option<Range<usize>> {
    let end = line_around(text, at).end;
    let next = text.as_bytes()[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| end + i + 1)?;
    (next < text.len()).then(|| line_around(text, next))
}

/// The lines before the one holding `at`, nearest first, that hold more
/// than blanks or a comment.
pub(super) fn content_lines_before(text: &str, at: usize) -> impl Iterator<Item = Anatomy> + '_ {
    let mut start = line_around(text, at).start;
    std::iter::from_fn(move || {
        while start > 0 {
            let line = line_around(text, start - 1);
            start = line.start;
            let anatomy = Anatomy::of(text, line);
            if !anatomy.is_blank_or_comment(text) {
                return Some(anatomy);
            }
        }
        None
    })
}

/// Whether `text` holds more than blank lines and comments.
pub(super) fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        !l.is_empty() && !l.starts_with('#')
    })
}

fn trim_cr(bytes: &[u8], start: usize, end: usize) -> usize {
    if end > start && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_col(text: &str, at: usize) -> (usize, usize) {
    let line = line_around(text, at);
    let number = text.as_bytes()[..line.start]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let column = text
        .get(line.start..at.min(text.len()))
        .map_or(1, |s| s.chars().count() + 1);
    (number, column)
}

/// Byte offset of a 1-based line and column (in characters), clamped to
/// the text.
pub(super) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text.as_bytes()[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line = line_around(text, start);
    text[line.clone()]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.end, |(i, _)| line.start + i)
}

/// What one line of block YAML is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Anatomy {
    pub line: Range<usize>,
    /// Where the first character that is not a space is (the end of the
    /// line for a blank one).
    pub body: usize,
    /// The `-` of a `- ` list item marker, the last one when there are more.
    pub dash: Option<usize>,
    /// The key of a `key: value` line, and the colon after it.
    pub key: Option<Range<usize>>,
    pub colon: Option<usize>,
    /// The value (after the key's colon or the list marker), without the
    /// blanks around it nor, for a plain value, a trailing comment.
    pub value: Range<usize>,
}

impl Anatomy {
    pub fn of(text: &str, line: Range<usize>) -> Anatomy {
        let bytes = text.as_bytes();
        let end = line.end;
        let skip_blanks = |mut i: usize| {
            while i < end && matches!(bytes[i], b' ' | b'\t') {
                i += 1;
            }
            i
        };
        let mut body = line.start;
        while body < end && bytes[body] == b' ' {
            body += 1;
        }
        let mut dash = None;
        let mut after_dash = body;
        while after_dash < end
            && bytes[after_dash] == b'-'
            && (after_dash + 1 == end || bytes[after_dash + 1] == b' ')
        {
            dash = Some(after_dash);
            after_dash = skip_blanks(after_dash + 1);
        }
        let colon = key_colon(bytes, after_dash, end);
        let key = colon.map(|c| after_dash..trim_end(bytes, after_dash, c));
        let value_start = colon.map_or(after_dash, |c| skip_blanks(c + 1));
        let value_end = if matches!(bytes.get(value_start), Some(b'"' | b'\'' | b'[' | b'{')) {
            end
        } else {
            comment_start(bytes, value_start, end).unwrap_or(end)
        };
        Anatomy {
            line: line.clone(),
            body,
            dash,
            key,
            colon,
            value: value_start..trim_end(bytes, value_start, value_end).max(value_start),
        }
    }

    pub fn is_blank_or_comment(&self, text: &str) -> bool {
        matches!(text.as_bytes().get(self.body), None | Some(b'#')) || self.body >= self.line.end
    }

    /// Spaces before the first character.
    pub fn indent(&self) -> usize {
        self.body - self.line.start
    }

    /// Where the key (or, without one, the item or value) starts, in bytes
    /// from the line start: what lines of one mapping share.
    pub fn key_column(&self) -> usize {
        self.key.as_ref().map_or(self.body, |k| k.start) - self.line.start
    }
}

/// The colon that ends a block key: the first `:` followed by a blank or
/// the line end, unless the line starts as a quoted or flow value or a
/// comment comes first.
fn key_colon(bytes: &[u8], start: usize, end: usize) -> Option<usize> {
    if matches!(
        bytes.get(start),
        None | Some(b'"' | b'\'' | b'[' | b'{' | b'#')
    ) {
        return None;
    }
    let comment = comment_start(bytes, start, end).unwrap_or(end);
    (start..comment)
        .find(|&i| bytes[i] == b':' && (i + 1 == end || matches!(bytes[i + 1], b' ' | b'\t')))
}

/// Where a ` #` comment starts in a plain scalar between `start` and `end`.
fn comment_start(bytes: &[u8], start: usize, end: usize) -> Option<usize> {
    (start..end).find(|&i| bytes[i] == b'#' && (i == start || matches!(bytes[i - 1], b' ' | b'\t')))
}

fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    end
}

/// A `[` or `{` and, inside a `{ … }`, the entry being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Flow {
    pub opener: usize,
    /// The current entry starts after this `{` or `,`.
    pub entry: usize,
    /// The colon of the current entry's key, once seen.
    pub colon: Option<usize>,
    /// The entry before the last `,`: its start and its key's colon.
    pub previous: Option<(usize, Option<usize>)>,
}

/// A comment after a value on the same line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Comment {
    pub hash: usize,
    /// The value it follows (its key's colon is just before it, if any).
    pub value: Range<usize>,
    pub key: Option<Range<usize>>,
    /// Inside a `[ … ]` or `{ … }`.
    pub in_flow: bool,
}

/// What the walk saw up to where it stopped.
#[derive(Debug, Default)]
pub(super) struct Walk {
    /// The brackets still open, outermost first.
    pub flow: Vec<Flow>,
    /// A quoted value still open: where its quote is.
    pub open_quote: Option<usize>,
    /// Quoted values that span lines: their opening and closing quotes.
    pub quotes_across_lines: Vec<(usize, usize)>,
    pub comments: Vec<Comment>,
}

/// Walks `text` up to byte `limit` (at most its end).
pub(super) fn walk(text: &str, limit: usize) -> Walk {
    let mut walker = Walker {
        bytes: text.as_bytes(),
        limit: limit.min(text.len()),
        walk: Walk::default(),
        quote: None,
        block_scalar: None,
    };
    walker.run(text);
    walker.walk
}

struct Walker<'a> {
    bytes: &'a [u8],
    limit: usize,
    walk: Walk,
    /// An open quoted value: its quote character and offset.
    quote: Option<(u8, usize)>,
    /// Inside a `|` or `>` block scalar: the indentation of its key's line.
    block_scalar: Option<usize>,
}

impl Walker<'_> {
    fn run(&mut self, text: &str) {
        let mut start = 0;
        while start < self.limit {
            let line = line_around(text, start);
            let next = (line.end..self.bytes.len())
                .find(|&i| self.bytes[i] == b'\n')
                .map_or(self.bytes.len(), |i| i + 1);
            if self.quote.is_some() || !self.walk.flow.is_empty() {
                self.chars(line.start, line.end, None);
            } else {
                self.block_line(text, line);
            }
            start = next;
        }
        self.walk.open_quote = self.quote.map(|(_, at)| at);
    }

    fn block_line(&mut self, text: &str, line: Range<usize>) {
        let anatomy = Anatomy::of(text, line.clone());
        if let Some(indent) = self.block_scalar {
            if anatomy.is_blank_or_comment(text) || anatomy.indent() > indent {
                return;
            }
            self.block_scalar = None;
        }
        if anatomy.is_blank_or_comment(text) {
            return;
        }
        let value = anatomy.value.start;
        match self.bytes.get(value) {
            Some(b'|' | b'>') => self.block_scalar = Some(anatomy.indent()),
            Some(b'[' | b'{' | b'"' | b'\'') => self.chars(value, line.end, anatomy.key.clone()),
            _ => {
                let hash = comment_start(self.bytes, value, line.end).filter(|&h| h < self.limit);
                if let Some(hash) = hash.filter(|&h| h > value) {
                    self.walk.comments.push(Comment {
                        hash,
                        value: value..trim_end(self.bytes, value, hash),
                        key: anatomy.key,
                        in_flow: false,
                    });
                }
            }
        }
    }

    /// Reads quoted values and flow collections character by character.
    fn chars(&mut self, from: usize, end: usize, key: Option<Range<usize>>) {
        let bytes = self.bytes;
        let mut i = from;
        // Whether a new scalar may start here (after an indicator or blank).
        let mut scalar_start = true;
        while i < end.min(self.limit) {
            let b = bytes[i];
            if let Some((q, open)) = self.quote {
                if q == b'\'' && b == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                if q == b'"' && b == b'\\' {
                    i += 2;
                    continue;
                }
                if b == q {
                    self.quote = None;
                    if bytes[open..i].contains(&b'\n') {
                        self.walk.quotes_across_lines.push((open, i));
                    }
                    if self.walk.flow.is_empty() {
                        return; // what follows a quoted block value is the parser's to judge
                    }
                    scalar_start = false;
                }
                i += 1;
                continue;
            }
            match b {
                b' ' | b'\t' => scalar_start = true,
                b'#' if scalar_start => {
                    self.flow_comment(i, key.clone());
                    return;
                }
                b'"' | b'\'' if scalar_start => self.quote = Some((b, i)),
                b'[' | b'{' => {
                    self.walk.flow.push(Flow {
                        opener: i,
                        entry: i + 1,
                        colon: None,
                        previous: None,
                    });
                    scalar_start = true;
                }
                b']' | b'}' => {
                    self.walk.flow.pop();
                    if self.walk.flow.is_empty() {
                        return;
                    }
                    scalar_start = false;
                }
                b',' => {
                    if let Some(flow) = self.walk.flow.last_mut() {
                        flow.previous = Some((flow.entry, flow.colon));
                        flow.entry = i + 1;
                        flow.colon = None;
                    }
                    scalar_start = true;
                }
                b':' if matches!(
                    bytes.get(i + 1),
                    None | Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}')
                ) =>
                {
                    if let Some(flow) = self.walk.flow.last_mut() {
                        flow.colon.get_or_insert(i);
                    }
                    scalar_start = true;
                }
                _ => scalar_start = false,
            }
            i += 1;
        }
    }

    fn flow_comment(&mut self, hash: usize, key: Option<Range<usize>>) {
        let Some(flow) = self.walk.flow.last() else {
            return;
        };
        let start = flow.colon.map_or(flow.entry, |c| c + 1);
        let start = (start..hash)
            .find(|&i| !matches!(self.bytes[i], b' ' | b'\t'))
            .unwrap_or(hash);
        let key = flow
            .colon
            .map(|c| {
                let k = (flow.entry..c)
                    .find(|&i| !matches!(self.bytes[i], b' ' | b'\t'))
                    .unwrap_or(c);
                k..trim_end(self.bytes, k, c)
            })
            .or(key);
        self.walk.comments.push(Comment {
            hash,
            value: start..trim_end(self.bytes, start, hash),
            key,
            in_flow: true,
        });
    }
}
