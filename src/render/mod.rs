//! Markdown → safe HTML plus facts. Pure: no I/O, no diagnostics.

pub mod facts;
pub mod markdown;

use std::collections::{BTreeSet, HashMap};

use crate::content::Guide;
use facts::Facts;
pub use markdown::MarkdownRenderer;

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
    /// Asset paths relative to `content/`.
    pub assets: &'a BTreeSet<String>,
}

/// Where a relative destination points within the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// Not a site-relative link: external, `mailto:`, root-absolute, or in-page.
    Elsewhere,
    /// A guide, by source id, with an optional fragment.
    Guide {
        source: &'a str,
        fragment: Option<String>,
    },
    /// An asset under `content/`.
    Asset(String),
    /// A relative path that names nothing in the site.
    Missing,
}

impl<'a> SiteLinks<'a> {
    pub fn new(
        base_url: &'a str,
        guides: impl IntoIterator<Item = &'a Guide>,
        assets: &'a BTreeSet<String>,
    ) -> Self {
        SiteLinks {
            base_url,
            guides: guides
                .into_iter()
                .map(|g| (g.stem.as_str(), g.source()))
                .collect(),
            assets,
        }
    }

    /// Classifies a destination as written in a guide.
    pub fn target(&self, dest: &str) -> Target<'a> {
        let Some((path, fragment)) = site_relative(dest) else {
            return Target::Elsewhere;
        };
        if let Some(stem) = path.strip_suffix(".md") {
            return match self.guides.get(stem) {
                Some(source) => Target::Guide {
                    source,
                    fragment: fragment.map(str::to_string),
                },
                None => Target::Missing,
            };
        }
        let path = path.split('?').next().unwrap_or(path);
        if self.assets.contains(path) {
            Target::Asset(path.to_string())
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
            Target::Asset(path) => Some(format!("{}{path}", self.base_url)),
            Target::Elsewhere | Target::Missing => None,
        }
    }
}

/// The path and fragment of a site-relative destination (`meta.md#x`,
/// `./tiktok/shot.png`); `None` for external, root-absolute or in-page ones.
fn site_relative(dest: &str) -> Option<(&str, Option<&str>)> {
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') || has_scheme(dest) {
        return None;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (dest, None),
    };
    Some((path.trim_start_matches("./"), fragment))
}

/// The file stem of the guide a destination names (`meta` for
/// `meta.md#x`), whether or not that guide exists.
pub fn guide_stem(dest: &str) -> Option<&str> {
    site_relative(dest)?.0.strip_suffix(".md")
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
    renderer.render(guide.body(), guide.body_offset, Some(links))
}

/// Only a guide's facts, several times faster than [`render`]: for `check`,
/// which publishes nothing. Needs no other guide, so it can run as soon as
/// the guide is read; link `href`s are left as written.
pub fn facts(guide: &Guide, renderer: &MarkdownRenderer) -> Facts {
    renderer.facts(guide.body(), guide.body_offset, None)
}
