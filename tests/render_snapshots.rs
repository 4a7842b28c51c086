//! The rendered HTML of representative guides, pinned: a change to rendering
//! is a diff of `tests/snapshots/` that someone reviews, not a new
//! hand-written `contains(…)`.
//!
//! The site is `tests/fixtures/render/`, copied to a temporary folder and
//! built by the real binary. Each guide's embed (the fragment the portal shows
//! and the page wraps) is one snapshot, `manifest.json` another.
//!
//! After an intended change, record the new output with
//! `INSTA_UPDATE=always cargo test --test render_snapshots` (or
//! `cargo insta test --accept`) and commit the changed `.snap` files with it.
//! Under `CI` a mismatch fails and nothing is written.

mod common;

use std::path::{Path, PathBuf};

use common::{SiteFixture, assert_exit};

/// The fixture site, as committed.
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/render");

/// Every guide of the fixture, by source: each has a test below.
const SOURCES: [&str; 7] = [
    "google-ads",
    "line",
    "linkedin",
    "meta",
    "pinterest",
    "snapchat",
    "tiktok",
];

/// The fixture site built into a fresh `dist/`; the fixture owns the folder.
struct Built {
    _site: SiteFixture,
    dist: PathBuf,
}

impl Built {
    fn new() -> Self {
        let site = SiteFixture::new();
        for (path, bytes) in common::snapshot(Path::new(FIXTURE)) {
            site.file(&path, bytes);
        }
        let dist = site.tmp().join("dist");
        let output = site.run(&["build", "--out", dist.to_str().expect("UTF-8 temp path")]);
        assert_exit(&output, 0);
        Built { _site: site, dist }
    }

    fn read(&self, path: &str) -> String {
        let file = self.dist.join(path);
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()))
    }
}

/// Pins `embed/<source>.html`.
fn assert_embed(source: &str) {
    let html = Built::new().read(&format!("embed/{source}.html"));
    insta::assert_snapshot!(format!("embed_{source}"), html);
}

#[test]
fn every_fixture_guide_has_an_embed_snapshot() {
    let built = Built::new();
    let mut embeds: Vec<String> = std::fs::read_dir(built.dist.join("embed"))
        .expect("read embed/")
        .map(|entry| {
            entry
                .expect("embed entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    embeds.sort();
    let expected: Vec<String> = SOURCES.iter().map(|s| format!("{s}.html")).collect();
    assert_eq!(
        embeds, expected,
        "add a test below for each new fixture guide"
    );
}

#[test]
fn manifest() {
    let built = Built::new();
    let manifest: serde_json::Value =
        serde_json::from_str(&built.read("manifest.json")).expect("manifest.json is JSON");
    let pretty = serde_json::to_string_pretty(&manifest).expect("serialise manifest");
    insta::assert_snapshot!("manifest", pretty);
}

/// The seed guide as an author converted it: sections, steps, a mailto
/// link, the onboard form placed by `{{ onboard_form() }}`.
#[test]
fn tiktok_seed_guide() {
    assert_embed("tiktok");
}

/// A body `# Title` equal to the title, bullet and ordered lists nested in
/// steps, inline code, a form with a select, a pattern and help.
#[test]
fn meta_sections_and_nested_lists() {
    assert_embed("meta");
}

/// A table with alignments, a footnote, strikethrough, both callout
/// spellings, a task list, a fenced code block and a blockquote.
#[test]
fn google_ads_extensions() {
    assert_embed("google-ads");
}

/// Japanese and Arabic headings (their ids, and fragments naming them).
#[test]
fn line_non_latin_text() {
    assert_embed("line");
}

/// Raw HTML pasted from a wiki: script, iframe, event handlers, `style` and
/// a `javascript:` link removed; `<details>`, `<kbd>`, a table kept.
#[test]
fn linkedin_raw_html_sanitised() {
    assert_embed("linkedin");
}

/// Links to other guides (with fragments, `./`, a non-Latin one), to steps,
/// root-relative and external links, `mailto:` with a query, an autolink.
#[test]
fn snapchat_links_between_guides() {
    assert_embed("snapchat");
}

/// Images inline, alone in a step, without alt, with a title, with a space
/// in the file name, inside a link, and as raw HTML.
#[test]
fn pinterest_images() {
    assert_embed("pinterest");
}
