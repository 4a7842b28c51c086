//! The HTTP headers the published site asks for: the stylesheet, whose name
//! holds its content's hash, may be cached forever; the manifest, its schema
//! and the embeds change under the same URL and must be revalidated; and when
//! the portal is served from another origin, it may fetch all of those.
//! `build` writes them as `_headers` (the format Netlify and Cloudflare
//! Pages read); `serve --cors` sends the CORS part of them.

use std::fmt::Write;

use crate::config::Origin;

pub const HEADERS_FILE: &str = "_headers";

/// Revalidated on every use, so a portal never shows a guide older than
/// the manifest that lists it.
const REVALIDATE: &str = "no-cache";

/// A year, and never revalidated: the URL changes when the bytes do.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The paths the portal fetches, with how long they may be cached. Pages
/// and assets are left to the host's default (both hosts revalidate
/// them); no two patterns match one path, as the hosts would join the
/// values of a header both set.
fn rules(stylesheet: &str) -> [(String, &'static str); 4] {
    [
        ("/manifest.json".to_string(), REVALIDATE),
        ("/manifest.schema.json".to_string(), REVALIDATE),
        ("/embed/*".to_string(), REVALIDATE),
        (format!("/{stylesheet}"), IMMUTABLE),
    ]
}

/// The `_headers` file: Cache-Control for what the portal fetches and, with
/// `portal_origin`, the CORS headers that let it.
pub fn file(stylesheet: &str, portal_origin: Option<&Origin>) -> String {
    let mut out = String::from(
        "# Written by guidesite: how long what the portal fetches may be cached,\n\
         # and who may fetch it. Netlify and Cloudflare Pages read this file.\n",
    );
    for (pattern, cache) in rules(stylesheet) {
        let _ = writeln!(out, "{pattern}\n  Cache-Control: {cache}");
        if let Some(origin) = portal_origin {
            for (name, value) in cors(origin) {
                let _ = writeln!(out, "  {name}: {value}");
            }
        }
    }
    out
}

/// Whether the portal fetches `path` (site-relative, no leading `/`): the
/// manifest, its schema, an embed, the stylesheet.
pub fn portal_fetches(path: &str, stylesheet: &str) -> bool {
    rules(stylesheet).iter().any(|(pattern, _)| {
        let pattern = &pattern[1..];
        match pattern.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == pattern,
        }
    })
}

/// The headers that let `origin` read a response (a plain GET needs no
/// preflight); `Vary` keeps a cache from serving them to another origin.
pub fn cors(origin: &Origin) -> [(&'static str, &str); 2] {
    [
        ("Access-Control-Allow-Origin", origin.as_str()),
        ("Vary", "Origin"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSS: &str = "static/guidesite.0123456789ab.css";

    #[test]
    fn the_file_caches_the_stylesheet_forever_and_revalidates_the_rest() {
        let text = file(CSS, None);
        assert!(text.contains("/manifest.json\n  Cache-Control: no-cache\n"));
        assert!(text.contains("/embed/*\n  Cache-Control: no-cache\n"));
        assert!(text.contains(&format!(
            "/{CSS}\n  Cache-Control: public, max-age=31536000, immutable\n"
        )));
        assert!(!text.contains("Access-Control"));
    }

    #[test]
    fn with_a_portal_origin_what_it_fetches_allows_it() {
        let origin: Origin = "https://portal.example.com/".parse().unwrap();
        let text = file(CSS, Some(&origin));
        assert_eq!(
            text.matches(
                "  Access-Control-Allow-Origin: https://portal.example.com\n  Vary: Origin\n"
            )
            .count(),
            4
        );
        for path in ["manifest.json", "embed/tiktok.html", CSS] {
            assert!(portal_fetches(path, CSS), "{path}");
        }
        for path in [
            "tiktok/index.html",
            "index.html",
            "static/favicon.svg",
            "embed",
        ] {
            assert!(!portal_fetches(path, CSS), "{path}");
        }
    }

    #[test]
    fn an_origin_is_a_scheme_and_a_host() {
        for good in [
            "https://portal.example.com",
            "http://127.0.0.1:3000",
            "HTTPS://Portal.Example.com/",
        ] {
            assert!(good.parse::<Origin>().is_ok(), "{good}");
        }
        for bad in [
            "portal.example.com",
            "https://portal.example.com/app",
            "ftp://x",
            "https://",
            "*",
        ] {
            let error = bad.parse::<Origin>().unwrap_err();
            assert!(error.contains("not an origin"), "{bad}: {error}");
        }
    }
}
