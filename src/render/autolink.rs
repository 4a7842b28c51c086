//! Bare URLs in running text, as GFM's "autolinks (extension)" finds them
//! (https://github.github.com/gfm/#autolinks-extension-): `www.…`,
//! `http://…` and `https://…`. E-mail addresses are left to the e-mail rules,
//! and `ftp://` to nobody (the sanitiser allows no such links).
//!
//! Where the spec and cmark-gfm (GitHub's renderer) differ, this follows the
//! spec: the scheme and `www.` are lowercase only; a URL starts only at the
//! start of the text, after ASCII whitespace or after one of `*_~(`; a domain
//! needs a period (`http://localhost` is no link); a trailing `'`, `"` or a
//! `;` that ends no entity stays in the link. Only ASCII whitespace and `<`
//! end a URL, so `见 https://a.com/，然后` links `https://a.com/，然后`
//! (GitHub does the same): the link check then reports it, and the author
//! adds the missing space.

use std::ops::Range;

/// A bare URL found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autolink {
    /// Where the URL is written, in bytes of the text searched.
    pub range: Range<usize>,
    /// Where it leads: the text as written, with `https://` put before `www.`.
    /// Not percent-encoded; the HTML writer does that.
    pub url: String,
}

/// The bare URLs in `text`, a whole run of text (its start counts as the
/// start of a line), in order and without overlaps. Linear in `text`.
pub fn find(text: &str) -> impl Iterator<Item = Autolink> + '_ {
    let mut finder = Finder {
        text,
        next: 0,
        run: None,
    };
    std::iter::from_fn(move || finder.next_link())
}

/// How a bare URL begins.
struct Start {
    written: &'static str,
    /// Whether `written` is part of the domain (`www.` is, a scheme is not).
    in_domain: bool,
    /// What the link puts before the text.
    href_prefix: &'static str,
}

const STARTS: [Start; 3] = [
    Start {
        written: "www.",
        in_domain: true,
        // GFM says `http://`; a help page today links `https://` (the
        // author did not ask for a plain-text connection, and `check`
        // reports a site that has no https).
        href_prefix: "https://",
    },
    Start {
        written: "http://",
        in_domain: false,
        href_prefix: "",
    },
    Start {
        written: "https://",
        in_domain: false,
        href_prefix: "",
    },
];

struct Finder<'a> {
    text: &'a str,
    /// Where to look for the next URL.
    next: usize,
    /// The last run of domain characters scanned.
    run: Option<DomainRun>,
}

impl Finder<'_> {
    fn next_link(&mut self) -> Option<Autolink> {
        let bytes = self.text.as_bytes();
        while self.next < bytes.len() {
            let start = self.next;
            self.next += 1;
            if !may_start_at(bytes, start) {
                continue;
            }
            let Some(how) = STARTS
                .iter()
                .find(|how| bytes[start..].starts_with(how.written.as_bytes()))
            else {
                continue;
            };
            let domain_start = if how.in_domain {
                start
            } else {
                start + how.written.len()
            };
            let end = match self.domain(domain_start) {
                Some(Domain::EndsLink(end)) => end,
                Some(Domain::PathFollows(end)) => link_end(bytes, start, end),
                None => continue,
            };
            self.next = end;
            return Some(Autolink {
                range: start..end,
                url: format!("{}{}", how.href_prefix, &self.text[start..end]),
            });
        }
        None
    }

    /// The valid domain starting at `start`, if there is one.
    fn domain(&mut self, start: usize) -> Option<Domain> {
        let mut run = match self.run.take() {
            Some(run) if run.covers(start) => run,
            _ => DomainRun::scan(self.text, start),
        };
        let domain = run.domain_from(self.text.as_bytes(), start);
        self.run = Some(run);
        domain
    }
}

/// Whether a URL may start at byte `at`: at the start, or after whitespace
/// or one of the delimiters `*`, `_`, `~`, `(` (all ASCII, so `at` is then a
/// character boundary).
fn may_start_at(bytes: &[u8], at: usize) -> bool {
    at == 0 || matches!(bytes[at - 1], b'*' | b'_' | b'~' | b'(') || is_whitespace(bytes[at - 1])
}

/// CommonMark's whitespace: space, tab, line feed, line tabulation, form
/// feed, carriage return (not NBSP or U+3000).
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What ends a URL: whitespace or `<`.
fn ends_url(byte: u8) -> bool {
    is_whitespace(byte) || byte == b'<'
}

/// Trailing punctuation, which the spec leaves out of a link.
fn is_trailing_punctuation(byte: u8) -> bool {
    matches!(byte, b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~')
}

/// A character of a domain: alphanumeric (any script, for international
/// domains), `-`, `_` or the separating `.`.
fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A valid domain, and what comes after it.
enum Domain {
    /// The path rules strip all that follows, and the domain's own trailing
    /// `.` and `_`: the link ends here.
    EndsLink(usize),
    /// The domain ends here and a path follows.
    PathFollows(usize),
}

/// A maximal run of domain characters. Domains that start inside it end
/// with it, so no byte is scanned twice: a line of `www.a_` repeated holds a
/// candidate every six bytes, all in one run.
struct DomainRun {
    start: usize,
    end: usize,
    /// `end` less trailing `.` and `_`, where a domain ends when the path
    /// rules strip everything after `end` (`www.a.com_` links `www.a.com`).
    core_end: usize,
    /// Domains ending at `end` and at `core_end`.
    whole: Segments,
    core: Segments,
    /// Whether the path rules strip everything after `end`; worked out when
    /// first needed.
    path_stripped: Option<bool>,
}

impl DomainRun {
    fn scan(text: &str, start: usize) -> DomainRun {
        let end = match text.get(start..) {
            Some(rest) => rest
                .char_indices()
                .find(|&(_, c)| !is_domain_char(c))
                .map_or(text.len(), |(offset, _)| start + offset),
            None => start,
        };
        let bytes = text.as_bytes();
        let core_end = last_end(bytes, start, end, |b| !matches!(b, b'.' | b'_'));
        // Trailing periods of a whole domain followed by a path (`a.com./x`)
        // end an empty segment, which does not count as one.
        let whole_end = last_end(bytes, start, end, |b| b != b'.');
        DomainRun {
            start,
            end,
            core_end,
            whole: Segments::before(bytes, start, whole_end),
            core: Segments::before(bytes, start, core_end),
            path_stripped: None,
        }
    }

    fn covers(&self, start: usize) -> bool {
        (self.start..self.end).contains(&start)
    }

    /// The domain starting at `start` (inside this run), if it is valid.
    fn domain_from(&mut self, bytes: &[u8], start: usize) -> Option<Domain> {
        let (whole, core) = (
            self.whole.valid_from(bytes, start),
            self.core.valid_from(bytes, start),
        );
        if !whole && !core {
            return None;
        }
        let end = self.end;
        if *self
            .path_stripped
            .get_or_insert_with(|| strips_away(&bytes[end..]))
        {
            core.then_some(Domain::EndsLink(self.core_end))
        } else {
            whole.then_some(Domain::PathFollows(end))
        }
    }
}

/// Where the last byte of `bytes[start..end]` that is `kept` ends (`start`
/// when there is none).
fn last_end(bytes: &[u8], start: usize, end: usize, kept: impl Fn(u8) -> bool) -> usize {
    bytes[start..end]
        .iter()
        .rposition(|&b| kept(b))
        .map_or(start, |i| start + i + 1)
}

/// What validity needs to know about a run of domain characters cut at
/// `end`: its last two periods and its last underscore.
struct Segments {
    end: usize,
    last_dot: Option<usize>,
    second_last_dot: Option<usize>,
    last_underscore: Option<usize>,
}

impl Segments {
    fn before(bytes: &[u8], run_start: usize, end: usize) -> Segments {
        let last = |b: u8, end: usize| {
            bytes[run_start..end]
                .iter()
                .rposition(|&c| c == b)
                .map(|i| run_start + i)
        };
        let last_dot = last(b'.', end);
        Segments {
            end,
            last_dot,
            second_last_dot: last_dot.and_then(|dot| last(b'.', dot)),
            last_underscore: last(b'_', end),
        }
    }

    /// Whether the domain from `start` to `self.end` is valid: a first
    /// segment, at least one period, no `_` in the last two segments.
    fn valid_from(&self, bytes: &[u8], start: usize) -> bool {
        let first_is_segment = start < self.end && bytes[start] != b'.';
        let has_period = self.last_dot.is_some_and(|dot| dot > start);
        let last_two_start = self
            .second_last_dot
            .filter(|&dot| dot > start)
            .unwrap_or(start);
        let last_two_clean = self.last_underscore.is_none_or(|u| u < last_two_start);
        first_is_segment && has_period && last_two_clean
    }
}

/// Whether the path rules strip all of `path` (what follows a run of domain
/// characters, up to whitespace or `<`): it is then only trailing
/// punctuation, `)` (unbalanced: a `(` would stop this scan) and entities.
/// Stops at the first byte they keep, before any later URL can start.
fn strips_away(path: &[u8]) -> bool {
    let mut at = 0;
    loop {
        match path.get(at) {
            None => return true,
            Some(&b) if ends_url(b) => return true,
            Some(&b) if is_trailing_punctuation(b) || b == b')' => at += 1,
            Some(b'&') => {
                let name = path[at + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                if name == 0 || path.get(at + 1 + name) != Some(&b';') {
                    return false;
                }
                at += name + 2;
            }
            Some(_) => return false,
        }
    }
}

/// Where the link that starts at `start`, with a valid domain ending at
/// `domain_end` and a path after it, ends: at the first whitespace or `<`,
/// less what the path rules strip from its end (never all of the path).
fn link_end(bytes: &[u8], start: usize, domain_end: usize) -> usize {
    let mut end = bytes[domain_end..]
        .iter()
        .position(|&b| ends_url(b))
        .map_or(bytes.len(), |i| domain_end + i);
    // Counted once: the rules below strip `)` but never `(`.
    let link = &bytes[start..end];
    let opening = link.iter().filter(|&&b| b == b'(').count();
    let mut closing = link.iter().filter(|&&b| b == b')').count();
    // The rules strip ASCII bytes only, so `end` stays a char boundary.
    while end > domain_end {
        match bytes[end - 1] {
            b if is_trailing_punctuation(b) => end -= 1,
            b')' if closing > opening => {
                closing -= 1;
                end -= 1;
            }
            b';' => match entity_start(&bytes[start..end - 1]) {
                Some(at) => end = start + at,
                None => break,
            },
            _ => break,
        }
    }
    end
}

/// Where `&name` starts when `before` (what precedes a `;`) ends in one, a
/// name being one or more ASCII alphanumerics.
fn entity_start(before: &[u8]) -> Option<usize> {
    let name = before
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let amp = before.len().checked_sub(name + 1)?;
    (name > 0 && before[amp] == b'&').then_some(amp)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// Each link found in `text`: (what is written, where it leads).
    fn links(text: &str) -> Vec<(String, String)> {
        find(text)
            .map(|link| (text[link.range].to_string(), link.url))
            .collect()
    }

    fn one(written: &str, url: &str) -> Vec<(String, String)> {
        vec![(written.to_string(), url.to_string())]
    }

    #[test]
    fn spec_www_links_get_http() {
        assert_eq!(
            links("www.commonmark.org"),
            one("www.commonmark.org", "https://www.commonmark.org")
        );
        assert_eq!(
            links("Visit www.commonmark.org/help for more information."),
            one("www.commonmark.org/help", "https://www.commonmark.org/help")
        );
    }

    #[test]
    fn spec_trailing_punctuation_is_not_part_of_the_link() {
        assert_eq!(
            links("Visit www.commonmark.org."),
            one("www.commonmark.org", "https://www.commonmark.org")
        );
        assert_eq!(
            links("Visit www.commonmark.org/a.b."),
            one("www.commonmark.org/a.b", "https://www.commonmark.org/a.b")
        );
        assert_eq!(
            links("Visit www.commonmark.org/~jm/foo/bar.pdf."),
            one(
                "www.commonmark.org/~jm/foo/bar.pdf",
                "https://www.commonmark.org/~jm/foo/bar.pdf"
            )
        );
        for text in [
            "www.a.com?",
            "www.a.com!",
            "www.a.com,",
            "www.a.com:",
            "www.a.com*",
            "www.a.com_",
            "www.a.com~",
            "www.a.com?!.,:*_~",
        ] {
            assert_eq!(links(text), one("www.a.com", "https://www.a.com"), "{text}");
        }
    }

    #[test]
    fn spec_unbalanced_closing_parentheses_are_left_out() {
        let url = "https://www.google.com/search?q=Markup+(business)";
        let written = "www.google.com/search?q=Markup+(business)";
        assert_eq!(
            links("www.google.com/search?q=Markup+(business)"),
            one(written, url)
        );
        assert_eq!(
            links("www.google.com/search?q=Markup+(business)))"),
            one(written, url)
        );
        assert_eq!(
            links("(www.google.com/search?q=Markup+(business))"),
            one(written, url)
        );
        assert_eq!(
            links("(www.google.com/search?q=Markup+(business)"),
            one(written, url)
        );
        // Only a link ending in `)` is checked.
        assert_eq!(
            links("www.google.com/search?q=(business))+ok"),
            one(
                "www.google.com/search?q=(business))+ok",
                "https://www.google.com/search?q=(business))+ok"
            )
        );
        assert_eq!(
            links("(Visit https://encrypted.google.com/search?q=Markup+(business))"),
            one(
                "https://encrypted.google.com/search?q=Markup+(business)",
                "https://encrypted.google.com/search?q=Markup+(business)"
            )
        );
    }

    #[test]
    fn spec_a_trailing_entity_is_left_out() {
        assert_eq!(
            links("www.google.com/search?q=commonmark&hl=en"),
            one(
                "www.google.com/search?q=commonmark&hl=en",
                "https://www.google.com/search?q=commonmark&hl=en"
            )
        );
        assert_eq!(
            links("www.google.com/search?q=commonmark&hl;"),
            one(
                "www.google.com/search?q=commonmark",
                "https://www.google.com/search?q=commonmark"
            )
        );
        // Not entity-like: the spec keeps the `;` (cmark-gfm drops it).
        assert_eq!(
            links("www.a.com/x;"),
            one("www.a.com/x;", "https://www.a.com/x;")
        );
        assert_eq!(
            links("www.a.com/x&#39;"),
            one("www.a.com/x&#39;", "https://www.a.com/x&#39;")
        );
    }

    #[test]
    fn spec_less_than_ends_a_link() {
        assert_eq!(
            links("www.commonmark.org/he<lp"),
            one("www.commonmark.org/he", "https://www.commonmark.org/he")
        );
    }

    #[test]
    fn spec_url_links_keep_their_scheme() {
        assert_eq!(
            links("http://commonmark.org"),
            one("http://commonmark.org", "http://commonmark.org")
        );
        assert_eq!(
            links("see https://a.co/x?y=1#z."),
            one("https://a.co/x?y=1#z", "https://a.co/x?y=1#z")
        );
    }

    #[test]
    fn the_rules_apply_until_none_does() {
        assert_eq!(
            links("(see www.a.com/x)."),
            one("www.a.com/x", "https://www.a.com/x")
        );
        assert_eq!(
            links("www.a.com/x&amp;."),
            one("www.a.com/x", "https://www.a.com/x")
        );
        assert_eq!(
            links("**www.a.com**"),
            one("www.a.com", "https://www.a.com")
        );
        assert_eq!(
            links("_https://a.com/b_c_"),
            one("https://a.com/b_c", "https://a.com/b_c")
        );
    }

    #[test]
    fn links_start_only_after_whitespace_or_a_delimiter() {
        for text in [
            "x www.a.com",
            "x\twww.a.com",
            "x\nwww.a.com",
            "*www.a.com",
            "_www.a.com",
            "~www.a.com",
            "(www.a.com",
        ] {
            assert_eq!(
                links(text),
                one("www.a.com", "https://www.a.com"),
                "{text:?}"
            );
        }
        for text in [
            "xwww.a.com",
            "see:https://a.com",
            "'https://a.com'",
            "\"https://a.com\"",
            "见https://a.com",
            "见\u{3000}https://a.com",
            "/www.a.com",
        ] {
            assert_eq!(links(text), [], "{text:?}");
        }
    }

    #[test]
    fn domains_need_a_period_and_no_underscore_in_the_last_two_segments() {
        for text in [
            "https://",
            "https:// a.com",
            "https://.",
            "https://.a.com",
            "http://localhost:3000",
            "www.",
            "www..",
            "www.a_b.c",
            "www.a.b_c",
            "https://a_b.c",
        ] {
            assert_eq!(links(text), [], "{text:?}");
        }
        assert_eq!(
            links("www.a_b.c.d"),
            one("www.a_b.c.d", "https://www.a_b.c.d")
        );
        assert_eq!(
            links("https://my_host.example.com/x"),
            one(
                "https://my_host.example.com/x",
                "https://my_host.example.com/x"
            )
        );
        assert_eq!(links("www.x"), one("www.x", "https://www.x"));
        assert_eq!(
            links("https://a-b.c-d/"),
            one("https://a-b.c-d/", "https://a-b.c-d/")
        );
        assert_eq!(
            links("www.a.com... next"),
            one("www.a.com", "https://www.a.com")
        );
    }

    #[test]
    fn the_scheme_and_www_are_lowercase_as_the_spec_writes_them() {
        for text in [
            "HTTPS://EXAMPLE.COM",
            "Https://example.com",
            "HTTP://example.com",
            "WWW.EXAMPLE.COM",
        ] {
            assert_eq!(links(text), [], "{text}");
        }
    }

    #[test]
    fn email_and_ftp_are_left_alone() {
        assert_eq!(links("foo@bar.baz and hello+xyz@mail.example"), []);
        assert_eq!(
            links("Anonymous FTP is available at ftp://foo.bar.baz."),
            []
        );
    }

    #[test]
    fn non_latin_text_and_paths() {
        // Only whitespace and `<` end a URL: the fullwidth comma and what
        // follows it belong to the link, as on GitHub.
        assert_eq!(
            links("见 https://ads.tiktok.com/，然后"),
            one(
                "https://ads.tiktok.com/，然后",
                "https://ads.tiktok.com/，然后"
            )
        );
        assert_eq!(
            links("访问 https://例子.测试/路径?q=值 获取"),
            one("https://例子.测试/路径?q=值", "https://例子.测试/路径?q=值")
        );
        assert_eq!(
            links("Siehe https://bücher.de/straße."),
            one("https://bücher.de/straße", "https://bücher.de/straße")
        );
        assert_eq!(
            links("Открой www.пример.рф/путь)"),
            one("www.пример.рф/путь", "https://www.пример.рф/путь")
        );
        assert_eq!(
            links("👉 https://a.com/😀!"),
            one("https://a.com/😀", "https://a.com/😀")
        );
        // An emoji is not alphanumeric: no domain.
        assert_eq!(links("https://😀.com"), []);
    }

    #[test]
    fn several_links_with_their_byte_ranges() {
        let text = "Café: www.a.com, then https://b.org/x (and www.c.io).";
        let found: Vec<Autolink> = find(text).collect();
        let ranges: Vec<Range<usize>> = found.iter().map(|link| link.range.clone()).collect();
        assert_eq!(ranges, [7..16, 23..38, 44..52]);
        let urls: Vec<&str> = found.iter().map(|link| link.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://www.a.com", "https://b.org/x", "https://www.c.io"]
        );
    }

    proptest::proptest! {
        /// Any text made of URL pieces, punctuation and multi-byte letters:
        /// no panic, and the links are in order, apart, on char boundaries,
        /// and lead to what they cover.
        #[test]
        fn links_are_well_formed_in_any_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "www.", "http://", "https://", "a", "_", ".", "-", "(", ")", "&", ";",
                    "*", "~", "?", "<", " ", "\n", "é", "见", "，", "😀", "\u{301}", "\0",
                ][..]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            let mut after = 0;
            for link in find(&text) {
                proptest::prop_assert!(after <= link.range.start && link.range.start < link.range.end);
                let written = text.get(link.range.clone());
                proptest::prop_assert!(written.is_some_and(|w| link.url.ends_with(w)));
                after = link.range.end;
            }
        }
    }

    /// Runs `find` on `text`, checks what it found, and bounds the time (a
    /// quadratic scan of 1 MB takes minutes even in release).
    fn linear(text: &str, expected: Option<Range<usize>>) -> Duration {
        let started = Instant::now();
        let found: Vec<Range<usize>> = find(text).map(|link| link.range).collect();
        let took = started.elapsed();
        assert_eq!(found, Vec::from_iter(expected));
        assert!(
            took < Duration::from_secs(3),
            "{took:?} for {} bytes",
            text.len()
        );
        took
    }

    #[test]
    fn a_megabyte_line_is_scanned_in_linear_time() {
        const MB: usize = 1 << 20;
        // One link: the whole line, less its final period.
        let took = linear(&"www.".repeat(MB / 4), Some(0..MB - 1));
        println!("1 MB of www.: {took:?}");
        // A candidate after every `_`, all in one run of domain characters
        // whose last two segments hold a `_`.
        // Only the last one, at the end of the line, links `www.a`.
        let text = "www.a_".repeat(MB / 6);
        let took = linear(&text, Some(text.len() - 6..text.len() - 1));
        println!("1 MB of www.a_: {took:?}");
        // A candidate after every `(`; the first link takes the whole line.
        let text = "(www.a.com".repeat(MB / 10);
        let took = linear(&text, Some(1..text.len()));
        println!("1 MB of (www.a.com: {took:?}");
        // A million unbalanced `)` stripped one by one.
        let text = format!("www.a.com{}", ")".repeat(MB));
        let took = linear(&text, Some(0..9));
        println!("www.a.com and 1 MB of ): {took:?}");
        // Every `_` a candidate, every candidate a short failure.
        let took = linear(&"_https://".repeat(MB / 9), None);
        println!("1 MB of _https://: {took:?}");
    }
}
