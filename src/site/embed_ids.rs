//! An embed's ids, prefixed with `gs-<source>-` so that two embeds on one
//! portal page never collide with each other or with the portal's own ids.
//!
//! A post-process of the embed's HTML, which the renderer, the sanitiser and
//! the theme all wrote: in it a `<` always starts a tag (text holds `&lt;`)
//! and a `"` inside a double-quoted attribute value is `&quot;`. Text may
//! still hold ` id="x"` verbatim (the sanitiser leaves `"` in text as it is),
//! so attributes are rewritten only inside tags.

use std::ops::Range;

/// The prefix of every id in `source`'s embed.
pub fn embed_id_prefix(source: &str) -> String {
    format!("gs-{source}-")
}

/// `html` with every id, every reference to an id (`for`, `aria-labelledby`,
/// `aria-describedby`) and every in-page `#fragment` href prefixed.
pub fn prefix_ids(html: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let (text, from_tag) = rest.split_at(start);
        out.push_str(text);
        let end = tag_end(from_tag);
        let (tag, after) = from_tag.split_at(end);
        prefix_tag(tag, prefix, &mut out);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The length of the tag, comment or end tag `html` starts with, up to and
/// including its `>` (quoted attribute values may hold a `>`).
fn tag_end(html: &str) -> usize {
    if html.starts_with("<!--") {
        return html.find("-->").map_or(html.len(), |end| end + 3);
    }
    // Quotes and `>` are ASCII, and no byte of a multi-byte character is:
    // the end found is a char boundary.
    let mut quote = None;
    for (i, &b) in html.as_bytes().iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Copies one tag to `out`, its id-bearing attribute values prefixed.
fn prefix_tag(tag: &str, prefix: &str, out: &mut String) {
    // Most tags have no attribute value at all: nothing to parse in them.
    let has_values = tag.as_bytes().contains(&b'=');
    let not_start_tag = tag.starts_with("</") || tag.starts_with("<!") || tag.starts_with("<?");
    if not_start_tag || !has_values {
        out.push_str(tag);
        return;
    }
    let mut copied = 0;
    let mut attributes = Attributes { tag, at: 1 };
    attributes.skip_name();
    while let Some((name, value)) = attributes.next_value() {
        if let Some(prefixed) = prefixed_value(name, &tag[value.clone()], prefix) {
            out.push_str(&tag[copied..value.start]);
            out.push_str(&prefixed);
            copied = value.end;
        }
    }
    out.push_str(&tag[copied..]);
}

/// The new value of attribute `name`, when it names ids.
fn prefixed_value(name: &str, value: &str, prefix: &str) -> Option<String> {
    let is = |expected: &str| name.eq_ignore_ascii_case(expected);
    if value.is_empty() {
        return None;
    }
    if is("id") || is("for") {
        Some(format!("{prefix}{value}"))
    } else if is("href") {
        // `#` alone is a placeholder, not a link to an id.
        let fragment = value.strip_prefix('#').filter(|f| !f.is_empty())?;
        Some(format!("#{prefix}{fragment}"))
    } else if is("aria-labelledby") || is("aria-describedby") {
        let ids: Vec<String> = value
            .split_ascii_whitespace()
            .map(|id| format!("{prefix}{id}"))
            .collect();
        Some(ids.join(" "))
    } else {
        None
    }
}

/// A walk over a start tag's attributes, byte by byte: every delimiter is
/// ASCII and no byte of a multi-byte character is, so each place it stops
/// at is a char boundary.
struct Attributes<'t> {
    tag: &'t str,
    at: usize,
}

impl<'t> Attributes<'t> {
    fn peek(&self) -> Option<u8> {
        self.tag.as_bytes().get(self.at).copied()
    }

    fn skip_while(&mut self, f: impl Fn(u8) -> bool) {
        let rest = &self.tag.as_bytes()[self.at.min(self.tag.len())..];
        self.at += rest.iter().take_while(|&&b| f(b)).count();
    }

    /// Moves past the tag's `<name`.
    fn skip_name(&mut self) {
        self.skip_while(|b| !b.is_ascii_whitespace() && b != b'>' && b != b'/');
    }

    /// The next attribute that has a value: its name and the range of its
    /// value (without quotes) in the tag.
    fn next_value(&mut self) -> Option<(&'t str, Range<usize>)> {
        loop {
            self.skip_while(|b| b.is_ascii_whitespace() || b == b'/');
            if matches!(self.peek(), None | Some(b'>')) {
                return None;
            }
            let start = self.at;
            self.skip_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'));
            let name = &self.tag[start..self.at];
            self.skip_while(|b| b.is_ascii_whitespace());
            if self.peek() != Some(b'=') {
                continue;
            }
            self.at += 1;
            self.skip_while(|b| b.is_ascii_whitespace());
            return Some((name, self.value()));
        }
    }

    /// The value starting at `at`, quoted or not; moves past it.
    fn value(&mut self) -> Range<usize> {
        match self.peek() {
            Some(quote @ (b'"' | b'\'')) => {
                let start = self.at + 1;
                let end = self.tag.as_bytes()[start..]
                    .iter()
                    .position(|&b| b == quote)
                    .map_or(self.tag.len(), |len| start + len);
                self.at = (end + 1).min(self.tag.len());
                start..end
            }
            _ => {
                let start = self.at;
                self.skip_while(|b| !b.is_ascii_whitespace() && b != b'>');
                start..self.at
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixed(html: &str) -> String {
        prefix_ids(html, "gs-t-")
    }

    #[test]
    fn ids_references_and_in_page_fragments_are_prefixed() {
        assert_eq!(
            prefixed(
                "<h2 id=\"a\">A</h2><a href=\"#a\">x</a><label for=\"f\">F</label>\
                 <input id=\"f\" aria-describedby=\"f-help  other\">\
                 <section aria-labelledby='a'></section>"
            ),
            "<h2 id=\"gs-t-a\">A</h2><a href=\"#gs-t-a\">x</a><label for=\"gs-t-f\">F</label>\
             <input id=\"gs-t-f\" aria-describedby=\"gs-t-f-help gs-t-other\">\
             <section aria-labelledby='gs-t-a'></section>"
        );
    }

    #[test]
    fn other_links_values_and_text_are_left_alone() {
        let html = "<p>Text says id=\"x\" and href=\"#y\" for=\"z\"</p>\
            <span title=\"a id=&quot;q&quot; > href=#r\">t</span>\
            <a href=\"#\">placeholder</a><a href=\"/tiktok/#x\">other</a>\
            <a href=\"https://h.test/#x\" data-id=\"x\">abs</a><!-- id=\"c\" -->\
            <p>é <b id=é>ü</b></p>";
        assert_eq!(
            prefixed(html),
            html.replace("id=é", "id=gs-t-é"),
            "only the unquoted id of <b> is an id"
        );
    }

    #[test]
    fn truncated_html_does_not_panic() {
        for html in [
            "<a href=\"#x",
            "<a href=",
            "<a id='x",
            "<",
            "<!--",
            "<é id=x",
        ] {
            prefixed(html);
        }
        assert_eq!(prefixed("<a id=x"), "<a id=gs-t-x");
    }
}
