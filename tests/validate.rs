//! `guidesite check`: every diagnostic code of DESIGN.md, both ways (a guide
//! that triggers it, and a near-identical one that does not), located by exact
//! file, line and column; the seed guide's known defects; `lints:` and
//! `emails:` configuration; the three report formats; and `build` refusing an
//! invalid site.
//!
//! Each case starts from [`valid_guide`], which has no diagnostics at all, and
//! makes one small edit. Expected positions are computed from the text written
//! (see [`pos`]), never counted by hand.
//!
//! Tests marked `#[ignore = "bug: …"]` assert the correct behaviour of a rule
//! that is wrong today; run them with `cargo test --test validate -- --ignored`.

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde::Deserialize;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A guide with no diagnostics at all: every other guide in this file is this
/// one with a small edit.
const VALID: &str = r#"---
source: meta
title: Meta access
platform: Meta
access:
  grantee: data@agency.example
  role: Analyst
contacts: [ops@agency.example]
onboard:
  portal: https://portal.agency.test/
  fields:
    - { name: account_id, label: Account Id, type: text, pattern: '^[0-9]{6,20}$', required: true }
---
## Grant access

1. Open **Settings**.
2. Invite [data@agency.example](mailto:data@agency.example).
3. Give the role **Analyst**.

Give ops@agency.example the same access before onboarding.
"#;

/// Where the valid guide lives in every site of this file.
const FILE: &str = "content/meta.md";

fn valid_guide() -> String {
    VALID.to_string()
}

/// `text` with the one occurrence of `from` replaced by `to`.
#[track_caller]
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} should occur exactly once in:\n{text}"
    );
    text.replacen(from, to, 1)
}

/// The valid guide with `extra` appended to its body as a new block.
fn with_body(extra: &str) -> String {
    format!("{VALID}\n{extra}\n")
}

/// 1-based line and column (in characters) of the only occurrence of `needle`.
#[track_caller]
fn pos(text: &str, needle: &str) -> (usize, usize) {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "{needle:?} should occur exactly once in:\n{text}"
    );
    offset_pos(text, text.find(needle).unwrap())
}

fn offset_pos(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// 1-based number of the only line equal to `wanted`.
#[track_caller]
fn line_equal(text: &str, wanted: &str) -> usize {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == wanted)
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "one line should be exactly {wanted:?}");
    lines[0]
}

/// A site in a temporary directory.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Self {
        Site {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` at `path` relative to the root, creating folders.
    fn file(&self, path: &str, contents: impl AsRef<[u8]>) -> &Self {
        let target = self.root().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, contents).unwrap();
        self
    }

    /// Writes `content/<stem>.md`.
    fn guide(&self, stem: &str, text: &str) -> &Self {
        self.file(&format!("content/{stem}.md"), text)
    }

    fn site_yaml(&self, text: &str) -> &Self {
        self.file("site.yaml", text)
    }

    /// `guidesite --root <root> <args>`.
    fn run(&self, args: &[&str]) -> Output {
        run_at(self.root(), args)
    }

    fn check(&self) -> Report {
        check_at(self.root())
    }
}

fn run_at(root: &Path, args: &[&str]) -> Output {
    let output = Command::cargo_bin("guidesite")
        .expect("the guidesite binary is built")
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run guidesite");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked"),
        "guidesite panicked:\n{stderr}"
    );
    output
}

/// `check --offline --format json` on `root`, parsed and sanity-checked.
fn check_at(root: &Path) -> Report {
    let output = run_at(root, &["check", "--offline", "--format", "json"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("stdout is not the JSON report ({e}):\n{stdout}\nstderr:\n{stderr}")
    });
    let report = Report {
        status: output.status.code().expect("exited normally"),
        diagnostics: json.diagnostics,
    };
    let count = |severity: &str| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    assert_eq!(json.errors, count("error"), "error count\n{report}");
    assert_eq!(json.warnings, count("warning"), "warning count\n{report}");
    assert_eq!(
        report.status,
        if json.errors > 0 { 1 } else { 0 },
        "exit status must be 1 exactly when there are errors\n{report}"
    );
    report
}

/// Checks a site whose only file is `content/meta.md` = `text`.
fn check_guide(text: &str) -> Report {
    let site = Site::new();
    site.guide("meta", text);
    site.check()
}

#[derive(Debug, Deserialize)]
struct Json {
    diagnostics: Vec<Diag>,
    errors: usize,
    warnings: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Diag {
    code: String,
    severity: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
}

struct Report {
    status: i32,
    diagnostics: Vec<Diag>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "exit {}; diagnostics:", self.status)?;
        for d in &self.diagnostics {
            writeln!(
                f,
                "  {}:{}:{} {} {}: {}",
                d.file, d.line, d.column, d.severity, d.code, d.message
            )?;
        }
        Ok(())
    }
}

/// (code, severity, file, line, column)
type Expected<'a> = (&'a str, &'a str, &'a str, usize, usize);

impl Report {
    #[track_caller]
    fn assert_clean(&self) {
        assert!(
            self.diagnostics.is_empty() && self.status == 0,
            "expected no diagnostics\n{self}"
        );
    }

    /// The whole report is exactly these diagnostics (in any order).
    #[track_caller]
    fn assert_exactly(&self, expected: &[Expected]) {
        let mut actual: Vec<Expected> = self
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.severity.as_str(),
                    d.file.as_str(),
                    d.line,
                    d.column,
                )
            })
            .collect();
        let mut expected = expected.to_vec();
        actual.sort();
        expected.sort();
        assert_eq!(actual, expected, "\n{self}");
    }

    /// The report contains this diagnostic (and maybe others); returns it.
    #[track_caller]
    fn assert_has(&self, code: &str, severity: &str, file: &str, at: (usize, usize)) -> &Diag {
        self.diagnostics
            .iter()
            .find(|d| {
                d.code == code
                    && d.severity == severity
                    && d.file == file
                    && (d.line, d.column) == at
            })
            .unwrap_or_else(|| {
                panic!(
                    "expected {severity} {code} at {file}:{}:{}\n{self}",
                    at.0, at.1
                )
            })
    }

    #[track_caller]
    fn assert_no(&self, code: &str) {
        assert!(
            self.diagnostics.iter().all(|d| d.code != code),
            "expected no {code}\n{self}"
        );
    }

    fn codes(&self) -> Vec<&str> {
        self.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }
}

/// Runs `guidesite check --offline --format json` with exactly one expected
/// error in the valid guide edited by `text`, located at `needle`.
#[track_caller]
fn assert_only_error(text: &str, code: &str, needle: &str) -> Report {
    let (line, column) = pos(text, needle);
    let report = check_guide(text);
    report.assert_exactly(&[(code, "error", FILE, line, column)]);
    report
}

// ---------------------------------------------------------------------------
// The seed and the shipped guide
// ---------------------------------------------------------------------------

const SEED_FRONT_MATTER: &str = "---
source: tiktok
title: TikTok API and Access Integration
platform: TikTok
access:
  grantee: data_extract@annalect-data.info
  role: Analyst
contacts: [omd-dk@annalect-data.info]
---
";

#[test]
fn seed_guide_defects_are_caught_where_they_are() {
    let seed_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/tiktok-access-guide.txt");
    let seed = std::fs::read_to_string(&seed_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", seed_path.display()));
    let text = format!("{SEED_FRONT_MATTER}{seed}");
    let site = Site::new();
    site.guide("tiktok", &text);
    let report = site.check();
    let file = "content/tiktok.md";

    assert_eq!(report.status, 1, "{report}");

    // The empty step 8: a line holding only `8.`.
    let eight = line_equal(&text, "8.");
    let empty = report.assert_has("steps/empty", "error", file, (eight, 1));
    assert!(empty.message.contains('8'), "{}", empty.message);

    // The `[Guide](#)` placeholder, at its `[`.
    report.assert_has("link/placeholder", "error", file, pos(&text, "[Guide](#)"));

    // The escaped address whose text differs from its mailto: target, at the
    // `[` that opens that link.
    let target = pos(&text, "](mailto:data_extract@annalect-data.info)");
    let line_text = text.lines().nth(target.0 - 1).unwrap();
    let target_col = target.1 - 1; // characters before `]`
    let before: String = line_text.chars().take(target_col).collect();
    let open = before.rfind('[').expect("the link opens on its line");
    let open_col = before[..open].chars().count() + 1;
    report.assert_has("email/mismatch", "error", file, (target.0, open_col));
}

#[test]
fn shipped_tiktok_guide_is_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(root.join("content/tiktok.md").is_file());
    check_at(root).assert_clean();
}

#[test]
fn valid_guide_has_no_diagnostics() {
    check_guide(&valid_guide()).assert_clean();
}

// ---------------------------------------------------------------------------
// frontmatter/*
// ---------------------------------------------------------------------------

#[test]
fn frontmatter_missing() {
    // The body alone, and the YAML without its fences.
    let body_only = &VALID[VALID.find("## Grant access").unwrap()..];
    check_guide(body_only).assert_exactly(&[("frontmatter/missing", "error", FILE, 1, 1)]);
    let unfenced = VALID.replace("---\n", "");
    check_guide(&unfenced).assert_exactly(&[("frontmatter/missing", "error", FILE, 1, 1)]);
    // Not closed: the block is there but invalid, reported at the opening fence.
    let unclosed = edit(&valid_guide(), "---\n## Grant", "## Grant");
    check_guide(&unclosed).assert_exactly(&[("frontmatter/invalid", "error", FILE, 1, 1)]);

    check_guide(&valid_guide()).assert_clean();
}

#[test]
fn frontmatter_invalid_source_id() {
    let text = edit(&valid_guide(), "source: meta", "source: Meta_Ads");
    let report = assert_only_error(&text, "frontmatter/invalid", "Meta_Ads");
    assert!(report.diagnostics[0].message.contains("Meta_Ads"));

    // A valid id, though not the file's name: only that is said.
    let text = edit(&valid_guide(), "source: meta", "source: meta-ads2");
    let (line, column) = pos(&text, "meta-ads2");
    check_guide(&text).assert_exactly(&[(
        "frontmatter/source-mismatch",
        "warning",
        FILE,
        line,
        column,
    )]);
}

#[test]
fn frontmatter_invalid_type() {
    let text = edit(
        &valid_guide(),
        "platform: Meta\n",
        "platform: Meta\norder: ten\n",
    );
    assert_only_error(&text, "frontmatter/invalid", "ten");

    let text = edit(
        &valid_guide(),
        "platform: Meta\n",
        "platform: Meta\norder: 10\n",
    );
    check_guide(&text).assert_clean();
}

#[test]
fn frontmatter_invalid_yaml_syntax() {
    let text = edit(&valid_guide(), "title: Meta access", "title: \"Meta access");
    assert_only_error(&text, "frontmatter/invalid", "\"Meta access");

    let text = edit(
        &valid_guide(),
        "title: Meta access",
        "title: \"Meta access\"",
    );
    check_guide(&text).assert_clean();
}

#[test]
fn frontmatter_invalid_missing_required_key() {
    // Reported where the key belongs: the start of the mapping that lacks
    // it (2:1), not at whichever key happens to come last.
    let text = edit(&valid_guide(), "title: Meta access\n", "");
    let report = check_guide(&text);
    report.assert_exactly(&[("frontmatter/invalid", "error", FILE, 2, 1)]);
    assert!(
        report.diagnostics[0].message.contains("`title`"),
        "{report}"
    );

    let text = edit(
        &valid_guide(),
        "title: Meta access\n",
        "title: \"Meta: access\"\n",
    );
    check_guide(&text).assert_clean();
}

#[test]
fn frontmatter_invalid_control_character_written_by_an_escape() {
    for (from, to, needle, key) in [
        (
            "title: Meta access",
            r#"title: "Meta\x01 access""#,
            "\"Meta",
            "title",
        ),
        (
            "label: Account Id",
            r#"label: "Account\u0085Id""#,
            "{ name: account_id",
            "label",
        ),
        (
            "contacts: [ops@agency.example]",
            r#"contacts: ["ops@agency.example\0"]"#,
            "\"ops@",
            "contacts",
        ),
    ] {
        let text = edit(&valid_guide(), from, to);
        let report = assert_only_error(&text, "frontmatter/invalid", needle);
        let message = &report.diagnostics[0].message;
        assert!(
            message.contains(&format!("`{key}` holds the control character U+")),
            "{report}"
        );
    }
}

#[test]
fn frontmatter_invalid_blank_title_or_platform_at_the_value() {
    for (from, to, needle) in [
        ("title: Meta access", "title: \"\"", "\"\""),
        ("title: Meta access", "title: '   '", "'   '"),
        ("platform: Meta", "platform: \"\"", "\"\""),
    ] {
        let text = edit(&valid_guide(), from, to);
        let report = assert_only_error(&text, "frontmatter/invalid", needle);
        let key = to.split(':').next().unwrap();
        assert!(
            report.diagnostics[0]
                .message
                .contains(&format!("`{key}` is empty")),
            "{report}"
        );
    }
    // An empty block scalar: at the end of its own line, not the next one.
    let text = edit(&valid_guide(), "title: Meta access", "title: |");
    let (line, column) = pos(&text, "title: |");
    check_guide(&text).assert_exactly(&[(
        "frontmatter/invalid",
        "error",
        FILE,
        line,
        column + "title: |".len(),
    )]);
}

#[test]
fn frontmatter_missing_nested_key_is_located_at_its_mapping() {
    let text = edit(&valid_guide(), "  role: Analyst\n", "");
    let report = check_guide(&text);
    assert_eq!(report.codes(), ["frontmatter/invalid"], "{report}");
    let d = &report.diagnostics[0];
    assert!(d.message.contains("`role`"), "{report}");
    // The `access:` key, or the first key of its mapping.
    let at = (d.line, d.column);
    assert!(
        at == pos(&text, "access:") || at == pos(&text, "grantee:"),
        "{report}"
    );
}

#[test]
fn frontmatter_unknown_key() {
    let text = edit(&valid_guide(), "platform: Meta", "platfrom: Meta");
    let report = assert_only_error(&text, "frontmatter/unknown-key", "platfrom");
    assert!(
        report.diagnostics[0]
            .message
            .contains("did you mean `platform`"),
        "{report}"
    );

    // Nested, inside a flow mapping of a form field.
    let text = edit(&valid_guide(), "label: Account Id", "lable: Account Id");
    let report = assert_only_error(&text, "frontmatter/unknown-key", "lable");
    assert!(
        report.diagnostics[0]
            .message
            .contains("did you mean `label`"),
        "{report}"
    );

    let text = edit(
        &valid_guide(),
        "platform: Meta",
        "platform: Meta\nsummary: Grant access.",
    );
    check_guide(&text).assert_clean();
}

#[test]
fn frontmatter_duplicate_source() {
    // Reported once, at the `source` value of the second file (by name).
    let site = Site::new();
    site.guide("meta", &valid_guide());
    site.guide("other", &valid_guide());
    let (line, column) = pos(VALID, "meta\n");
    let report = site.check();
    // The second file's name is not its source either.
    report.assert_exactly(&[
        (
            "frontmatter/duplicate-source",
            "error",
            "content/other.md",
            line,
            column,
        ),
        (
            "frontmatter/source-mismatch",
            "warning",
            "content/other.md",
            line,
            column,
        ),
    ]);
    assert!(
        report.diagnostics[0].message.contains("content/meta.md"),
        "names the first guide: {report}"
    );

    let site = Site::new();
    site.guide("meta", &valid_guide());
    site.guide(
        "other",
        &edit(&valid_guide(), "source: meta", "source: other"),
    );
    site.check().assert_clean();
}

#[test]
fn frontmatter_duplicate_source_is_reported_on_the_guide_not_named_after_it() {
    // `meta.md` takes the source of `tiktok.md`: the error is on the file
    // edited, though `meta.md` sorts first, and names the owner.
    let site = Site::new();
    let taken = edit(&valid_guide(), "source: meta", "source: tiktok");
    site.guide("meta", &taken);
    site.guide(
        "tiktok",
        &edit(&valid_guide(), "source: meta", "source: tiktok"),
    );
    let (line, column) = pos(&taken, "tiktok\n");
    let report = site.check();
    report.assert_exactly(&[
        ("frontmatter/duplicate-source", "error", FILE, line, column),
        ("frontmatter/source-mismatch", "warning", FILE, line, column),
    ]);
    assert!(
        report.diagnostics[0].message.contains("content/tiktok.md"),
        "names the owner: {report}"
    );
}

#[test]
fn a_link_into_the_first_of_two_guides_sharing_a_source_checks_its_ids() {
    // Only the duplicate is an error; the link names an id the first has.
    let site = Site::new();
    site.guide("meta", &with_body("## Only in the first"));
    site.guide("other", &valid_guide());
    site.guide(
        "linker",
        &with_body("See [it](meta.md#only-in-the-first).")
            .replace("source: meta", "source: linker"),
    );
    assert_eq!(
        site.check().codes(),
        [
            "frontmatter/duplicate-source",
            "frontmatter/source-mismatch"
        ]
    );
}

// ---------------------------------------------------------------------------
// steps/*
// ---------------------------------------------------------------------------

#[test]
fn steps_missing() {
    // The same instructions as a bullet list: no ordered list, no steps.
    let text = VALID
        .replace("1. ", "- ")
        .replace("2. ", "- ")
        .replace("3. ", "- ");
    let report = check_guide(&text);
    report.assert_has("steps/missing", "error", FILE, pos(&text, "## Grant"));
    assert_eq!(report.status, 1);

    check_guide(&valid_guide()).assert_clean();
}

#[test]
fn steps_empty() {
    let text = with_body("4.");
    let report = assert_only_error(&text, "steps/empty", "4.");
    assert!(report.diagnostics[0].message.contains("step 4"), "{report}");

    // Blank but for spaces or a non-breaking space pasted from a word processor.
    let text = edit(
        &valid_guide(),
        "3. Give the role **Analyst**.\n",
        "3. Give the role **Analyst**.\n4. &nbsp;\n",
    );
    assert_only_error(&text, "steps/empty", "4. &nbsp;");

    let text = with_body("4. Click **Save**.");
    check_guide(&text).assert_clean();
}

#[test]
fn nested_lists_are_not_steps() {
    // Nested items belong to their step: they are not steps, an empty nested
    // bullet does not make the step empty, nested numbering is not checked,
    // and a step whose only content is a nested list has text.
    let text = edit(
        &valid_guide(),
        "1. Open **Settings**.\n2. Invite [data@agency.example](mailto:data@agency.example).\n",
        "1. Open **Settings**:
   - on a desktop, the gear icon at the top right;
   -
2. Invite [data@agency.example](mailto:data@agency.example):
   1. type the address;
   3. press **Send**.
",
    );
    let text = format!("{text}4.\n   - Check that the invitation shows as pending.\n");
    check_guide(&text).assert_clean();
}

#[test]
fn step_that_is_only_an_image_is_not_empty() {
    let text = edit(
        &valid_guide(),
        "3. Give the role",
        "3. ![shot](meta/shot.png)\n4. Give the role",
    );
    let site = Site::new();
    site.guide("meta", &text)
        .file("content/meta/shot.png", common::png(4, 3));
    site.check().assert_clean();

    // Without the asset it is a broken image, still not an empty step.
    assert_only_error(&text, "link/broken", "![shot]");
}

#[test]
fn step_that_is_only_an_html_image_is_not_empty() {
    let text = edit(
        &valid_guide(),
        "3. Give the role",
        "3. <img src=\"meta/shot.png\" alt=\"shot\" width=\"300\">\n4. Give the role",
    );
    let site = Site::new();
    site.guide("meta", &text)
        .file("content/meta/shot.png", common::png(4, 3));
    site.check().assert_clean();
}

#[test]
fn steps_numbering_accepts_intended_numbers() {
    // A second list that goes on at 3 after a heading, on purpose.
    let text = with_body("## Check the grant\n\n3. Open **Members** again.\n4. Check the role.");
    check_guide(&text).assert_clean();

    // Lazy numbering, every item written `1.`.
    let text = VALID.replace("2. ", "1. ").replace("3. ", "1. ");
    assert_eq!(text.matches("\n1. ").count(), 3);
    check_guide(&text).assert_clean();

    // `)` delimiters count too.
    let text = VALID
        .replace("1. ", "1) ")
        .replace("2. ", "2) ")
        .replace("3. ", "3) ");
    check_guide(&text).assert_clean();
}

#[test]
fn steps_numbering_repeat_is_an_error() {
    let text = edit(&valid_guide(), "3. Give", "2. Give");
    let report = assert_only_error(&text, "steps/numbering", "2. Give");
    assert!(
        report.diagnostics[0].message.contains("repeats"),
        "{report}"
    );
}

#[test]
fn steps_numbering_skip_is_an_error() {
    let text = edit(&valid_guide(), "3. Give", "4. Give");
    let report = assert_only_error(&text, "steps/numbering", "4. Give");
    assert!(report.diagnostics[0].message.contains("skips"), "{report}");
}

#[test]
fn steps_numbering_in_an_indented_list() {
    // Up to three spaces before a marker is still a top-level list.
    let text = with_body(
        "## Check the grant\n\n 1. Open **Members**.\n 2. Find the agency.\n 4. Check the role.",
    );
    assert_only_error(&text, "steps/numbering", "4. Check");
}

#[test]
fn steps_empty_in_an_indented_list_points_at_the_marker() {
    let text = with_body("## Check the grant\n\n  1. Open **Members**.\n  2.");
    assert_only_error(&text, "steps/empty", "2.\n");
}

#[test]
fn steps_grantee_missing() {
    // The address appears only outside the steps.
    let text = edit(
        &valid_guide(),
        "2. Invite [data@agency.example](mailto:data@agency.example).",
        "2. Invite the agency's account.",
    );
    let text = format!("{text}\nThe agency's account is data@agency.example.\n");
    let (line, column) = pos(&text, "data@agency.example\n");
    check_guide(&text).assert_exactly(&[("steps/grantee-missing", "error", FILE, line, column)]);

    // Plain text names it as well as a link does.
    let text = edit(
        &valid_guide(),
        "2. Invite [data@agency.example](mailto:data@agency.example).",
        "2. Invite data@agency.example.",
    );
    check_guide(&text).assert_clean();
}

#[test]
fn steps_grantee_must_be_named_as_a_whole_address() {
    let text = edit(
        &valid_guide(),
        "2. Invite [data@agency.example](mailto:data@agency.example).",
        "2. Invite [bigdata@agency.example](mailto:bigdata@agency.example).",
    );
    let report = check_guide(&text);
    report.assert_has(
        "steps/grantee-missing",
        "error",
        FILE,
        pos(&text, "data@agency.example\n"),
    );
    assert_eq!(report.status, 1, "{report}");
}

#[test]
fn steps_role_missing() {
    let text = edit(
        &valid_guide(),
        "3. Give the role **Analyst**.",
        "3. Give the role **Viewer**.",
    );
    let text = format!("{text}\nAnalyst is the role we need.\n");
    let (line, column) = pos(&text, "Analyst\n");
    check_guide(&text).assert_exactly(&[("steps/role-missing", "error", FILE, line, column)]);

    // Named in any case.
    let text = edit(&valid_guide(), "**Analyst**", "**analyst**");
    check_guide(&text).assert_clean();
}

// ---------------------------------------------------------------------------
// email/*
// ---------------------------------------------------------------------------

#[test]
fn email_invalid_in_front_matter() {
    let text = edit(
        &valid_guide(),
        "contacts: [ops@agency.example]",
        "contacts: [ops@agency]",
    );
    // (The paragraph naming the contact goes too: it would be email/unknown.)
    let text = edit(
        &text,
        "Give ops@agency.example the same access before onboarding.\n",
        "",
    );
    assert_only_error(&text, "email/invalid", "ops@agency]");
}

#[test]
fn email_invalid_in_text() {
    let text = with_body("Questions? Write to ops@agency.");
    assert_only_error(&text, "email/invalid", "ops@agency.\n");

    let text = with_body("Questions? Write to ops@agency.example.");
    check_guide(&text).assert_clean();
}

#[test]
fn email_invalid_in_mailto() {
    let text = with_body("Questions? Write to [us](mailto:ops@@agency.example).");
    assert_only_error(&text, "email/invalid", "[us]");

    let text = with_body("Questions? Write to [us](mailto:ops@agency.example).");
    check_guide(&text).assert_clean();
}

#[test]
fn email_mismatch() {
    let text = with_body("Questions? Write to [ops@agency.example](mailto:data@agency.example).");
    let report = assert_only_error(&text, "email/mismatch", "[ops@agency.example](");
    assert!(report.diagnostics[0].message.contains("ops@agency.example"));

    // The same address, shown in another case.
    let text = with_body("Questions? Write to [OPS@agency.example](mailto:ops@agency.example).");
    check_guide(&text).assert_clean();
}

#[test]
fn escaped_underscore_that_renders_as_the_address_is_no_mismatch() {
    // `\_` renders as `_`: the reader sees the target address.
    let text = with_body(
        r"Questions? Write to [ops\_team@agency.example](mailto:ops_team@agency.example).",
    );
    let text = edit(
        &text,
        "contacts: [ops@agency.example]",
        "contacts: [ops@agency.example, ops_team@agency.example]",
    );
    check_guide(&text).assert_clean();

    // `\\_` renders as `\_`, as in the seed guide.
    let text = edit(&text, r"[ops\_team", r"[ops\\_team");
    assert_only_error(&text, "email/mismatch", "[ops\\");
}

#[test]
fn email_mismatch_only_for_a_different_address() {
    // The address shown is the target: nothing is mismatched.
    let text = with_body("Questions? [Write to ops@agency.example](mailto:ops@agency.example).");
    check_guide(&text).assert_clean();
}

#[test]
fn mailto_query_is_not_part_of_the_address() {
    let text = edit(
        &valid_guide(),
        "(mailto:data@agency.example)",
        "(mailto:data@agency.example?subject=Access%20request)",
    );
    check_guide(&text).assert_clean();

    let text = with_body(
        "Questions? Write to [ops@agency.example](mailto:data@agency.example?subject=Hi).",
    );
    assert_only_error(&text, "email/mismatch", "[ops@agency.example](");
}

#[test]
fn email_unknown() {
    let text = with_body("Questions? Write to someone@agency.example.");
    let (line, column) = pos(&text, "someone@");
    let report = check_guide(&text);
    report.assert_exactly(&[("email/unknown", "warning", FILE, line, column)]);
    assert_eq!(report.status, 0, "a warning alone exits 0");

    // A mailto: target counts as a body address too.
    let text = with_body("Questions? Write to [us](mailto:someone@agency.example).");
    let (line, column) = pos(&text, "[us]");
    check_guide(&text).assert_exactly(&[("email/unknown", "warning", FILE, line, column)]);

    // A contact, bolded.
    let text = with_body("Questions? Write to **ops@agency.example**.");
    check_guide(&text).assert_clean();
}

#[test]
fn addresses_in_code_are_examples() {
    let text = with_body(
        "Addresses look like `someone@other.example`; `bad@address` is not one.

```
who@other.example
not-an@address
```",
    );
    check_guide(&text).assert_clean();
}

// ---------------------------------------------------------------------------
// link/*
// ---------------------------------------------------------------------------

#[test]
fn link_placeholder() {
    let text = with_body("Read the [Guide](#) first.");
    assert_only_error(&text, "link/placeholder", "[Guide]");

    let text = with_body("Read the [Guide]() first.");
    assert_only_error(&text, "link/placeholder", "[Guide]");

    let text = with_body("Read the [Guide](#grant-access) first.");
    check_guide(&text).assert_clean();
}

#[test]
fn reference_link_placeholder_is_reported_at_the_use() {
    let text = with_body("Read the [Guide][ref] first.\n\n[ref]: #");
    assert_only_error(&text, "link/placeholder", "[Guide][ref]");

    // Collapsed and shortcut forms, and an image.
    let text = with_body("Read the [ref][] first.\n\n[ref]: #");
    assert_only_error(&text, "link/placeholder", "[ref][]");
    let text = with_body("Read the [ref] first.\n\n[ref]: #");
    assert_only_error(&text, "link/placeholder", "[ref] first");
    let text = with_body("See ![the screen][ref].\n\n[ref]: #");
    assert_only_error(&text, "link/placeholder", "![the screen]");

    let text = with_body("Read the [Guide][ref] first.\n\n[ref]: https://agency.test/guide");
    check_guide(&text).assert_clean();
}

#[test]
fn html_link_placeholder_and_broken() {
    // Reported at the attribute that holds the bad URL.
    let text = with_body("Read the <a href=\"#\">Guide</a> first.");
    assert_only_error(&text, "link/placeholder", "href=");

    let text = with_body("<div>\n<a href=\"missing.md\">Other guide</a>\n</div>");
    assert_only_error(&text, "link/broken", "href=");

    let text = with_body("<div>\n<a href=\"https://agency.test/\">Guide</a>\n</div>");
    check_guide(&text).assert_clean();
}

#[test]
fn links_in_html_comments_are_ignored() {
    let text = with_body("<!-- <a href=\"#\">old link</a> -->");
    check_guide(&text).assert_clean();
}

#[test]
fn link_broken() {
    let text = with_body("See [the Google guide](google.md).");
    assert_only_error(&text, "link/broken", "[the Google guide]");

    let text = with_body("See [the screenshot](meta/missing.png).");
    assert_only_error(&text, "link/broken", "[the screenshot]");

    let site = Site::new();
    site.guide(
        "meta",
        &with_body("See [the other guide](other.md) and [the screenshot](meta/shot.png)."),
    )
    .guide(
        "other",
        &edit(&valid_guide(), "source: meta", "source: other"),
    )
    .file("content/meta/shot.png", common::png(4, 3));
    site.check().assert_clean();
}

/// `content/other.md`: a valid guide with an extra section.
fn other_guide() -> String {
    format!(
        "{}\n## Some heading\n\nMore text.\n",
        edit(&valid_guide(), "source: meta", "source: other")
    )
}

#[test]
fn link_anchor_in_another_guide() {
    let check = |link: &str| {
        let site = Site::new();
        let text = with_body(&format!("See [there]({link})."));
        site.guide("meta", &text).guide("other", &other_guide());
        (text, site.check())
    };
    for good in [
        "other.md#some-heading",
        "./other.md#grant-access",
        "other.md#grant-access-step-2",
    ] {
        check(good).1.assert_clean();
    }
    let (text, report) = check("other.md#some-headng");
    let (line, column) = pos(&text, "[there]");
    report.assert_exactly(&[("link/anchor", "error", FILE, line, column)]);
    assert!(
        report.diagnostics[0]
            .message
            .contains("did you mean `some-heading`"),
        "{report}"
    );
}

#[test]
fn link_anchor_to_headings_and_steps() {
    // Steps are `<heading-id>-step-<n>`, or `step-<n>` before any heading.
    let text = format!(
        "{}1. Read this first.\n\n{}",
        &VALID[..VALID.find("## Grant").unwrap()],
        &VALID[VALID.find("## Grant").unwrap()..]
    );
    let text =
        format!("{text}\nSee [a](#step-1), [b](#grant-access), [c](#grant-access-step-3).\n");
    check_guide(&text).assert_clean();

    for bad in [
        "#step-2",
        "#grant-access-step-4",
        "#Grant-Access",
        "#nowhere",
    ] {
        let text = with_body(&format!("See [there]({bad})."));
        assert_only_error(&text, "link/anchor", "[there]");
    }

    // A list that starts at 3 numbers its ids from 3, as the reader sees them.
    let text = with_body(
        "## Check\n\n3. Open **Members**.\n4. Check the role.\n\nSee [a](#check-step-3), [b](#check-step-4).",
    );
    check_guide(&text).assert_clean();
    let text = with_body(
        "## Check\n\n3. Open **Members**.\n4. Check the role.\n\nSee [a](#check-step-1).",
    );
    assert_only_error(&text, "link/anchor", "[a]");
}

#[test]
fn link_anchor_with_duplicate_headings() {
    // The second `Grant access` heading is `grant-access-1`, its steps
    // `grant-access-1-step-<n>`.
    let text = with_body(
        "## Grant access\n\n1. Check the grant.\n\nSee [the second](#grant-access-1) and [its step](#grant-access-1-step-1).",
    );
    check_guide(&text).assert_clean();

    let text =
        with_body("## Grant access\n\n1. Check the grant.\n\nSee [a third](#grant-access-2).");
    assert_only_error(&text, "link/anchor", "[a third]");
}

#[test]
fn link_anchor_to_custom_heading_id() {
    let text = with_body("## Check the grant {#check}\n\nSee [it](#check).");
    check_guide(&text).assert_clean();

    let text = with_body("## Check the grant {#check}\n\nSee [it](#check-the-grant).");
    assert_only_error(&text, "link/anchor", "[it]");
}

#[test]
fn link_anchor_decodes_percent_encoding() {
    let text = with_body("## Über uns\n\nSee [us](#%C3%BCber-uns).");
    check_guide(&text).assert_clean();
}

#[test]
fn link_insecure() {
    let text = with_body("See [the portal](http://portal.agency.test/).");
    let (line, column) = pos(&text, "[the portal]");
    let report = check_guide(&text);
    report.assert_exactly(&[("link/insecure", "warning", FILE, line, column)]);
    assert_eq!(report.status, 0, "a warning alone exits 0");

    // An autolink, at its `<`.
    let text = with_body("See <http://portal.agency.test/>.");
    let (line, column) = pos(&text, "<http");
    check_guide(&text).assert_exactly(&[("link/insecure", "warning", FILE, line, column)]);

    let text =
        with_body("See <https://portal.agency.test/> and [it](https://portal.agency.test/).");
    check_guide(&text).assert_clean();
}

// ---------------------------------------------------------------------------
// form/invalid
// ---------------------------------------------------------------------------

#[test]
fn form_invalid_unknown_type() {
    let text = edit(&valid_guide(), "type: text", "type: txt");
    let report = assert_only_error(&text, "form/invalid", "txt");
    assert!(
        report.diagnostics[0]
            .message
            .contains("did you mean `text`"),
        "{report}"
    );

    let text = edit(&valid_guide(), "type: text", "type: tel");
    check_guide(&text).assert_clean();
}

#[test]
fn form_invalid_regex() {
    let text = edit(&valid_guide(), "'^[0-9]{6,20}$'", "'^[0-9{6,20}$'");
    assert_only_error(&text, "form/invalid", "'^[0-9{6,20}$'");
}

#[test]
fn form_invalid_duplicate_name() {
    let field = "    - { name: account_id, label: Account Id, type: text, pattern: '^[0-9]{6,20}$', required: true }\n";
    let text = edit(
        &valid_guide(),
        field,
        &format!("{field}    - {{ name: account_id, label: Again, type: text }}\n"),
    );
    assert_only_error(&text, "form/invalid", "{ name: account_id, label: Again");

    let text = edit(
        &valid_guide(),
        field,
        &format!("{field}    - {{ name: client, label: Client, type: select, options: [a, b] }}\n"),
    );
    check_guide(&text).assert_clean();
}

// ---------------------------------------------------------------------------
// text/placeholder
// ---------------------------------------------------------------------------

#[test]
fn text_placeholder() {
    let text = with_body("Screenshots: TODO.");
    let (line, column) = pos(&text, "TODO");
    let report = check_guide(&text);
    report.assert_exactly(&[("text/placeholder", "warning", FILE, line, column)]);
    assert_eq!(report.status, 0, "a warning alone exits 0");

    for marker in ["TBD", "FIXME", "Lorem ipsum"] {
        let text = with_body(&format!("Screenshots: {marker} dolor."));
        let (line, column) = pos(&text, marker);
        check_guide(&text).assert_exactly(&[("text/placeholder", "warning", FILE, line, column)]);
    }

    // A marker spelled with an entity is one when the reader sees it, even
    // though the guide's source holds no marker.
    let text = with_body("Screenshots: &#84;BD.");
    let report = check_guide(&text);
    assert_eq!(report.codes(), ["text/placeholder"], "{report}");

    // In the front matter, which the portal reads, they are errors.
    for (from, to) in [
        ("title: Meta access", "title: Meta TBD access"),
        ("platform: Meta", "platform: TBD"),
    ] {
        let text = edit(&valid_guide(), from, to);
        let (line, column) = pos(&text, "TBD");
        check_guide(&text).assert_exactly(&[(
            "frontmatter/placeholder",
            "error",
            FILE,
            line,
            column,
        )]);
    }
    // Quoted, the value differs from its source: the whole value is marked,
    // and no offset lands inside a character.
    for quoted in ["\"Meta TBD: access\"", "\"—TODO\"", "'Meta''s TBD'"] {
        let text = edit(
            &valid_guide(),
            "title: Meta access",
            &format!("title: {quoted}"),
        );
        let (line, column) = pos(&text, quoted);
        check_guide(&text).assert_exactly(&[(
            "frontmatter/placeholder",
            "error",
            FILE,
            line,
            column,
        )]);
        // The rustc-style report draws the excerpt: it must not panic.
        let site = Site::new();
        site.guide("meta", &text);
        let output = site.run(&["check", "--offline"]);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
    }

    // An ordinary word, and code.
    let text = with_body("Nothing more to do: no todo list. Search for `TODO`.\n\n```\nTODO\n```");
    check_guide(&text).assert_clean();
}

// ---------------------------------------------------------------------------
// site.yaml
// ---------------------------------------------------------------------------

#[test]
fn lints_raise_a_warning_to_an_error() {
    let text = with_body("See <http://portal.agency.test/>.");
    let (line, column) = pos(&text, "<http");
    let site = Site::new();
    site.guide("meta", &text)
        .site_yaml("lints: { link/insecure: error }\n");
    let report = site.check();
    report.assert_exactly(&[("link/insecure", "error", FILE, line, column)]);
    assert_eq!(report.status, 1);
}

#[test]
fn lints_allow_drops_a_code() {
    let site = Site::new();
    site.guide("meta", &with_body("4."))
        .site_yaml("lints: { steps/empty: allow }\n");
    site.check().assert_clean();
}

#[test]
fn lints_with_an_unknown_code_are_a_config_error() {
    let site = Site::new();
    site.guide("meta", &valid_guide())
        .site_yaml("lints:\n  steps/emtpy: warn\n");
    let output = site.run(&["check", "--offline", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("did you mean `steps/empty`"), "{stderr}");
    assert!(stderr.contains("site.yaml:2:"), "{stderr}");
}

#[test]
fn allowed_domains_limit_addresses() {
    let text = with_body("Write to x@other.example or ops@agency.example.");
    let site = Site::new();
    site.guide("meta", &text)
        .site_yaml("emails: { allowed_domains: [agency.example] }\n");
    let report = site.check();
    let invalid = report.assert_has("email/invalid", "error", FILE, pos(&text, "x@other"));
    assert!(invalid.message.contains("agency.example"), "{report}");
    let ops = pos(&text, "ops@agency.example.");
    assert!(
        report.diagnostics.iter().all(|d| (d.line, d.column) != ops),
        "agency addresses are left alone\n{report}"
    );
    assert_eq!(
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == "email/invalid")
            .count(),
        1,
        "the grantee and contact in the front matter are agency addresses\n{report}"
    );

    // Without the restriction the address is merely unknown.
    let report = check_guide(&text);
    report.assert_no("email/invalid");
    assert_eq!(report.status, 0, "{report}");
}

// ---------------------------------------------------------------------------
// Report formats, exit codes, build
// ---------------------------------------------------------------------------

#[test]
fn github_format() {
    let text = with_body("4.\n\nSee <http://portal.agency.test/>.");
    let site = Site::new();
    site.guide("meta", &text);
    let output = site.run(&["check", "--offline", "--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let (empty_line, _) = pos(&text, "4.");
    let (insecure_line, insecure_col) = pos(&text, "<http");
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with(&format!(
            "::error file=content/meta.md,line={empty_line},col=1,title=steps/empty::"
        )),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "::warning file=content/meta.md,line={insecure_line},col={insecure_col},title=link/insecure::"
        )),
        "{stdout}"
    );
}

#[test]
fn human_format_is_the_default() {
    let text = with_body("4.");
    let (line, column) = pos(&text, "4.");
    let site = Site::new();
    site.guide("meta", &text);
    // stderr is a pipe here, not a terminal: no colours even without NO_COLOR.
    let output = site.run(&["check", "--offline"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("error[steps/empty]"), "{stderr}");
    assert!(
        stderr.contains(&format!("--> content/meta.md:{line}:{column}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{line} | 4.")),
        "the source line\n{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.trim_start().starts_with('|') && l.contains('^')),
        "an underline\n{stderr}"
    );
    assert_eq!(
        stderr.lines().last(),
        Some("1 error, 0 warnings"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no ANSI escapes off a terminal\n{stderr:?}"
    );
}

#[test]
fn warnings_alone_exit_zero() {
    let site = Site::new();
    site.guide("meta", &with_body("See <http://portal.agency.test/>."));
    let output = site.run(&["check", "--offline"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning[link/insecure]"), "{stderr}");
    assert_eq!(
        stderr.lines().last(),
        Some("0 errors, 1 warning"),
        "{stderr}"
    );
}

#[test]
fn build_refuses_an_invalid_site() {
    let site = Site::new();
    site.guide("meta", &with_body("4."));
    let output = site.run(&["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[steps/empty]"), "{stderr}");
    assert!(!site.root().join("dist").exists(), "no dist/ written");
}

#[test]
fn byte_order_mark_is_tolerated() {
    check_guide(&format!("\u{feff}{VALID}")).assert_clean();
}
