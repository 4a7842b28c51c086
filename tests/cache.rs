//! What makes the portal's handoff cacheable (issue 14): the stylesheet's
//! name holds its content's hash, `build` writes a `_headers` file with the
//! Cache-Control rules and, with `portal_origin:`, the CORS headers, and
//! `serve --cors` sends the same CORS headers. Real sites, the real binary,
//! a real server on loopback.

mod common;

use common::{STEPS, Serve, SiteFixture, assert_exit, stderr};
use serde_json::Value;

/// The published stylesheet's path under `dist/`, from the manifest.
fn stylesheet_of(site: &SiteFixture, base_url: &str) -> String {
    let manifest: Value = serde_json::from_str(&site.read("dist/manifest.json")).unwrap();
    let url = manifest["stylesheet"].as_str().unwrap().to_string();
    url.strip_prefix(base_url)
        .unwrap_or_else(|| panic!("{url} under {base_url}"))
        .to_string()
}

#[test]
fn the_stylesheet_name_holds_its_hash_and_changes_with_its_bytes() {
    let site = SiteFixture::new();
    site.guide("meta", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    let first = stylesheet_of(&site, "/");
    let name = first
        .strip_prefix("static/guidesite.")
        .and_then(|rest| rest.strip_suffix(".css"))
        .unwrap_or_else(|| panic!("{first}"));
    assert!(
        name.len() == 12 && name.chars().all(|c| c.is_ascii_hexdigit()),
        "{first}"
    );
    assert!(site.path().join("dist").join(&first).is_file());
    assert!(!site.path().join("dist/static/guidesite.css").exists());
    let page = site.read("dist/meta/index.html");
    assert!(page.contains(&format!("href=\"/{first}\"")), "{page}");
    // Same bytes, same name.
    assert_exit(&site.run(&["build"]), 0);
    assert_eq!(stylesheet_of(&site, "/"), first);
    // A theme that changes the stylesheet changes its name.
    site.file(
        "themes/default/static/guidesite.css",
        ".guidesite-guide { color: #123; }\n",
    );
    assert_exit(&site.run(&["build"]), 0);
    let second = stylesheet_of(&site, "/");
    assert_ne!(second, first);
    assert_eq!(
        site.read(&format!("dist/{second}")),
        ".guidesite-guide { color: #123; }\n"
    );
}

#[test]
fn headers_say_what_is_immutable_and_who_may_fetch() {
    let site = SiteFixture::new();
    site.guide("meta", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    let css = stylesheet_of(&site, "/");
    let headers = site.read("dist/_headers");
    assert!(
        headers.contains(&format!(
            "/{css}\n  Cache-Control: public, max-age=31536000, immutable\n"
        )),
        "{headers}"
    );
    for revalidated in ["/manifest.json", "/manifest.schema.json", "/embed/*"] {
        assert!(
            headers.contains(&format!("{revalidated}\n  Cache-Control: no-cache\n")),
            "{revalidated}: {headers}"
        );
    }
    assert!(!headers.contains("Access-Control"), "{headers}");

    site.site_yaml("portal_origin: https://portal.agency.test/\n");
    assert_exit(&site.run(&["build"]), 0);
    let headers = site.read("dist/_headers");
    let allowed = "  Access-Control-Allow-Origin: https://portal.agency.test\n  Vary: Origin\n";
    assert_eq!(headers.matches(allowed).count(), 4, "{headers}");

    // An origin with a path is not one: a config error, at its line.
    site.site_yaml("title: Help\nportal_origin: https://portal.agency.test/app\n");
    let output = site.run(&["build"]);
    assert_exit(&output, 2);
    let said = stderr(&output);
    assert!(said.contains("site.yaml:2:"), "{said}");
    assert!(said.contains("not an origin"), "{said}");
}

#[test]
fn serve_sends_cors_headers_for_what_the_portal_fetches_when_asked() {
    let site = SiteFixture::new();
    site.guide("meta", STEPS);
    let server = Serve::start_with(&site, &["--cors", "https://portal.agency.test"]);
    let manifest: Value = serde_json::from_slice(&server.get("/manifest.json").body).unwrap();
    let css = manifest["stylesheet"].as_str().unwrap().to_string();
    for path in ["/manifest.json", "/embed/meta.html", css.as_str()] {
        let response = server.get(path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("https://portal.agency.test"),
            "{path}: {}",
            response.head
        );
        assert_eq!(response.header("vary"), Some("origin"), "{path}");
    }
    let page = server.get("/meta/");
    assert_eq!(page.header("access-control-allow-origin"), None);
    drop(server);

    // Without the flag, no CORS header at all.
    let server = Serve::start(&site);
    let response = server.get("/manifest.json");
    assert_eq!(response.header("access-control-allow-origin"), None);
}

#[test]
fn serve_refuses_a_cors_value_that_is_not_an_origin() {
    let site = SiteFixture::new();
    site.guide("meta", STEPS);
    let output = site.run(&["serve", "--port", "0", "--cors", "portal.agency.test"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("not an origin"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_embeds_hash_changes_exactly_when_its_bytes_do() {
    let site = SiteFixture::new();
    site.guide("meta", STEPS).guide("tiktok", STEPS);
    let hashes = |site: &SiteFixture| -> Vec<(String, String)> {
        assert_exit(&site.run(&["build"]), 0);
        let manifest: Value = serde_json::from_str(&site.read("dist/manifest.json")).unwrap();
        manifest["guides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let source = g["source"].as_str().unwrap().to_string();
                let embed = site.read(&format!("dist/embed/{source}.html"));
                let digest = format!("{:x}", sha2_digest(embed.as_bytes()));
                assert_eq!(g["hash"].as_str().unwrap(), digest, "{source}");
                (source, digest)
            })
            .collect()
    };
    let first = hashes(&site);
    assert_eq!(hashes(&site), first, "same input, same hashes");
    site.guide("meta", &STEPS.replace("Open the", "First open the"));
    let second = hashes(&site);
    assert_ne!(second[0].1, first[0].1, "meta changed");
    assert_eq!(second[1], first[1], "tiktok did not");
}

/// SHA-256 of `bytes`, as the manifest's `hash` is.
fn sha2_digest(bytes: &[u8]) -> impl std::fmt::LowerHex {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
}
