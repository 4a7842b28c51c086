//! Plain-words explanations of the YAML slips authors make, each at the
//! place of the real cause with the fix written out on the author's own
//! line. The parser says where it got stuck; these look at the text around
//! that place (and re-walk it where the cause sits earlier) to say why.

use super::scan::{self, Anatomy, Comment};

/// An explanation, at a byte offset of the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hint {
    pub at: usize,
    pub message: String,
}

impl Hint {
    fn new(at: usize, message: String) -> Self {
        Hint { at, message }
    }
}

/// What kind of failure the parser reported at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure<'a> {
    UnknownKey(&'a str),
    DuplicateKey(&'a str),
    /// A value of the wrong type; the parser's words say which was expected.
    WrongType(&'a str),
    /// The text is not YAML the parser can read.
    Syntax,
}

/// The slip behind a failure at `at`, if it is one we know.
pub(super) fn explain(text: &str, at: usize, failure: Failure) -> Option<Hint> {
    let at = at.min(text.len());
    match failure {
        Failure::UnknownKey(key) => comma_in_flow_value(text, at, key),
        Failure::DuplicateKey(key) => key_twice(text, at, key),
        // `-item` under `contacts:` reaches serde as a scalar where a list
        // belongs: the slip explains it better than the type does.
        Failure::WrongType(expected) => {
            syntax_slip(text, at).or_else(|| wrong_type(text, at, expected))
        }
        Failure::Syntax => syntax_slip(text, at),
    }
}

/// Most characters of the author's text a message quotes.
const MAX_QUOTED: usize = 60;

/// `s`, cut to [`MAX_QUOTED`] characters with `…`.
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// `value` in the quotes that keep it whole: double quotes unless it holds
/// one (or a backslash, which they would read as an escape).
fn quoted(value: &str) -> String {
    let value = excerpt(value);
    if value.contains(['"', '\\']) {
        format!("'{}'", value.replace('\'', "''"))
    } else {
        format!("\"{value}\"")
    }
}

/// The fix for a value that needs quotes: `key: "value"`, or `- "value"`
/// for a list item.
fn quote_fix(key: Option<&str>, value: &str) -> String {
    match key {
        Some(key) => format!("`{}: {}`", excerpt(key), quoted(value)),
        None => format!("`- {}`", quoted(value)),
    }
}

fn slice(text: &str, range: std::ops::Range<usize>) -> &str {
    text.get(range).unwrap_or_default()
}

/// `1 space`, `3 spaces`.
fn spaces(n: usize) -> String {
    if n == 1 {
        "1 space".to_string()
    } else {
        format!("{n} spaces")
    }
}

fn lines_apart(text: &str, earlier: usize, later: usize) -> String {
    let n = scan::line_col(text, later).0 - scan::line_col(text, earlier).0;
    match n {
        1 => "on the line above".to_string(),
        n => format!("{n} lines above"),
    }
}

/// Slips found from the structure of the text at a parser's syntax error,
/// the ones whose cause sits earlier first.
fn syntax_slip(text: &str, at: usize) -> Option<Hint> {
    let line = Anatomy::of(text, scan::line_around(text, at));
    let walk = scan::walk(text, text.len());
    tab_indent(text, at)
        .or_else(|| unclosed_bracket(text, at, &walk))
        .or_else(|| quote_across_lines(text, at, &walk))
        .or_else(|| curly_quotes(text, &line))
        .or_else(|| colon_in_value(text, at, &line))
        .or_else(|| deeper_than_above(text, at, &line))
        .or_else(|| quoted_then_more(text, &line))
        .or_else(|| unclosed_quote(text, &line))
        .or_else(|| indicator_first(text, at, &line))
        .or_else(|| no_space_after_dash(text, &line))
        .or_else(|| no_space_after_colon(text, &line))
        .or_else(|| items_left_of_key(text, at, &line))
        .or_else(|| item_off_level(text, &line))
        .or_else(|| no_colon(text, &line))
}

/// A tab in the indentation of the line at `at` or the next one (the parser
/// may stop on the value before a tab-indented line).
fn tab_indent(text: &str, at: usize) -> Option<Hint> {
    let here = scan::line_around(text, at);
    [Some(here), scan::next_line(text, at)]
        .into_iter()
        .flatten()
        .find_map(|line| {
            let bytes = text.as_bytes();
            let lead = (line.start..line.end)
                .take_while(|&i| matches!(bytes[i], b' ' | b'\t'))
                .collect::<Vec<_>>();
            let rest_is_content = lead.last().map_or(line.start, |&i| i + 1) < line.end;
            let tab = lead.into_iter().find(|&i| bytes[i] == b'\t')?;
            rest_is_content.then(|| {
                Hint::new(
                    tab,
                    "a tab indents this line, and YAML indents with spaces only: replace the tab \
                     with spaces, as many as the lines it belongs with"
                        .to_string(),
                )
            })
        })
}

/// A `[` or `{` before `at` that is never closed; or one whose closing
/// bracket a ` #` comment swallowed.
fn unclosed_bracket(text: &str, at: usize, walk: &scan::Walk) -> Option<Hint> {
    let flow = walk.flow.first().filter(|f| f.opener <= at)?;
    let opener_line = scan::line_around(text, flow.opener);
    let bracket = slice(text, flow.opener..flow.opener + 1);
    let closers: String = walk
        .flow
        .iter()
        .rev()
        .map(|f| {
            if text.as_bytes()[f.opener] == b'[' {
                ']'
            } else {
                '}'
            }
        })
        .collect();
    if let Some(comment) = walk
        .comments
        .iter()
        .find(|c| c.in_flow && c.hash > flow.opener && c.hash < opener_line.end)
    {
        let dropped = slice(text, comment.hash..opener_line.end);
        return Some(Hint::new(
            comment.hash,
            format!(
                "` #` starts a comment in YAML, so `{}` is dropped and the `{bracket}` is never \
                 closed: put the value in quotes: {}",
                excerpt(dropped),
                quote_fix(
                    comment.key.clone().map(|k| slice(text, k)),
                    slice(
                        text,
                        comment.value.start..scan_end_of_words(text, comment.hash, opener_line.end)
                    ),
                )
            ),
        ));
    }
    let what = if bracket == "[" { "list" } else { "`{ … }`" };
    let written = slice(text, opener_line.clone()).trim();
    Some(Hint::new(
        flow.opener,
        format!(
            "this `{bracket}` is never closed, so YAML reads the lines after it as part of the \
             {what}: close it at the end of its value: `{}{closers}`",
            excerpt(written)
        ),
    ))
}

/// The end of the words after a `#` that were meant as part of a value:
/// up to a closing bracket or comma.
fn scan_end_of_words(text: &str, hash: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    let stop = (hash..end)
        .find(|&i| matches!(bytes[i], b'}' | b']' | b','))
        .unwrap_or(end);
    (hash..stop)
        .rev()
        .find(|&i| !matches!(bytes[i], b' ' | b'\t'))
        .map_or(stop, |i| i + 1)
}

/// A quoted value not closed on its own line, so it ran on to where the
/// parser stopped.
fn quote_across_lines(text: &str, at: usize, walk: &scan::Walk) -> Option<Hint> {
    let line_of_at = scan::line_around(text, at);
    let open = walk
        .quotes_across_lines
        .iter()
        .find(|&&(open, close)| open < line_of_at.start && close >= line_of_at.start)
        .map(|&(open, _)| open)
        .or(walk.open_quote.filter(|&open| open < at))?;
    Some(unclosed_quote_hint(text, open))
}

fn unclosed_quote_hint(text: &str, open: usize) -> Hint {
    let line = Anatomy::of(text, scan::line_around(text, open));
    let quote = slice(text, open..open + 1);
    let written = slice(text, open + 1..line.line.end).trim_end();
    let key = line.key.map(|k| format!("{}: ", slice(text, k)));
    let dash = if key.is_none() && line.dash.is_some() {
        "- "
    } else {
        ""
    };
    Hint::new(
        open,
        format!(
            "the `{quote}` that opens this value is not closed on its line: end the value with \
             `{quote}`: `{dash}{}{quote}{}{quote}`",
            key.unwrap_or_default(),
            excerpt(written)
        ),
    )
}

fn unclosed_quote(text: &str, line: &Anatomy) -> Option<Hint> {
    let open = line.value.start;
    let quote = *text
        .as_bytes()
        .get(open)
        .filter(|b| matches!(b, b'"' | b'\''))?;
    let closed = text.as_bytes()[open + 1..line.line.end].contains(&quote);
    (!closed).then(|| unclosed_quote_hint(text, open))
}

const CURLY_QUOTES: [char; 7] = ['“', '”', '„', '‘', '’', '«', '»'];

/// A value in curly quotes (pasted from a word processor), which YAML reads
/// as text, so the `: ` or `#` inside them is not protected.
fn curly_quotes(text: &str, line: &Anatomy) -> Option<Hint> {
    let value = slice(text, line.value.clone());
    let first = value.chars().next().filter(|c| CURLY_QUOTES.contains(c))?;
    let straight = value.trim_matches(|c| CURLY_QUOTES.contains(&c));
    Some(Hint::new(
        line.value.start,
        format!(
            "the value is in curly quotes `{first}…`, which YAML reads as ordinary text, not as \
             quotes (pasted from a word processor?): use straight quotes: {}",
            quote_fix(line.key.clone().map(|k| slice(text, k)), straight)
        ),
    ))
}

/// A `: ` inside a value (block or `{ … }`), which YAML reads as a key.
fn colon_in_value(text: &str, at: usize, line: &Anatomy) -> Option<Hint> {
    if text.as_bytes().get(at) != Some(&b':') {
        return None;
    }
    let walk = scan::walk(text, at);
    let (key, value) = match walk.flow.last() {
        Some(flow) => {
            let colon = flow.colon.filter(|&c| c < at)?;
            let key = slice(text, flow.entry..colon).trim();
            let end = text.as_bytes()[at..line.line.end]
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']'))
                .map_or(line.line.end, |i| at + i);
            (Some(key), slice(text, colon + 1..end).trim())
        }
        None => {
            let colon = line.colon.filter(|&c| c < at)?;
            let key = line.key.clone().map(|k| slice(text, k));
            (
                key,
                slice(text, colon + 1..line.value.end.max(at + 1)).trim(),
            )
        }
    };
    Some(Hint::new(
        at,
        format!(
            "a `:` followed by a space inside a value makes YAML read it as a new key: put the \
             value in quotes: {}",
            quote_fix(key, value)
        ),
    ))
}

/// A key indented deeper than the `key: value` line above it, which YAML
/// then reads as more of that value.
fn deeper_than_above(text: &str, at: usize, line: &Anatomy) -> Option<Hint> {
    let key = line
        .key
        .clone()
        .filter(|_| line.colon == Some(at) && line.dash.is_none())?;
    let above = scan::content_lines_before(text, at).next()?;
    let above_key = above.key.clone()?;
    if above.value.is_empty() || above.key_column() >= line.key_column() {
        return None;
    }
    Some(Hint::new(
        line.body,
        format!(
            "`{}:` is indented {}, deeper than `{}:` {} ({}), so YAML reads it as more of the \
             value `{}`: indent the keys of one block the same",
            excerpt(slice(text, key)),
            spaces(line.key_column()),
            excerpt(slice(text, above_key)),
            lines_apart(text, above.line.start, line.line.start),
            spaces(above.key_column()),
            excerpt(slice(text, above.value.clone()))
        ),
    ))
}

/// A value that starts as a quoted part and goes on after its closing quote.
fn quoted_then_more(text: &str, line: &Anatomy) -> Option<Hint> {
    let bytes = text.as_bytes();
    let open = line.value.start;
    let quote = *bytes.get(open).filter(|b| matches!(b, b'"' | b'\''))?;
    let close = (open + 1..line.line.end).find(|&i| bytes[i] == quote && bytes[i - 1] != b'\\')?;
    let rest = slice(text, close + 1..line.line.end).trim();
    if rest.is_empty() || rest.starts_with('#') || rest.starts_with(':') {
        return None;
    }
    let value = slice(text, open..line.value.end);
    Some(Hint::new(
        close + 1,
        format!(
            "the value starts with a quoted part and goes on after the closing quote: put the \
             whole value in quotes: {}",
            quote_fix(line.key.clone().map(|k| slice(text, k)), value)
        ),
    ))
}

/// A value starting with a character YAML reserves (`@`, `` ` ``, `%`, `*`,
/// `&`, `!`, `|`, `>`, or a `[`/`{`/`- ` followed by more text).
fn indicator_first(text: &str, at: usize, line: &Anatomy) -> Option<Hint> {
    if at < line.value.start || at > line.value.end {
        return None;
    }
    let value = slice(text, line.value.clone());
    let first = value.chars().next()?;
    let reserved = match first {
        '@' | '`' | '%' | '*' | '&' | '!' | '|' | '>' => true,
        '-' => value.starts_with("- "),
        // `[Meta] guide`: a list or `{ … }` with more text after it.
        '[' | '{' => !value.ends_with([']', '}']),
        _ => false,
    };
    let shown = if first == '`' {
        "`` ` ``".to_string()
    } else {
        format!("`{first}`")
    };
    reserved.then(|| {
        Hint::new(
            line.value.start,
            format!(
                "a value cannot start with {shown} in YAML, which reserves it: put the value in \
                 quotes: {}",
                quote_fix(line.key.clone().map(|k| slice(text, k)), value)
            ),
        )
    })
}

/// `-item` for `- item`.
fn no_space_after_dash(text: &str, line: &Anatomy) -> Option<Hint> {
    let bytes = text.as_bytes();
    let start = line.dash.map_or(line.body, |d| {
        (d + 1..line.line.end)
            .find(|&i| bytes[i] != b' ')
            .unwrap_or(line.line.end)
    });
    let next = *bytes.get(start + 1)?;
    if bytes[start] != b'-' || start + 1 >= line.line.end || matches!(next, b'-' | b' ' | b'\t') {
        return None;
    }
    Some(Hint::new(
        start,
        format!(
            "a list item needs a space after its `-`: write `- {}`",
            excerpt(slice(text, start + 1..line.line.end).trim_end()),
        ),
    ))
}

/// `key:value` for `key: value`.
fn no_space_after_colon(text: &str, line: &Anatomy) -> Option<Hint> {
    if line.key.is_some() {
        return None;
    }
    let body = slice(text, line.value.clone());
    let (key, value) = body.split_once(':')?;
    let is_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (is_key && !value.is_empty()).then(|| {
        Hint::new(
            line.value.start + key.len(),
            format!(
                "`{}` needs a space after the colon to be a key and its value: write `{key}: {}`",
                excerpt(body),
                excerpt(value)
            ),
        )
    })
}

/// List items of a nested key written left of that key.
fn items_left_of_key(text: &str, at: usize, line: &Anatomy) -> Option<Hint> {
    let key = line.key.clone().filter(|_| line.value.is_empty())?;
    let next = scan::next_line(text, at).map(|l| Anatomy::of(text, l))?;
    next.dash.filter(|_| next.indent() < line.key_column())?;
    Some(Hint::new(
        next.body,
        format!(
            "the items under `{}:` start left of it ({}, the key {}), so they are not read as \
             its list: indent them at least as far as `{0}:`",
            excerpt(slice(text, key)),
            spaces(next.indent()),
            spaces(line.key_column())
        ),
    ))
}

/// A list item indented differently from the item above it.
fn item_off_level(text: &str, line: &Anatomy) -> Option<Hint> {
    line.dash?;
    let above = scan::content_lines_before(text, line.line.start).next()?;
    above.dash?;
    let (here, there) = (line.indent(), above.indent());
    (here != there).then(|| {
        Hint::new(
            line.body,
            format!(
                "this list item is indented {} and the one above {}: items of one list line \
                 up; indent it {1}",
                spaces(here),
                spaces(there)
            ),
        )
    })
}

/// A line of words without the colon of `key: value`.
fn no_colon(text: &str, line: &Anatomy) -> Option<Hint> {
    if line.key.is_some() || line.dash.is_some() {
        return None;
    }
    let body = slice(text, line.value.clone());
    let (key, value) = body.split_once(' ')?;
    let is_key = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (is_key && !body.contains(':')).then(|| {
        Hint::new(
            line.value.start + key.len(),
            format!(
                "this line has no `:`, so YAML cannot tell the key from the value: write `{}: {}`",
                excerpt(key),
                excerpt(value.trim())
            ),
        )
    })
}

/// An unknown "key" that is the rest of a value cut at a comma inside
/// `{ … }`: `help: The id, without the act_ prefix`.
fn comma_in_flow_value(text: &str, at: usize, field: &str) -> Option<Hint> {
    let walk = scan::walk(text, at);
    let flow = walk.flow.last()?;
    let (previous, Some(colon)) = flow.previous? else {
        return None;
    };
    // `at` is where the unknown key starts, just after the comma.
    let comma = (previous..at).rev().find(|&i| text.as_bytes()[i] == b',')?;
    if !field.contains(' ') && entry_has_colon(text, at) {
        return None;
    }
    let key = slice(text, previous..colon).trim();
    let line_end = scan::line_around(text, at).end;
    let rest_end = text.as_bytes()[at..line_end]
        .iter()
        .position(|&b| matches!(b, b',' | b'}'))
        .map_or(line_end, |i| at + i);
    let value = slice(text, colon + 1..rest_end).trim();
    Some(Hint::new(
        comma,
        format!(
            "the comma in the value of `{}` ends that value inside `{{ … }}`, so YAML reads `{}` \
             as a key: put the value in quotes: {}",
            excerpt(key),
            excerpt(field),
            quote_fix(Some(key), value)
        ),
    ))
}

/// Whether the flow entry starting at `at` is `key: value` (not bare text).
fn entry_has_colon(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    let line_end = scan::line_around(text, at).end;
    (at..line_end)
        .take_while(|&i| !matches!(bytes[i], b',' | b'}'))
        .any(|i| bytes[i] == b':')
}

/// The same key written twice in one mapping: say where the first one is.
fn key_twice(text: &str, at: usize, key: &str) -> Option<Hint> {
    let line = Anatomy::of(text, scan::line_around(text, at));
    let in_flow = !scan::walk(text, at).flow.is_empty();
    if in_flow {
        return Some(Hint::new(
            at,
            format!(
                "`{}` is written twice in this `{{ … }}`: keep one of them",
                excerpt(key)
            ),
        ));
    }
    let column = line.key_column();
    let first = scan::content_lines_before(text, at)
        .take_while(|above| above.indent() >= column || above.key_column() == column)
        .find(|above| {
            above.key_column() == column && above.key.clone().is_some_and(|k| slice(text, k) == key)
        })?;
    Some(Hint::new(
        at,
        format!(
            "`{}` is written twice: {} (`{}`) and here: keep one of them",
            excerpt(key),
            lines_apart(text, first.line.start, line.line.start),
            excerpt(slice(text, first.line.clone()).trim())
        ),
    ))
}

/// A value of the wrong type, said with the key and an example.
fn wrong_type(text: &str, at: usize, expected: &str) -> Option<Hint> {
    let line = Anatomy::of(text, scan::line_around(text, at));
    let Some(key) = line.key.clone().map(|k| excerpt(slice(text, k))) else {
        // Inside a `{ … }` the parser points at the value: its key is the
        // entry's, if the walk saw one.
        let walk = scan::walk(text, at);
        let key = walk
            .flow
            .last()
            .and_then(|f| Some(slice(text, f.entry..f.colon?).trim()));
        let whose = key.map_or("a value on this line".to_string(), |k| {
            format!("`{}`", excerpt(k))
        });
        return Some(Hint::new(
            at,
            format!("{whose} must be {}", kind(expected)?),
        ));
    };
    let value = slice(text, line.value.clone());
    let kind = kind(expected)?;
    if let Some(message) = colon_in_list_item(text, &line, &key).filter(|_| kind == "text") {
        return Some(Hint::new(line.value.start, message));
    }
    let example = match kind {
        _ if value.is_empty() || value == "~" || value == "null" => {
            format!("`{key}` has no value: write it after `{key}: `")
        }
        "text" => format!(
            "`{key}` must be text: put the value in quotes: {}",
            quote_fix(Some(&key), value)
        ),
        "a list" => format!(
            "`{key}` must be a list: write `{key}: [{}]`, or each item on its own line after `- `",
            excerpt(value)
        ),
        "keys" => {
            format!("`{key}` holds keys, each on its own line below it, indented by two spaces")
        }
        kind => format!("`{key}` must be {kind}, not `{}`", excerpt(value)),
    };
    Some(Hint::new(line.value.start, example))
}

/// A `[ … ]` item holding `: `, which YAML reads as a key and its value.
fn colon_in_list_item(text: &str, line: &Anatomy, key: &str) -> Option<String> {
    let value = slice(text, line.value.clone());
    let inner = value.strip_prefix('[')?.strip_suffix(']')?;
    let items: Vec<&str> = inner.split(',').map(str::trim).collect();
    let item = items.iter().find(|i| i.contains(": "))?;
    let fixed: Vec<String> = items
        .iter()
        .map(|i| if i == item { quoted(i) } else { excerpt(i) })
        .collect();
    Some(format!(
        "the item `{}` of `{key}` holds `: `, which makes it a key and a value: put that item \
         in quotes: `{key}: [{}]`",
        excerpt(item),
        fixed.join(", ")
    ))
}

/// What the parser's `expected` words ask for, in plain words.
fn kind(expected: &str) -> Option<&'static str> {
    Some(if expected.contains("64") || expected.contains("integer") {
        "a whole number, like `20`"
    } else if expected.contains("bool") {
        "`true` or `false`"
    } else if expected.contains("sequence") {
        "a list"
    } else if expected.contains("string") {
        "text"
    } else if expected.contains("map") || expected.contains("struct") {
        "keys"
    } else {
        return None;
    })
}

/// A value cut short by a ` #` that reads as part of it (`title: Step #1`):
/// YAML takes everything from ` #` as a comment, silently.
pub(super) fn value_cut_by_comment(text: &str) -> Option<Hint> {
    // Only a `#` after a blank and before a character other than a blank or
    // `#` can cut a value: most blocks have none, and skip the walk.
    let may_cut = text.as_bytes().windows(3).any(|w| {
        matches!(w[0], b' ' | b'\t')
            && w[1] == b'#'
            && !matches!(w[2], b' ' | b'\t' | b'\n' | b'\r' | b'#')
    });
    if !may_cut {
        return None;
    }
    let walk = scan::walk(text, text.len());
    walk.comments
        .iter()
        .find_map(|comment| cut_value(text, comment))
}

fn cut_value(text: &str, comment: &Comment) -> Option<Hint> {
    // `# note` with a space is how comments are written; `#1` is not.
    let after = text.get(comment.hash + 1..)?.chars().next()?;
    if after.is_whitespace() || after == '#' || comment.value.is_empty() {
        return None;
    }
    let line_end = scan::line_around(text, comment.hash).end;
    let end = if comment.in_flow {
        scan_end_of_words(text, comment.hash, line_end)
    } else {
        line_end
    };
    let kept = slice(text, comment.value.clone());
    let whole = slice(text, comment.value.start..end).trim_end();
    let key = comment.key.clone().map(|k| slice(text, k));
    Some(Hint::new(
        comment.hash,
        format!(
            "` #` starts a comment in YAML, so the value is only `{}`: to keep `{}`, put the \
             value in quotes: {}; for a comment, write `# ` with a space",
            excerpt(kept),
            excerpt(slice(text, comment.hash..end).trim_end()),
            quote_fix(key, whole)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::super::{YamlError, parse};

    /// The shape of a guide's front matter, kept here so these tests read
    /// the recogniser alone.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Front {
        source: String,
        title: String,
        platform: String,
        #[serde(default)]
        summary: String,
        #[serde(default)]
        order: Option<i64>,
        #[serde(default)]
        draft: bool,
        access: Access,
        #[serde(default)]
        contacts: Vec<String>,
        onboard: Onboard,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Access {
        grantee: String,
        role: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Onboard {
        portal: String,
        fields: Vec<Field>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Field {
        name: String,
        label: String,
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        required: bool,
        #[serde(default)]
        help: Option<String>,
        #[serde(default)]
        options: Vec<String>,
    }

    const FRONT: &str = "source: meta
title: Meta access guide
platform: Meta
summary: Grant access to your ad account.
access:
  grantee: data@agency.example
  role: Analyst
contacts: [ops@agency.example]
onboard:
  portal: https://portal.agency.example/
  fields:
    - { name: account_id, label: Account Id, type: text, help: The id of the ad account }
";

    /// `FRONT` with `from` replaced by `to` (which must be there).
    fn slip(from: &str, to: &str) -> String {
        assert!(FRONT.contains(from), "{from:?}");
        FRONT.replacen(from, to, 1)
    }

    fn error(text: &str) -> YamlError {
        match parse::<Front>(text) {
            Ok(front) => panic!("parsed: {front:?}\n{text}"),
            Err(e) => e,
        }
    }

    /// Each slip: the edit, where the error must be, and what it must say.
    #[test]
    fn each_slip_is_explained_at_its_cause_with_the_fix() {
        let table: &[(&str, &str, (usize, usize), &str)] = &[
            (
                "summary: Grant access to your ad account.",
                "summary: Meta: grant access to your ad account.",
                (4, 14),
                "put the value in quotes: `summary: \"Meta: grant access to your ad account.\"`",
            ),
            (
                "help: The id of the ad account",
                "help: The id, without the act_ prefix",
                (12, 70),
                "the comma in the value of `help` ends that value inside `{ … }`, so YAML reads \
                 `without the act_ prefix` as a key: put the value in quotes: \
                 `help: \"The id, without the act_ prefix\"`",
            ),
            (
                "title: Meta access guide",
                "title: Step #1 guide",
                (2, 13),
                "so the value is only `Step`: to keep `#1 guide`, put the value in quotes: \
                 `title: \"Step #1 guide\"`",
            ),
            (
                "help: The id of the ad account",
                "help: The id #1",
                (12, 71),
                "so `#1 }` is dropped and the `{` is never closed: put the value in quotes: \
                 `help: \"The id #1\"`",
            ),
            (
                "  role: Analyst",
                "\trole: Analyst",
                (7, 1),
                "a tab indents this line",
            ),
            (
                "  grantee:",
                "\tgrantee:",
                (6, 1),
                "replace the tab with spaces",
            ),
            (
                "    - { name",
                "    -{ name",
                (12, 5),
                "a list item needs a space after its `-`: write `- { name: account_id,",
            ),
            (
                "contacts: [ops@agency.example]",
                "contacts:\n  -ops@agency.example",
                (9, 3),
                "write `- ops@agency.example`",
            ),
            (
                "title: Meta access guide",
                "title:Meta",
                (2, 6),
                "`title:Meta` needs a space after the colon to be a key and its value: write \
                 `title: Meta`",
            ),
            (
                "title: Meta access guide",
                "title: \"Meta access guide",
                (2, 8),
                "end the value with `\"`: `title: \"Meta access guide\"`",
            ),
            (
                "title: Meta access guide",
                "title: 'Meta access guide",
                (2, 8),
                "end the value with `'`: `title: 'Meta access guide'`",
            ),
            (
                // Closed by the next quoted value, two lines down.
                "title: Meta access guide\nplatform: Meta\nsummary: Grant access to your ad account.",
                "title: \"Meta access guide\nplatform: Meta\nsummary: \"Grant access\"",
                (2, 8),
                "the `\"` that opens this value is not closed on its line",
            ),
            (
                "contacts: [ops@agency.example]",
                "contacts: [ops@agency.example",
                (8, 11),
                "this `[` is never closed, so YAML reads the lines after it as part of the list: \
                 close it at the end of its value: `contacts: [ops@agency.example]`",
            ),
            (
                "help: The id of the ad account }",
                "help: The id of the ad account",
                (12, 7),
                "this `{` is never closed",
            ),
            (
                "platform: Meta\n",
                "platform: Meta\ntitle: Again\n",
                (4, 1),
                "`title` is written twice: 2 lines above (`title: Meta access guide`) and here: \
                 keep one of them",
            ),
            (
                "  role: Analyst",
                "  role: Analyst\n  role: Admin",
                (8, 3),
                "`role` is written twice: on the line above (`role: Analyst`)",
            ),
            (
                "help: The id of the ad account",
                "name: again",
                (12, 58),
                "`name` is written twice in this `{ … }`",
            ),
            (
                "  role: Analyst",
                "   role: Analyst",
                (7, 4),
                "`role:` is indented 3 spaces, deeper than `grantee:` on the line above \
                 (2 spaces), so YAML reads it as more of the value `data@agency.example`",
            ),
            (
                "    - { name",
                "- { name",
                (12, 1),
                "the items under `fields:` start left of it (0 spaces, the key 2 spaces)",
            ),
            (
                "contacts: [ops@agency.example]",
                "contacts:\n  - ops@agency.example\n - team@agency.example",
                (10, 2),
                "this list item is indented 1 space and the one above 2 spaces",
            ),
            (
                "grantee: data@agency.example",
                "grantee: @agency",
                (6, 12),
                "a value cannot start with `@` in YAML, which reserves it: put the value in \
                 quotes: `grantee: \"@agency\"`",
            ),
            (
                "title: Meta access guide",
                "title: `Meta` guide",
                (2, 8),
                "cannot start with `` ` ``",
            ),
            (
                "title: Meta access guide",
                "title: *Meta* guide",
                (2, 8),
                "`title: \"*Meta* guide\"`",
            ),
            (
                "title: Meta access guide",
                "title: & more",
                (2, 8),
                "`title: \"& more\"`",
            ),
            (
                "title: Meta access guide",
                "title: %50 off",
                (2, 8),
                "`title: \"%50 off\"`",
            ),
            (
                "title: Meta access guide",
                "title: !important step",
                (2, 8),
                "`title: \"!important step\"`",
            ),
            (
                "title: Meta access guide",
                "title: [Meta] guide",
                (2, 8),
                "`title: \"[Meta] guide\"`",
            ),
            (
                "summary: Grant access to your ad account.",
                "summary: - grant access",
                (4, 10),
                "`summary: \"- grant access\"`",
            ),
            (
                "title: Meta access guide",
                "title: “Meta: access”",
                (2, 8),
                "curly quotes `“…`, which YAML reads as ordinary text, not as quotes (pasted from \
                 a word processor?): use straight quotes: `title: \"Meta: access\"`",
            ),
            (
                "title: Meta access guide",
                "title: \"Meta\" access guide",
                (2, 14),
                "put the whole value in quotes: `title: '\"Meta\" access guide'`",
            ),
            (
                "platform: Meta",
                "platform Meta",
                (3, 9),
                "this line has no `:`, so YAML cannot tell the key from the value: write \
                 `platform: Meta`",
            ),
            (
                "platform: Meta\n",
                "platform: Meta\norder: first\n",
                (4, 8),
                "`order` must be a whole number, like `20`, not `first`",
            ),
            (
                "platform: Meta\n",
                "platform: Meta\ndraft: maybe\n",
                (4, 8),
                "`draft` must be `true` or `false`, not `maybe`",
            ),
            (
                "type: text,",
                "type: text, required: maybe,",
                (12, 68),
                "`required` must be `true` or `false`",
            ),
            (
                "title: Meta access guide",
                "title:",
                (2, 7),
                "`title` has no value",
            ),
            (
                "contacts: [ops@agency.example]",
                "contacts: ops@agency.example",
                (8, 11),
                "`contacts` must be a list: write `contacts: [ops@agency.example]`",
            ),
            (
                "contacts: [ops@agency.example]",
                "contacts: [ops@agency.example, Ops: lead]",
                (8, 11),
                "put that item in quotes: `contacts: [ops@agency.example, \"Ops: lead\"]`",
            ),
        ];
        for &(from, to, at, says) in table {
            let text = slip(from, to);
            let err = error(&text);
            assert_eq!((err.line, err.column), at, "{to:?}: {err:?}");
            assert!(
                err.message.contains(says),
                "{to:?}:\n{}\nlacks\n{says}",
                err.message
            );
            assert!(!err.unknown_key, "{to:?}: {err:?}");
        }
    }

    #[test]
    fn what_yaml_reads_as_the_author_meant_is_left_alone() {
        for (from, to) in [
            ("title: Meta access guide", "title: C# for ads #"),
            (
                "title: Meta access guide",
                "title: Meta access guide   # required",
            ),
            ("title: Meta access guide", "title: 2024"),
            ("platform: Meta", "platform: no"),
            ("platform: Meta", "platform: Meta \"Ads\""),
            (
                "portal: https://portal.agency.example/",
                "portal: https://portal.agency.example/#/x",
            ),
            (
                "summary: Grant access to your ad account.",
                "summary: >\n  Step #1: open it\n",
            ),
            (
                "summary: Grant access to your ad account.",
                "summary: \"Grant\n  access\"",
            ),
            ("    - { name", "  - { name"),
            ("help: The id of the ad account", "options: [...]"),
            ("access:", "access:  #who"),
        ] {
            let text = slip(from, to);
            if let Err(e) = parse::<Front>(&text) {
                panic!("{to:?}: {e:?}");
            }
        }
    }

    #[test]
    fn an_unknown_key_that_is_a_key_keeps_its_suggestion() {
        let err = error(&slip("type: text,", "type: text, lable: x,"));
        assert!(err.unknown_key, "{err:?}");
        assert!(err.message.contains("did you mean `label`"), "{err:?}");
    }

    #[test]
    fn a_huge_value_is_quoted_cut_short() {
        let long = "é".repeat(1_000_000);
        let text = slip("summary: Grant", &format!("summary: Meta: {long}"));
        let err = error(&text);
        assert!(err.message.len() < 400, "{} bytes", err.message.len());
        assert!(err.message.contains("é…\"`"), "{}", err.message);
    }

    #[test]
    fn slips_in_a_long_document_take_linear_time() {
        // 20,000 lines, the slip at the end: every recogniser walks it once.
        let many: String = (0..20_000)
            .map(|n| format!("  - u{n}@agency.example\n"))
            .collect();
        let text = slip(
            "contacts: [ops@agency.example]",
            &format!("contacts:\n{many}  -late"),
        );
        let started = std::time::Instant::now();
        let err = error(&text);
        assert!(err.message.contains("`- late`"), "{err:?}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn positions_never_split_a_character() {
        // Multi-byte text before every kind of cause.
        for to in [
            "summary: Ünïcödé: ✓",
            "summary: “Ü: ✓”",
            "summary: ✓ #✓",
            "summary: \"✓",
        ] {
            let text = slip("summary: Grant access to your ad account.", to);
            let err = error(&text);
            assert_eq!(err.line, 4, "{to:?}: {err:?}");
        }
    }
}

#[cfg(test)]
mod robustness {
    use super::super::parse;

    /// Every slip at once, with multi-byte text around them.
    const MESS: &str = "title: “Ü: ✓” #✓\n\tkey:val\n- { a: b, c d #e\n  - ‘x\nk: \"é\n\
                        k: 'é' ü\n[é, {ü: \"\\\n  *é\n &\n%é: |\n  é\nkey ✓\n-é\n";

    #[test]
    fn no_prefix_or_suffix_of_a_messy_document_panics() {
        // A cut anywhere leaves every recogniser a different half-written
        // construct to read.
        for (cut, _) in MESS.char_indices() {
            let _ = parse::<std::collections::BTreeMap<String, String>>(&MESS[..cut]);
            let _ = parse::<Vec<String>>(&MESS[cut..]);
        }
    }
}
