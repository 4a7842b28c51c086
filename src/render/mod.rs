//! Markdown → safe HTML plus facts. Pure: no I/O, no diagnostics.

mod autolink;
mod callout;
pub mod facts;
pub mod markdown;
mod raw_html;
mod sanitise;
mod slug;

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::content::Guide;
use crate::images::{ImageFacts, Images};
pub use callout::kinds as callout_kinds;
use facts::Facts;
pub use markdown::{MarkdownRenderer, Source};

/// A guide's body as sanitised HTML, split where the onboard form goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    pub before_form: String,
    pub after_form: String,
}

/// The result of rendering one guide.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Body,
    pub facts: Facts,
}

/// What relative links in a guide can point at, and how to write their URLs.
pub struct SiteLinks<'a> {
    /// Ends with `/`.
    pub base_url: &'a str,
    /// File stem (`meta` for `content/meta.md`) → source id.
    pub guides: HashMap<&'a str, &'a str>,
    /// Every source id, which root-relative links (`/meta/`) name.
    pub sources: HashSet<&'a str>,
    /// Asset paths relative to `content/`.
    pub assets: &'a BTreeSet<String>,
    /// The raster images among them, measured.
    pub images: &'a Images,
}

/// Where a relative destination points within the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// Not a site-relative link: external, `mailto:`, protocol-relative, or in-page.
    Elsewhere,
    /// A file the build writes besides the guides (`/`, `/manifest.json`,
    /// `/embed/meta.html`), by its path in `dist/` (decoded).
    Output(String),
    /// A guide, by source id, with an optional fragment.
    Guide {
        source: &'a str,
        fragment: Option<String>,
    },
    /// An asset under `content/`, by its path there (decoded).
    Asset(String),
    /// A relative path that names nothing in the site.
    Missing,
    /// A relative path whose percent-encoding is malformed (`%zz`, a lone
    /// `%`) or does not decode to UTF-8: no browser finds a file by it.
    Undecodable,
}

/// What is percent-encoded when a path under `content/` becomes a URL:
/// everything but unreserved characters and the `/` between segments, so
/// `%`, `#`, `?`, spaces and non-ASCII never change what the URL names.
const URL_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

impl<'a> SiteLinks<'a> {
    pub fn new(
        base_url: &'a str,
        guides: impl IntoIterator<Item = &'a Guide>,
        assets: &'a BTreeSet<String>,
        images: &'a Images,
    ) -> Self {
        let guides: HashMap<&str, &str> = guides
            .into_iter()
            .map(|g| (g.stem.as_str(), g.source()))
            .collect();
        SiteLinks {
            base_url,
            sources: guides.values().copied().collect(),
            guides,
            assets,
            images,
        }
    }

    /// Why the image file a destination names is not one, if it is not.
    pub fn unreadable_image(&self, dest: &str) -> Option<&'a str> {
        let path = self.asset(dest)?;
        self.images.unreadable.get(&path).map(String::as_str)
    }

    /// Why the SVG a destination names is not published, if it is not.
    pub fn refused_image(&self, dest: &str) -> Option<&'a str> {
        let path = self.asset(dest)?;
        self.images.refused.get(&path).map(String::as_str)
    }

    /// The measured image a destination names, if it names one.
    pub fn image(&self, dest: &str) -> Option<(String, &'a ImageFacts)> {
        let path = self.asset(dest)?;
        let facts = self.images.measured.get(&path)?;
        Some((path, facts))
    }

    /// The asset a destination names, by its path under `content/`.
    fn asset(&self, dest: &str) -> Option<String> {
        match self.target(dest) {
            Target::Asset(path) => Some(path),
            _ => None,
        }
    }

    /// The URL of the file published at `path` (decoded, as under `content/`).
    pub fn output_url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, utf8_percent_encode(path, URL_PATH))
    }

    /// The `srcset` of the measured image at `path`: its variants, then
    /// itself; `None` when it has no variants.
    pub fn srcset(&self, path: &str, facts: &ImageFacts) -> Option<String> {
        if facts.variants.is_empty() {
            return None;
        }
        let mut srcset = String::new();
        for variant in &facts.variants {
            let url = self.output_url(&variant.path);
            srcset.push_str(&format!("{url} {}w, ", variant.width));
        }
        srcset.push_str(&format!("{} {}w", self.output_url(path), facts.width));
        Some(srcset)
    }

    /// Classifies a destination as written in a guide.
    pub fn target(&self, dest: &str) -> Target<'a> {
        let Some(relative) = site_relative(dest) else {
            return Target::Elsewhere;
        };
        let fragment = relative.fragment;
        let Some(path) = percent_decode(relative.path) else {
            return Target::Undecodable;
        };
        if relative.rooted {
            return self.rooted_target(path, fragment);
        }
        if let Some(stem) = path.strip_suffix(".md") {
            return match self.guides.get(stem) {
                Some(source) => Target::Guide {
                    source,
                    fragment: fragment.map(str::to_string),
                },
                None => Target::Missing,
            };
        }
        if self.assets.contains(path.as_ref()) {
            Target::Asset(path.into_owned())
        } else {
            Target::Missing
        }
    }

    /// What a root-relative path names: the site as built (`/meta/`,
    /// `/meta/index.html`, `/embed/meta.html`, `/manifest.json`), or an asset
    /// published at the same path as under `content/`.
    fn rooted_target(&self, path: Cow<'_, str>, fragment: Option<&str>) -> Target<'a> {
        let guide_page = path
            .strip_suffix("/index.html")
            .or_else(|| path.strip_suffix('/'))
            .unwrap_or(&path);
        if let Some(&source) = self.sources.get(guide_page) {
            return Target::Guide {
                source,
                fragment: fragment.map(str::to_string),
            };
        }
        if self.assets.contains(path.as_ref()) {
            return Target::Asset(path.into_owned());
        }
        let embed = path
            .strip_prefix("embed/")
            .and_then(|file| file.strip_suffix(".html"))
            .is_some_and(|source| self.sources.contains(source));
        let site_file = SITE_FILES.contains(&path.as_ref()) || path.starts_with("static/");
        if embed || site_file {
            Target::Output(path.into_owned())
        } else {
            Target::Missing
        }
    }

    /// The URL to write for a site-relative destination, or `None` to keep it.
    pub fn resolve(&self, dest: &str) -> Option<String> {
        match self.target(dest) {
            Target::Guide { source, fragment } => Some(match fragment {
                Some(f) => format!("{}{source}/#{f}", self.base_url),
                None => format!("{}{source}/", self.base_url),
            }),
            Target::Asset(path) | Target::Output(path) => Some(self.output_url(&path)).map(|url| {
                match site_relative(dest).and_then(|r| r.fragment) {
                    Some(fragment) => format!("{url}#{fragment}"),
                    None => url,
                }
            }),
            Target::Elsewhere | Target::Missing | Target::Undecodable => None,
        }
    }
}

/// The files a build writes at the site's root, which root-relative links
/// may name besides guides, embeds, assets and `static/`.
const SITE_FILES: &[&str] = &[
    "",
    "index.html",
    "manifest.json",
    "manifest.schema.json",
    "sitemap.xml",
    "404.html",
];

/// A destination within the site, split.
struct Relative<'d> {
    /// Query dropped, still percent-encoded, without a leading `./` or `/`.
    path: &'d str,
    fragment: Option<&'d str>,
    /// Written from the site's root (`/tiktok/`), not from `content/`.
    rooted: bool,
}

/// A site-relative destination (`meta.md#x`, `./tiktok/shot%201.png?v=2`,
/// `/tiktok/#step-1`) split; `None` for external, protocol-relative
/// (`//host/`) or in-page ones.
fn site_relative(dest: &str) -> Option<Relative<'_>> {
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || has_scheme(dest) {
        return None;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (dest, None),
    };
    let path = path.split_once('?').map_or(path, |(path, _query)| path);
    Some(match path.strip_prefix('/') {
        Some(path) => Relative {
            path,
            fragment,
            rooted: true,
        },
        None => Relative {
            path: path.trim_start_matches("./"),
            fragment,
            rooted: false,
        },
    })
}

/// `path` percent-decoded, as a browser or web server would; `None` when a
/// `%` does not start two hex digits or the bytes are not UTF-8.
fn percent_decode(path: &str) -> Option<Cow<'_, str>> {
    let mut bytes = path.bytes();
    while bytes.any(|b| b == b'%') {
        let hex = bytes.clone().take(2).filter(u8::is_ascii_hexdigit).count();
        if hex < 2 {
            return None;
        }
    }
    percent_decode_str(path).decode_utf8().ok()
}

/// The path under `content/` a site-relative destination names, decoded
/// (`my guide.md` for `./my%20guide.md#x`, `tiktok/shot.png`), whether or
/// not it exists: what a guide depends on.
pub fn content_path(dest: &str) -> Option<String> {
    percent_decode(site_relative(dest)?.path).map(Cow::into_owned)
}

/// Whether `dest` is a URL on the web (`http://`, `https://`, any case):
/// what `check` requests.
pub fn is_external(dest: &str) -> bool {
    ["http://", "https://"]
        .iter()
        .any(|scheme| starts_with_ignore_ascii_case(dest, scheme))
}

/// Whether `dest` starts with `prefix` in any ASCII case (`HTTP://` is
/// `http://`). Compares bytes, so no character of `dest` can be cut.
pub fn starts_with_ignore_ascii_case(dest: &str, prefix: &str) -> bool {
    dest.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `scheme:` per RFC 3986, so `mailto:`, `https:` and `javascript:` are all external.
fn has_scheme(dest: &str) -> bool {
    match dest.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Renders one guide's body: sanitised HTML and facts.
pub fn render(guide: &Guide, renderer: &MarkdownRenderer, links: &SiteLinks) -> Rendered {
    renderer.render(source(guide), Some(links))
}

/// Only a guide's facts, several times faster than [`render`]: for `check`,
/// which publishes nothing. Needs no other guide, so it can run as soon as
/// the guide is read; link `href`s are left as written.
pub fn facts(guide: &Guide, renderer: &MarkdownRenderer) -> Facts {
    renderer.facts(source(guide), None)
}

fn source(guide: &Guide) -> Source<'_> {
    Source {
        body: guide.body(),
        body_offset: guide.body_offset,
        title: Some(&guide.front.title.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decode_takes_only_whole_utf8_escapes() {
        assert_eq!(
            percent_decode("my%20guide.md").as_deref(),
            Some("my guide.md")
        );
        assert_eq!(percent_decode("100%25.png").as_deref(), Some("100%.png"));
        assert_eq!(percent_decode("%E6%97%A5").as_deref(), Some("日"));
        assert_eq!(percent_decode("日本語.md").as_deref(), Some("日本語.md"));
        for bad in ["%", "a%4", "%zz", "%%41", "%E6%97", "%FF"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn prefixes_are_compared_as_bytes() {
        assert!(starts_with_ignore_ascii_case("HTTP://x", "http://"));
        assert!(!starts_with_ignore_ascii_case("日本語.md", "http://"));
        assert!(!starts_with_ignore_ascii_case("http:", "http://"));
    }
}
