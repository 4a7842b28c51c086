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
    built_page(&fixture, "a");
    // The guide's own links (the page around it also links its neighbours).
    let guide = fixture.read("dist/embed/a.html");
    assert_eq!(guide.matches("href=\"/jp/\"").count(), 2, "{guide}");
    assert!(guide.contains("href=\"/unicode/#grant-access\""), "{guide}");
    assert!(guide.contains("href=\"/unicode/\""), "{guide}");
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
        .file("content/a/shot 1.png", common::png(4, 3))
        .file("content/a/100% 日.png", common::png(4, 3))
        .file("content/a/x#y.png", common::png(4, 3))
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
fn a_guide_named_like_a_link_to_a_guide_is_found_by_its_whole_name() {
    let fixture = SiteFixture::new();
    fixture
        .file("content/notes.md.md", guide_text("notes", &[], STEPS))
        .guide("a", &format!("{STEPS}\n[n](notes.md.md)\n"));
    assert_eq!(broken_links(&fixture), Vec::<String>::new());
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

#[test]
fn a_long_fragment_naming_no_heading_is_reported_without_comparing_every_character() {
    // A did-you-mean over two 20,000-character names took 15 s (debug build).
    let fixture = SiteFixture::new();
    let heading = "a".repeat(20_000);
    let fragment = "b".repeat(20_000);
    fixture.guide("a", &format!("# {heading}\n\n{STEPS}\n[x](#{fragment})\n"));
    let started = std::time::Instant::now();
    let run = check_json(fixture.path(), &["--offline"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(run.diagnostics.iter().any(|d| d["code"] == "link/anchor"));
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
        // The source line under a caret, and a message quoting a link (the
        // C1 control is removed from the link before it is resolved).
        "TODO \\u{1b}]0;pwned\\u{7} [link](<\\u{9b}2J\\u{202e}.md>)",
        "link `2J\\u{202e}.md` names no guide",
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

/// Random Unicode anywhere a site holds text never makes `check --offline`
/// (in every format) or `build` panic, and no report lets a control
/// character through to the terminal. Each case is a real site on disk run
/// through the real binary; `PROPTEST_CASES` runs more of them.
mod random_sites {
    use std::process::Output;

    use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::assert_no_terminal_controls;
    use super::common::{STEPS, SiteFixture, check_json, guide_text};

    /// Characters that break naive text handling: NUL, C0 and C1 controls,
    /// line ends, BOM, U+FFFD, combining marks, RTL marks and overrides,
    /// zero-width joiners in emoji, the last code point, multi-byte letters,
    /// and the ASCII that Markdown, YAML, URLs and reports give meaning to.
    const TRICKY: &[char] = &[
        '\0',
        '\u{1}',
        '\u{7}',
        '\u{8}',
        '\t',
        '\n',
        '\r',
        '\u{b}',
        '\u{c}',
        '\u{1b}',
        '\u{7f}',
        '\u{80}',
        '\u{85}',
        '\u{9b}',
        '\u{9f}',
        '\u{a0}',
        '\u{ad}',
        '\u{feff}',
        '\u{fffd}',
        '\u{fffe}',
        '\u{301}',
        '\u{20dd}',
        '\u{200b}',
        '\u{200d}',
        '\u{200e}',
        '\u{200f}',
        '\u{202e}',
        '\u{2066}',
        '\u{2028}',
        '\u{2029}',
        '\u{61c}',
        'é',
        'ß',
        'İ',
        'ﬃ',
        '日',
        '語',
        'ש',
        'ا',
        '👩',
        '🏽',
        '\u{1f1e9}',
        '\u{10ffff}',
        '\u{e0001}',
        '[',
        ']',
        '(',
        ')',
        '<',
        '>',
        '#',
        '%',
        '*',
        '_',
        '`',
        '~',
        '!',
        ':',
        '-',
        '.',
        '/',
        '\\',
        '|',
        '{',
        '}',
        '@',
        '&',
        ';',
        '"',
        '\'',
        '?',
        '=',
        '+',
        ' ',
        '1',
        '8',
    ];

    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => any::<char>(),
            3 => select(TRICKY),
            2 => proptest::char::range('a', 'z'),
        ]
    }

    /// Mostly short text, sometimes one character thousands of times.
    fn text(max: usize) -> impl Strategy<Value = String> {
        prop_oneof![
            9 => vec(any_char(), 0..max).prop_map(String::from_iter),
            1 => (any_char(), 1_000..20_000usize)
                .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
        ]
    }

    /// A name the file system takes: no `/` or NUL, not `.` or `..`, at
    /// most 200 bytes (names are limited to 255).
    fn file_name() -> impl Strategy<Value = String> {
        vec(any_char(), 1..30).prop_map(|chars| {
            let mut name = String::new();
            for c in chars
                .into_iter()
                .map(|c| if c == '/' || c == '\0' { '_' } else { c })
            {
                if name.len() + c.len_utf8() > 200 {
                    break;
                }
                name.push(c);
            }
            match name.as_str() {
                "." | ".." => format!("{name}_"),
                _ => name,
            }
        })
    }

    /// `text` as a YAML double-quoted scalar holding exactly `text`.
    fn yaml_quoted(text: &str) -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                ' '..='~' => out.push(c),
                c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
            }
        }
        out.push('"');
        out
    }

    fn encoded(text: &str) -> String {
        utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
    }

    #[derive(Debug, Clone)]
    struct Site {
        stem: String,
        asset: String,
        heading: String,
        link: String,
        body: String,
        /// Quoted into each front matter value a guide can hold.
        value: String,
        /// Written into the YAML as it is, when present (most often
        /// invalid YAML, which keeps the body from being checked).
        raw_value: Option<String>,
    }

    fn site() -> impl Strategy<Value = Site> {
        (
            file_name(),
            file_name(),
            text(40),
            text(40),
            text(200),
            text(40),
            proptest::option::weighted(0.25, text(20)),
        )
            .prop_map(
                |(stem, asset, heading, link, body, value, raw_value)| Site {
                    stem,
                    asset,
                    heading,
                    link,
                    body,
                    value,
                    raw_value,
                },
            )
    }

    impl Site {
        /// `content/<stem>.md`, its asset folder, and a valid `b.md` it links to.
        fn write(&self) -> SiteFixture {
            let fixture = SiteFixture::new();
            let Site {
                stem,
                asset,
                heading,
                link,
                body,
                value,
                raw_value,
            } = self;
            let quoted = yaml_quoted(value);
            let raw = raw_value.as_ref().unwrap_or(&quoted);
            let front = [
                ("title", quoted.clone()),
                ("platform", raw.clone()),
                ("summary", quoted.clone()),
                ("access", format!("\n  grantee: {quoted}\n  role: {quoted}")),
                ("contacts", format!("[{quoted}]")),
                (
                    "onboard",
                    format!(
                        "\n  portal: {quoted}\n  fields:\n    \
                         - {{ name: {quoted}, label: {quoted}, pattern: {quoted}, help: {quoted} }}"
                    ),
                ),
            ];
            let front: Vec<(&str, &str)> = front.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let angle_link: String = link.chars().filter(|c| !"<>\n\r".contains(*c)).collect();
            let body = format!(
                "# {heading}\n\n{STEPS}4. {body}\n5. [{heading}]({link}) [a](<{angle_link}>) \
                 [e]({}) [b](b.md#{heading}) [s]({}.md#{}) ![{value}](a/{})\n\n{body}\n",
                encoded(link),
                encoded(stem),
                encoded(heading),
                encoded(asset),
            );
            fixture
                .guide("b", STEPS)
                .file(
                    &format!("content/{stem}.md"),
                    guide_text("a", &front, &body),
                )
                .file(&format!("content/a/{asset}"), body.as_bytes());
            fixture
        }
    }

    /// Runs `guidesite ARGS` on the site: any exit but a panic's (101).
    fn run(fixture: &SiteFixture, args: &[&str]) -> Output {
        let output = fixture
            .command()
            .args(args)
            .output()
            .expect("run guidesite");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code().is_some_and(|code| code != 101) && !stderr.contains("panicked"),
            "`guidesite {}` failed ({}):\n{stderr}",
            args.join(" "),
            output.status
        );
        assert_no_terminal_controls("stderr", &stderr);
        output
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(24),
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_unicode_never_panics(site in site()) {
            let fixture = site.write();
            run(&fixture, &["check", "--offline"]);
            let json = run(&fixture, &["check", "--offline", "--format", "json"]);
            if matches!(json.status.code(), Some(0 | 1)) {
                let parsed = serde_json::from_slice::<serde_json::Value>(&json.stdout);
                prop_assert!(parsed.is_ok(), "not JSON: {:?}", String::from_utf8_lossy(&json.stdout));
            }
            let github = run(&fixture, &["check", "--offline", "--format", "github"]);
            let github = String::from_utf8_lossy(&github.stdout);
            assert_no_terminal_controls("the github report", &github);
            prop_assert!(github.lines().all(|l| l.starts_with("::")), "{}", github);
            run(&fixture, &["build"]);
        }

        /// Whatever a guide or asset is called, its percent-encoded name
        /// links to it, and the published link is the URL of the published file.
        #[test]
        fn every_file_name_is_found_by_its_percent_encoded_link(
            stem in file_name(),
            asset in file_name(),
        ) {
            // `a.md` is the linking guide; `index.html` would collide with its page;
            // hidden files are not content (tests/build.rs has them).
            prop_assume!(stem != "a" && asset != "index.html");
            prop_assume!(!stem.starts_with('.') && !asset.starts_with('.'));
            let fixture = SiteFixture::new();
            fixture
                .file(&format!("content/{stem}.md"), guide_text("named", &[], STEPS))
                .file(&format!("content/a/{asset}"), "asset")
                .guide(
                    "a",
                    &format!("{STEPS}\n[g]({}.md) [s](a/{})\n", encoded(&stem), encoded(&asset)),
                );
            let check = check_json(fixture.path(), &["--offline"]);
            let broken: Vec<_> = check
                .diagnostics
                .iter()
                .filter(|d| d["code"] == "link/broken")
                .collect();
            prop_assert!(broken.is_empty(), "{:?}", broken);
            let build = run(&fixture, &["build"]);
            prop_assert_eq!(build.status.code(), Some(0));
            let page = fixture.read("dist/a/index.html");
            let href = page
                .split("href=\"/a/")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .find(|path| !path.is_empty())
                .unwrap_or_default();
            // A path a browser sends as it is: no `?`, `#`, space or raw non-ASCII.
            let plain = |c: char| c.is_ascii_alphanumeric() || "-._~/%".contains(c);
            prop_assert!(href.chars().all(plain), "{}", href);
            let published = percent_decode_str(href).decode_utf8_lossy();
            prop_assert_eq!(published.as_ref(), asset.as_str(), "{}", href);
        }
    }
}
