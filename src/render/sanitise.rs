//! The one sanitiser policy: what of the author's raw HTML reaches the page.
//!
//! The constants below both configure ammonia ([`sanitizer`]) and judge the
//! author's tags ([`dropped`]), so what is reported as dropped is what
//! ammonia drops. The policy keeps everything the renderer itself writes
//! (heading and step ids, footnotes, callouts, scrollable tables, task
//! boxes), so a guide with raw HTML loses none of it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use ammonia::url::{ParseError, Url};

use super::raw_html::{Attr, HtmlToken};

/// Elements kept: ammonia's defaults, plus `tfoot` (whose attributes
/// ammonia allows but whose tag it forgot).
#[rustfmt::skip]
const TAGS: &[&str] = &[
    "a", "abbr", "acronym", "area", "article", "aside", "b", "bdi", "bdo", "blockquote", "br",
    "caption", "center", "cite", "code", "col", "colgroup", "data", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "i", "img", "ins", "kbd", "li", "map", "mark", "nav", "ol", "p",
    "pre", "q", "rp", "rt", "rtc", "ruby", "s", "samp", "small", "span", "strike", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul",
    "var", "wbr",
];

/// Elements removed with everything inside them: scripts and styles, and
/// those whose content would otherwise show as escaped markup (`iframe`,
/// `noscript` …) or is dropped by the parser anyway (`template`, `svg`, `math`).
pub const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "noscript", "noembed", "noframes", "template", "svg", "math",
];

/// Elements that have no content, so dropping one loses only the element.
pub const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

/// Attributes kept on every element.
const GENERIC_ATTRIBUTES: &[&str] = &["lang", "title"];

/// Attributes kept on one element, whatever their value (but see
/// [`VALUE_PREFIXES`]): ammonia's defaults, plus what the renderer writes.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang", "id", "aria-label"]),
    ("aside", &["aria-label"]),
    ("bdo", &["dir"]),
    ("blockquote", &["cite"]),
    ("code", &["class"]),
    ("col", &["align", "char", "charoff", "span"]),
    ("colgroup", &["align", "char", "charoff", "span"]),
    ("del", &["cite", "datetime"]),
    // Open when the author wrote it open.
    ("details", &["open"]),
    ("div", &["id", "aria-label"]),
    ("h1", &["id"]),
    ("h2", &["id"]),
    ("h3", &["id"]),
    ("h4", &["id"]),
    ("h5", &["id"]),
    ("h6", &["id"]),
    ("hr", &["align", "size", "width"]),
    (
        "img",
        &[
            "align", "alt", "decoding", "height", "loading", "sizes", "src", "srcset", "width",
        ],
    ),
    ("ins", &["cite", "datetime"]),
    ("li", &["id"]),
    ("ol", &["start"]),
    ("q", &["cite"]),
    ("span", &["aria-label", "aria-hidden"]),
    ("sup", &["id"]),
    ("table", &["align", "char", "charoff", "summary"]),
    ("tbody", &["align", "char", "charoff"]),
    (
        "td",
        &["align", "char", "charoff", "colspan", "headers", "rowspan"],
    ),
    ("tfoot", &["align", "char", "charoff"]),
    (
        "th",
        &[
            "align", "char", "charoff", "colspan", "headers", "rowspan", "scope",
        ],
    ),
    ("thead", &["align", "char", "charoff"]),
    ("tr", &["align", "char", "charoff"]),
];

/// Attributes kept on one element only with one of these values (any case).
const TAG_ATTRIBUTE_VALUES: &[(&str, &str, &[&str])] = &[
    ("aside", "role", &["note"]),
    ("div", "role", &["region"]),
    ("span", "role", &["img"]),
    // A table that scrolls must take the keyboard focus.
    ("div", "tabindex", &["0"]),
];

/// Attributes of [`TAG_ATTRIBUTES`] whose value must start with one of
/// these prefixes; for `class`, each class on its own.
const VALUE_PREFIXES: &[(&str, &str, &[&str])] = &[
    ("code", "class", &["language-"]),
    ("a", "id", FOOTNOTE_IDS),
    ("div", "id", FOOTNOTE_IDS),
    ("sup", "id", FOOTNOTE_IDS),
];

const FOOTNOTE_IDS: &[&str] = &["fn-", "fnref-"];

/// The classes kept on each element; others are removed one by one, by the
/// attribute filter rather than ammonia's `allowed_classes`, which leaves a
/// `class=""` behind, cannot say `language-*`, and may not be combined with
/// `class` in `tag_attributes` for one tag (it panics).
const ALLOWED_CLASSES: &[(&str, &[&str])] = &[
    ("a", &["guidesite-fnback", "guidesite-zoom"]),
    (
        "aside",
        &[
            "guidesite-callout",
            "guidesite-callout-note",
            "guidesite-callout-tip",
            "guidesite-callout-important",
            "guidesite-callout-warning",
            "guidesite-callout-caution",
            "guidesite-callout-info",
            "guidesite-callout-danger",
        ],
    ),
    ("div", &["guidesite-table", "guidesite-footnote"]),
    ("li", &["guidesite-task"]),
    ("p", &["guidesite-callout-title"]),
    ("span", &["guidesite-task-box"]),
    ("sup", &["guidesite-fnref"]),
    ("td", ALIGNMENTS),
    ("th", ALIGNMENTS),
];

const ALIGNMENTS: &[&str] = &[
    "guidesite-align-left",
    "guidesite-align-center",
    "guidesite-align-right",
];

/// Link schemes kept; relative URLs are kept too.
pub const URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// The attributes whose URL ammonia checks, among those allowed above
/// (ammonia's `is_url_attr`; its others are on elements not allowed).
const URL_ATTRIBUTES: &[&str] = &["href", "src"];

/// The sanitiser for every guide, configured from the constants above.
pub fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(tag_attributes())
        .tag_attribute_values(tag_attribute_values())
        .attribute_filter(filtered)
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        // Links cannot open new windows (no `target`), so no `rel` is needed.
        .link_rel(None);
    builder
}

/// [`TAG_ATTRIBUTES`], and `class` where [`ALLOWED_CLASSES`] lists some.
fn tag_attributes() -> HashMap<&'static str, HashSet<&'static str>> {
    let mut map: HashMap<_, HashSet<_>> = TAG_ATTRIBUTES
        .iter()
        .map(|&(tag, names)| (tag, names.iter().copied().collect()))
        .collect();
    for (tag, _) in ALLOWED_CLASSES {
        map.entry(tag).or_default().insert("class");
    }
    map
}

/// [`TAG_ATTRIBUTE_VALUES`] as ammonia takes them.
fn tag_attribute_values() -> HashMap<&'static str, HashMap<&'static str, HashSet<&'static str>>> {
    let mut map: HashMap<_, HashMap<_, _>> = HashMap::new();
    for &(tag, attr, values) in TAG_ATTRIBUTE_VALUES {
        map.entry(tag)
            .or_default()
            .insert(attr, values.iter().copied().collect());
    }
    map
}

/// `value` as the attribute filter leaves it: only the classes of
/// [`ALLOWED_CLASSES`], only values with a prefix of [`VALUE_PREFIXES`];
/// `None` when nothing is left, which drops the attribute.
fn filtered<'v>(tag: &str, attr: &str, value: &'v str) -> Option<Cow<'v, str>> {
    let classes = ALLOWED_CLASSES
        .iter()
        .find(|(t, _)| *t == tag && attr == "class")
        .map(|(_, classes)| *classes);
    let prefixes = VALUE_PREFIXES
        .iter()
        .find(|(t, a, _)| *t == tag && *a == attr)
        .map(|(_, _, prefixes)| *prefixes);
    let allowed = |v: &str| match (classes, prefixes) {
        (Some(classes), _) => classes.contains(&v),
        (None, Some(prefixes)) => prefixes.iter().any(|p| v.starts_with(p)),
        (None, None) => true,
    };
    if attr == "srcset" {
        // Ammonia checks `href` and `src` only: each candidate's URL here.
        let safe = value.split(',').all(|candidate| {
            let url = candidate.split_ascii_whitespace().next().unwrap_or("");
            unsafe_url(url).is_none()
        });
        return safe.then_some(Cow::Borrowed(value));
    }
    if attr != "class" {
        return allowed(value).then_some(Cow::Borrowed(value));
    }
    let kept: Vec<&str> = value
        .split_ascii_whitespace()
        .filter(|c| allowed(c))
        .collect();
    (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
}

/// Something of the author's HTML that the sanitiser removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// In plain words: "the `onclick` attribute of <div>".
    pub what: String,
    /// Where it is written, in the token's coordinates.
    pub span: Range<usize>,
}

/// What the sanitiser removes from this tag: the element itself, or some
/// of its attributes or classes. End tags and text lose nothing of their own.
pub fn dropped(token: &HtmlToken) -> Vec<Dropped> {
    let HtmlToken::Start {
        name, attrs, span, ..
    } = token
    else {
        return Vec::new();
    };
    if !TAGS.contains(&name.as_str()) {
        let what = if REMOVED_WITH_CONTENT.contains(&name.as_str()) {
            format!("the <{name}> element with its content")
        } else if VOID_ELEMENTS.contains(&name.as_str()) {
            format!("the <{name}> element")
        } else {
            format!("the <{name}> tag (its content is kept)")
        };
        return vec![Dropped {
            what,
            span: span.clone(),
        }];
    }
    attrs
        .iter()
        .flat_map(|attr| dropped_from_attribute(name, attr))
        .collect()
}

/// What of `attr` on a kept `tag` the sanitiser removes, in ammonia's order:
/// the allow-lists, then the URL, the value prefixes, the classes.
fn dropped_from_attribute(tag: &str, attr: &Attr) -> Vec<Dropped> {
    let dropped = |what: String| Dropped {
        what,
        span: attr.span.clone(),
    };
    let name = attr.name.as_str();
    let listed = |table: &[(&str, &[&str])]| {
        table
            .iter()
            .any(|(t, names)| *t == tag && names.contains(&name))
    };
    let allowed_value = TAG_ATTRIBUTE_VALUES.iter().any(|(t, a, values)| {
        *t == tag && *a == name && values.iter().any(|v| v.eq_ignore_ascii_case(&attr.value))
    });
    let whole = || format!("the `{name}` attribute of <{tag}>");
    let whitelisted = GENERIC_ATTRIBUTES.contains(&name)
        || listed(TAG_ATTRIBUTES)
        || (name == "class" && ALLOWED_CLASSES.iter().any(|(t, _)| *t == tag))
        || allowed_value;
    if !whitelisted {
        return vec![dropped(whole())];
    }
    if URL_ATTRIBUTES.contains(&name)
        && let Some(why) = unsafe_url(&attr.value)
    {
        return vec![dropped(format!("the `{name}` of <{tag}> ({why})"))];
    }
    if name == "class" {
        return attr
            .value
            .split_ascii_whitespace()
            .filter(|class| filtered(tag, name, class).is_none())
            .map(|class| dropped(format!("the class `{class}` of <{tag}>")))
            .collect();
    }
    match filtered(tag, name, &attr.value) {
        Some(_) => Vec::new(),
        None => vec![dropped(whole())],
    }
}

/// Why ammonia drops this URL, if it does: a scheme not allowed, or not a
/// URL at all (parsed by the same `url` crate ammonia uses).
fn unsafe_url(value: &str) -> Option<String> {
    match Url::parse(value) {
        Ok(url) if URL_SCHEMES.contains(&url.scheme()) => None,
        Ok(url) => Some(format!("`{}:` links are not allowed", url.scheme())),
        Err(ParseError::RelativeUrlWithoutBase) => None,
        Err(_) => Some("not a valid URL".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::super::raw_html::HtmlScanner;
    use super::*;

    fn clean(html: &str) -> String {
        sanitizer().clean(html).to_string()
    }

    fn tokens(html: &str) -> Vec<HtmlToken> {
        HtmlScanner::default().scan(html, 0)
    }

    /// What `dropped` says of each tag of `html`, with what it points at.
    fn dropped_in(html: &str) -> Vec<(String, &str)> {
        tokens(html)
            .iter()
            .flat_map(dropped)
            .map(|d| (d.what, &html[d.span]))
            .collect()
    }

    #[test]
    fn dropped_names_what_ammonia_removes() {
        // The HTML, what `dropped` says and where, what ammonia leaves.
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (
                "<script>alert('<b>')</script>ok",
                &[("the <script> element with its content", "<script>")],
                "ok",
            ),
            (
                "<STYLE>p { color: red }</STYLE>ok",
                &[("the <style> element with its content", "<STYLE>")],
                "ok",
            ),
            (
                "<iframe src=\"https://www.youtube.com/embed/x\">Watch <a href=y>here</a></iframe>ok",
                &[(
                    "the <iframe> element with its content",
                    "<iframe src=\"https://www.youtube.com/embed/x\">",
                )],
                "ok",
            ),
            (
                "<object data=\"x.swf\"><p>Fallback</p></object>",
                &[(
                    "the <object> tag (its content is kept)",
                    "<object data=\"x.swf\">",
                )],
                "<p>Fallback</p>",
            ),
            (
                "<form action=\"/go\">Ad account: <input name=\"id\"></form>",
                &[
                    (
                        "the <form> tag (its content is kept)",
                        "<form action=\"/go\">",
                    ),
                    ("the <input> element", "<input name=\"id\">"),
                ],
                "Ad account: ",
            ),
            (
                "<HideInUI>Only for **admins**</HideInUI>",
                &[("the <hideinui> tag (its content is kept)", "<HideInUI>")],
                "Only for **admins**",
            ),
            (
                "<div onclick=\"steal()\" style=\"color: red\" id=\"main\" class=\"warning guidesite-table\">t</div>",
                &[
                    ("the `onclick` attribute of <div>", "onclick=\"steal()\""),
                    ("the `style` attribute of <div>", "style=\"color: red\""),
                    ("the `id` attribute of <div>", "id=\"main\""),
                    (
                        "the class `warning` of <div>",
                        "class=\"warning guidesite-table\"",
                    ),
                ],
                "<div class=\"guidesite-table\">t</div>",
            ),
            (
                "<a href=\"javascript:alert(1)\">x</a><a href=\"java&#x09;script:alert(2)\">y</a>",
                &[
                    (
                        "the `href` of <a> (`javascript:` links are not allowed)",
                        "href=\"javascript:alert(1)\"",
                    ),
                    (
                        "the `href` of <a> (`javascript:` links are not allowed)",
                        "href=\"java&#x09;script:alert(2)\"",
                    ),
                ],
                "<a>x</a><a>y</a>",
            ),
            (
                "<img src=\"http://exa mple.com/a.png\" alt=\"Settings\">",
                &[(
                    "the `src` of <img> (not a valid URL)",
                    "src=\"http://exa mple.com/a.png\"",
                )],
                "<img alt=\"Settings\">",
            ),
            (
                "<aside role=\"alert\"><div tabindex=\"-1\"><p class=\"guidesite-callout\">\
                 <code class=\"language-rust hl\">x</code></p></div></aside>",
                &[
                    ("the `role` attribute of <aside>", "role=\"alert\""),
                    ("the `tabindex` attribute of <div>", "tabindex=\"-1\""),
                    (
                        "the class `guidesite-callout` of <p>",
                        "class=\"guidesite-callout\"",
                    ),
                    ("the class `hl` of <code>", "class=\"language-rust hl\""),
                ],
                "<aside><div><p><code class=\"language-rust\">x</code></p></div></aside>",
            ),
            (
                "<h2 class=\"big\" data-id=\"7\">T</h2><span aria-hidden=\"true\" data-x=\"1\">*</span>",
                &[
                    ("the `class` attribute of <h2>", "class=\"big\""),
                    ("the `data-id` attribute of <h2>", "data-id=\"7\""),
                    ("the `data-x` attribute of <span>", "data-x=\"1\""),
                ],
                "<h2>T</h2><span aria-hidden=\"true\">*</span>",
            ),
        ];
        for (html, expected, cleaned) in cases {
            let found = dropped_in(html);
            let expected: Vec<(String, &str)> = expected
                .iter()
                .map(|(w, at)| ((*w).to_owned(), *at))
                .collect();
            assert_eq!(found, expected, "{html}");
            assert_eq!(clean(html), *cleaned, "{html}");
        }
    }

    /// Everything the renderer writes, as html5ever writes it back.
    const RENDERED: &str = "<h2 id=\"a--b\">A &amp; B</h2>\n\
        <ol start=\"3\"><li id=\"a--b-step-1\">Open <a href=\"https://business.facebook.com/\" title=\"Meta\">it</a></li>\
        <li id=\"a--b-step-2\">Write to <a href=\"mailto:ads@example.com\">us</a>, see <a href=\"../google-ads/#roles\">roles</a></li></ol>\n\
        <pre><code class=\"language-rust\">fn main() {}\n</code></pre>\n\
        <aside class=\"guidesite-callout guidesite-callout-note\" role=\"note\" aria-label=\"Note\">\n\
        <p class=\"guidesite-callout-title\">Note</p>\n<p>You need <strong>admin</strong> rights.</p>\n</aside>\n\
        <aside class=\"guidesite-callout guidesite-callout-tip\" role=\"note\" aria-label=\"Tip\"></aside>\
        <aside class=\"guidesite-callout guidesite-callout-important\" role=\"note\" aria-label=\"Important\"></aside>\
        <aside class=\"guidesite-callout guidesite-callout-warning\" role=\"note\" aria-label=\"Warning\"></aside>\
        <aside class=\"guidesite-callout guidesite-callout-caution\" role=\"note\" aria-label=\"Caution\"></aside>\
        <aside class=\"guidesite-callout guidesite-callout-info\" role=\"note\" aria-label=\"Info\"></aside>\
        <aside class=\"guidesite-callout guidesite-callout-danger\" role=\"note\" aria-label=\"Danger\"></aside>\n\
        <div class=\"guidesite-table\" role=\"region\" aria-label=\"Table\" tabindex=\"0\">\n<table>\
        <thead><tr><th class=\"guidesite-align-left\">Role</th><th class=\"guidesite-align-center\">Ads</th>\
        <th class=\"guidesite-align-right\">Billing</th><th>Notes</th></tr></thead>\
        <tbody><tr><td class=\"guidesite-align-left\">Admin</td><td class=\"guidesite-align-center\">yes</td>\
        <td class=\"guidesite-align-right\">no</td><td>x</td></tr></tbody></table>\n</div>\n\
        <ul><li class=\"guidesite-task\"><span class=\"guidesite-task-box\" role=\"img\" aria-label=\"done\">☑</span> Done</li>\
        <li id=\"s-step-1\" class=\"guidesite-task\"><span class=\"guidesite-task-box\" role=\"img\" aria-label=\"not done\" aria-hidden=\"true\">☐</span> Not yet</li></ul>\n\
        <p>Text<sup class=\"guidesite-fnref\"><a href=\"#fn-1\" id=\"fnref-1\">1</a></sup></p>\n\
        <div class=\"guidesite-footnote\" id=\"fn-1\">\n<sup>1</sup>\n<p>Why <a href=\"#fnref-1\" class=\"guidesite-fnback\" aria-label=\"Back to the text\">↩</a></p>\n</div>\n\
        <details open=\"\"><summary>Why do we need this?</summary><p>To manage <em>your</em> campaigns.</p></details>\n\
        <p><img src=\"img/meta-settings.png\" alt=\"Business settings\" title=\"Settings\" width=\"640\" height=\"480\"><br>\
        <img src=\"img/invite.png\" alt=\"Invite\" width=\"300\" height=\"200\" loading=\"lazy\" decoding=\"async\"><br>\
        <del>old</del> <kbd>Ctrl</kbd></p>";

    #[test]
    fn everything_the_renderer_writes_survives_unchanged() {
        assert_eq!(clean(RENDERED), RENDERED);
        assert_eq!(dropped_in(RENDERED), vec![]);
    }

    /// Tags, attributes and values from the policy's edges.
    const TAG_NAMES: &[&str] = &[
        "a", "div", "span", "aside", "code", "p", "sup", "h2", "details", "summary", "em",
        "script", "iframe", "object", "hideinui", "form", "svg",
    ];
    const ATTR_NAMES: &[&str] = &[
        "href",
        "src",
        "id",
        "class",
        "role",
        "tabindex",
        "onclick",
        "style",
        "aria-label",
        "aria-hidden",
        "title",
        "lang",
        "open",
        "data-x",
        "target",
    ];
    const VALUES: &[&str] = &[
        "https://x.example/",
        "javascript:alert(1)",
        "JavaScript:x",
        "/tiktok/#a",
        "mailto:a@b.example",
        "http://exa mple.com",
        "data:text/html,x",
        "fn-1",
        "fnref-2",
        "main",
        "note",
        "region",
        "img",
        "0",
        "-1",
        "guidesite-table",
        "language-rust hl",
        "guidesite-footnote x",
        "guidesite-callout guidesite-callout-note",
        "guidesite-fnref",
        "true",
        "",
    ];

    fn start_tag(html: &str, name: &str) -> Option<Vec<Attr>> {
        tokens(html).into_iter().find_map(|t| match t {
            HtmlToken::Start { name: n, attrs, .. } if n == name => Some(attrs),
            _ => None,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// `dropped` and ammonia agree on every tag: what is not reported
        /// comes out as written, what is reported does not come out.
        #[test]
        fn dropped_agrees_with_ammonia(
            tag in select(TAG_NAMES),
            attrs in vec((select(ATTR_NAMES), select(VALUES)), 0..5),
        ) {
            let attrs: String = attrs.iter().map(|(a, v)| format!(" {a}=\"{v}\"")).collect();
            let html = format!("x<{tag}{attrs}>y</{tag}>");
            let token = tokens(&html).into_iter().nth(1).expect("the tag");
            let reported = dropped(&token);
            let HtmlToken::Start { attrs, span, .. } = token else { unreachable!() };
            let out = start_tag(&clean(&html), tag);
            if reported.iter().any(|d| d.span == span) {
                prop_assert!(out.is_none(), "{html} → {:?}", clean(&html));
                return Ok(());
            }
            let out = out.expect("the tag is kept");
            for attr in &attrs {
                let about: Vec<&Dropped> = reported.iter().filter(|d| d.span == attr.span).collect();
                let kept = out.iter().find(|a| a.name == attr.name);
                if attr.name == "class" && about.iter().all(|d| d.what.starts_with("the class")) {
                    let lost: Vec<&str> = about.iter().filter_map(|d| d.what.split('`').nth(1)).collect();
                    let expected: Vec<&str> = attr.value.split_ascii_whitespace().filter(|c| !lost.contains(c)).collect();
                    let got: Vec<&str> = kept.map(|a| a.value.split_ascii_whitespace().collect()).unwrap_or_default();
                    prop_assert_eq!(got, expected, "{}", html);
                } else if about.is_empty() {
                    prop_assert_eq!(kept.map(|a| a.value.as_str()), Some(attr.value.as_str()), "{}", html);
                } else {
                    prop_assert!(kept.is_none(), "{html}");
                }
            }
        }
    }
}
