//! Non-Latin and hostile text: relative links with multi-byte characters and
//! percent-encoding resolve like any other; file names and text holding
//! terminal control sequences are printed escaped; and a property test that
//! random Unicode anywhere in a site never makes `check` or `build` panic.

mod common;

use common::{STEPS, SiteFixture, assert_exit, check_json, guide_text};

/// The `link/broken` diagnostics' messages of a `check --offline` run.
fn broken_links(fixture: &SiteFixture) -> Vec<String> {
    let run = check_json(fixture.path(), &["--offline"]);
    run.diagnostics
        .iter()
        .filter(|d| d["code"] == "link/broken")
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Builds the site (which must succeed) and returns a guide's page.
fn built_page(fixture: &SiteFixture, source: &str) -> String {
    assert_exit(&fixture.run(&["build"]), 0);
    fixture.read(&format!("dist/{source}/index.html"))
}

#[test]
fn non_latin_relative_links_resolve_raw_and_percent_encoded() {
    let fixture = SiteFixture::new();
    fixture
        .file("content/日本語.md", guide_text("jp", &[], STEPS))
        .file("content/ünïcødé.md", guide_text("unicode", &[], STEPS))
        .guide(
            "a",
            &format!(
                "{STEPS}\nSee [raw](日本語.md), [encoded](%E6%97%A5%E6%9C%AC%E8%AA%9E.md), \
                 [raw](ünïcødé.md#grant-access) and [encoded](%C3%BCn%C3%AFc%C3%B8d%C3%A9.md).\n"
            ),
        );
    assert_eq!(broken_links(&fixture), Vec::<String>::new());
    let page = built_page(&fixture, "a");
    assert_eq!(page.matches("href=\"/jp/\"").count(), 2, "{page}");
    assert!(page.contains("href=\"/unicode/#grant-access\""), "{page}");
    assert!(page.contains("href=\"/unicode/\""), "{page}");
}

#[test]
fn a_link_ending_inside_a_multibyte_character_is_broken_not_a_panic() {
    // The 7th byte, where `http://` is looked for, falls inside `é` / `語`.
    let fixture = SiteFixture::new();
    fixture.guide("a", &format!("{STEPS}\n[y](aaaaaaé) [x](日本語.md)\n"));
    assert_eq!(broken_links(&fixture).len(), 2);
    assert_exit(&fixture.run(&["build"]), 1);
}

#[test]
fn percent_encoded_links_resolve_to_guides_and_assets_and_publish_their_url() {
    let fixture = SiteFixture::new();
    fixture
        .file("content/my guide.md", guide_text("my-guide", &[], STEPS))
        .file("content/a/shot 1.png", "png")
        .file("content/a/100% 日.png", "png")
        .file("content/a/x#y.png", "png")
        .guide(
            "a",
            &format!(
                "{STEPS}\n[g](my%20guide.md) [s](a/shot%201.png?v=2) ![s](<a/shot 1.png>) \
                 [p](a/100%25%20%E6%97%A5.png) [h](a/x%23y.png)\n"
            ),
        );
    assert_eq!(broken_links(&fixture), Vec::<String>::new());
    let page = built_page(&fixture, "a");
    for href in [
        "href=\"/my-guide/\"",
        "href=\"/a/shot%201.png\"",
        "src=\"/a/shot%201.png\"",
        "href=\"/a/100%25%20%E6%97%A5.png\"",
        "href=\"/a/x%23y.png\"",
    ] {
        assert!(page.contains(href), "{href} not in {page}");
    }
    assert!(fixture.path().join("dist/a/100% 日.png").is_file());
}

#[test]
fn malformed_percent_encoding_is_a_broken_link() {
    let fixture = SiteFixture::new();
    fixture.guide(
        "a",
        // Not two hex digits; a lone `%`; half a character; not UTF-8 at all.
        &format!("{STEPS}\n[1](a%zz.md) [2](a/%) [3](%E6.md) [4](a/%FF.png)\n"),
    );
    let broken = broken_links(&fixture);
    assert_eq!(broken.len(), 4, "{broken:?}");
    assert!(
        broken
            .iter()
            .all(|m| m.contains("does not percent-decode to a UTF-8 path")),
        "{broken:?}"
    );
}

/// Characters a terminal acts on: ESC (starts colour and cursor sequences),
/// BEL, CR (rewrites the line), C1's CSI, and a right-to-left override.
const TERMINAL_CONTROLS: [char; 5] = ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}'];

#[track_caller]
fn assert_no_terminal_controls(what: &str, text: &str) {
    assert!(
        !text.contains(TERMINAL_CONTROLS),
        "{what} holds a terminal control character: {text:?}"
    );
}

/// A site whose file names and text hold terminal control sequences, each
/// guide with a diagnostic to report.
fn hostile_site() -> SiteFixture {
    let fixture = SiteFixture::new();
    let stepless = guide_text("red", &[], "No steps here.\n");
    fixture
        .file("content/\u{1b}[31mred.md", &stepless)
        .file("content/bell\u{7}\rcr.md", &stepless)
        .guide(
            "a",
            &format!("{STEPS}\nTODO \u{1b}]0;pwned\u{7} [link](<\u{9b}2J\u{202e}.md>)\n"),
        );
    fixture
}

#[test]
fn file_names_and_text_with_terminal_controls_are_printed_escaped() {
    let fixture = hostile_site();
    let human = fixture.run(&["check", "--offline"]);
    assert_exit(&human, 1);
    let stderr = common::stderr(&human);
    assert_no_terminal_controls("the human report", &stderr);
    for shown in [
        "content/\\u{1b}[31mred.md",
        "content/bell\\u{7}\\u{d}cr.md",
        // The source line under a caret, and a message quoting a link.
        "TODO \\u{1b}]0;pwned\\u{7} [link]",
        "link `\\u{9b}2J\\u{202e}.md` names no guide",
    ] {
        assert!(stderr.contains(shown), "{shown} not in {stderr}");
    }

    let github = fixture.run(&["check", "--offline", "--format", "github"]);
    let stdout = String::from_utf8_lossy(&github.stdout);
    assert_no_terminal_controls("the github report", &stdout);
    // The runner's own escaping for CR, so the annotation names the file.
    assert!(
        stdout.contains("file=content/bell\\u{7}%0Dcr.md,"),
        "{stdout}"
    );
    assert!(stdout.lines().all(|l| l.starts_with("::")), "{stdout}");

    // JSON is for programs: the exact name, escaped by JSON's rules.
    let json = check_json(fixture.path(), &["--offline"]);
    assert!(
        json.diagnostics
            .iter()
            .any(|d| d["file"] == "content/\u{1b}[31mred.md")
    );
}

#[cfg(unix)]
#[test]
fn an_error_naming_a_path_prints_it_escaped() {
    let fixture = SiteFixture::new();
    fixture.guide("a", STEPS);
    std::fs::create_dir_all(fixture.path().join("content/a")).unwrap();
    let link = fixture.path().join("content/a/\u{1b}[2J\r.png");
    std::os::unix::fs::symlink("/nonexistent/guidesite-test", &link).unwrap();
    for args in [&["check", "--offline"][..], &["build"]] {
        let output = fixture.run(args);
        assert_exit(&output, 2);
        let stderr = common::stderr(&output);
        assert_no_terminal_controls("the error", &stderr);
        assert!(stderr.contains("\\u{1b}[2J\\u{d}.png"), "{stderr}");
    }
}
