//! `guidesite new`: a scaffold whose placeholders `check` points at, and
//! which passes once they are filled.

mod common;

use common::{SiteFixture, assert_exit, stderr};
use serde_json::Value;

fn check_json(site: &SiteFixture) -> (i32, Vec<Value>) {
    let run = common::check_json(site.path(), &["--offline"]);
    (run.code, run.diagnostics)
}

#[test]
fn scaffold_points_at_each_placeholder_and_passes_once_filled() {
    let site = SiteFixture::new();
    assert_exit(&site.run(&["new", "meta", "--platform", "Meta"]), 0);
    let text = site.read("content/meta.md");
    assert!(text.starts_with(
        "---\nsource: meta\ntitle: Meta API and Access Integration\nplatform: Meta\n"
    ));
    for section in [
        "## Invite the agency as a member",
        "## Give the member the Analyst permission",
        "## Onboard the account in the portal",
    ] {
        assert!(text.contains(section), "{section}");
    }

    // Unfilled: the front matter's placeholders are errors (the portal reads
    // it: an unfilled scaffold cannot be built), the body's are warnings,
    // each at its line and column.
    let (code, diagnostics) = check_json(&site);
    assert_eq!(code, 1, "{diagnostics:?}");
    let mut reported: Vec<(&str, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    reported.sort();
    let body_starts = text.match_indices("---\n").nth(1).unwrap().0;
    let mut expected: Vec<(&str, u64, u64)> = Vec::new();
    let mut at_line = 0;
    for (n, line) in text.lines().enumerate() {
        let in_front = at_line < body_starts;
        at_line += line.len() + 1;
        // A mailto: target is not text; its visible twin on the same line is reported.
        let visible = line.split("(mailto:").next().unwrap();
        let code = if in_front {
            "frontmatter/placeholder"
        } else {
            "text/placeholder"
        };
        for (at, _) in visible.match_indices("TODO") {
            expected.push((code, n as u64 + 1, visible[..at].chars().count() as u64 + 1));
        }
    }
    expected.sort();
    assert_eq!(reported, expected);
    assert_exit(&site.run(&["build"]), 1);

    // Filled in: nothing to report.
    let filled = text
        .replace("TODO@example.com", "data@agency.example")
        .replace(
            "https://TODO.example.com/",
            "https://portal.agency.example/",
        )
        .replace(
            "TODO: say where the member or user settings are in Meta.",
            "Open **Business Settings** in Meta.",
        )
        .replace("TODO: say how the invitation is sent.", "Click **Send**.")
        .replace(
            "TODO: say where permissions are assigned in Meta.",
            "Open **Ad accounts**.",
        );
    assert!(!filled.contains("TODO"), "{filled}");
    site.file("content/meta.md", &filled);
    let (code, diagnostics) = check_json(&site);
    assert_eq!((code, diagnostics.len()), (0, 0), "{diagnostics:?}");
    assert_exit(&site.run(&["build"]), 0);
}

#[test]
fn new_refuses_to_overwrite_or_take_a_bad_id() {
    let site = SiteFixture::new();
    site.file("content/meta.md", "my own guide");
    let output = site.run(&["new", "meta"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("already exists"));
    assert_eq!(site.read("content/meta.md"), "my own guide");

    for bad in ["Meta", "-meta", "meta/x", "me ta"] {
        let output = site.run(&["new", "--", bad]);
        assert_exit(&output, 2);
        assert!(stderr(&output).contains("invalid source id"), "{bad}");
    }
    assert_exit(&site.run(&["new", "google-ads"]), 0);
    assert!(
        site.read("content/google-ads.md")
            .contains("platform: Google Ads\n")
    );
}

#[test]
#[cfg(unix)]
fn new_never_writes_through_a_content_folder_that_leads_outside() {
    let site = SiteFixture::new();
    let elsewhere = site.tmp().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, site.path().join("content")).unwrap();
    let output = site.run(&["new", "meta"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("leads outside the site root"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}
