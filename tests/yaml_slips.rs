//! The YAML slips a new author makes, through the real binary: each one is
//! reported at the line and column of its cause, in plain words, with the
//! fix written on the author's own line. The README's "Common mistakes"
//! table lists the same slips.

mod common;

use common::{STEPS, SiteFixture, check_offline, guide_text};
use serde_json::Value;

/// A slip: what the valid guide's text becomes, and what `check` must say.
struct Slip {
    from: &'static str,
    to: &'static str,
    code: &'static str,
    /// 1-based line and column in the guide's file.
    at: (u64, u64),
    says: &'static str,
}

const fn slip(
    from: &'static str,
    to: &'static str,
    code: &'static str,
    at: (u64, u64),
    says: &'static str,
) -> Slip {
    Slip {
        from,
        to,
        code,
        at,
        says,
    }
}

const INVALID: &str = "frontmatter/invalid";

/// The guide of `tests/common` (`guide_text("meta", …)`), line by line:
///  1 `---`, 2 source, 3 title, 4 platform, 5 summary, 6 access, 7 grantee,
///  8 role, 9 contacts, 10 onboard, 11 portal, 12 fields, 13 and 14 the two
///  form fields, 15 `---`.
const SLIPS: &[Slip] = &[
    slip(
        "summary: Grant Analyst access",
        "summary: Meta: grant Analyst access",
        INVALID,
        (5, 14),
        "a `:` followed by a space inside a value makes YAML read it as a new key: put the value \
         in quotes: `summary: \"Meta: grant Analyst access to your Meta ad account.\"`",
    ),
    slip(
        "help: The id of your ad account",
        "help: The id, without the act_ prefix",
        INVALID,
        (14, 112),
        "the comma in the value of `help` ends that value inside `{ … }`, so YAML reads \
         `without the act_ prefix` as a key: put the value in quotes: \
         `help: \"The id, without the act_ prefix\"`",
    ),
    slip(
        "title: Meta access guide",
        "title: Step #1 of the Meta guide",
        INVALID,
        (3, 13),
        "` #` starts a comment in YAML, so the value is only `Step`: to keep `#1 of the Meta \
         guide`, put the value in quotes: `title: \"Step #1 of the Meta guide\"`; for a comment, \
         write `# ` with a space",
    ),
    slip(
        "  role: Analyst",
        "\trole: Analyst",
        INVALID,
        (8, 1),
        "a tab indents this line, and YAML indents with spaces only: replace the tab with spaces",
    ),
    slip(
        "contacts: [ops@agency.test, team@agency.test]",
        "contacts:\n  - ops@agency.test\n  -team@agency.test",
        INVALID,
        (11, 3),
        "a list item needs a space after its `-`: write `- team@agency.test`",
    ),
    slip(
        "title: Meta access guide",
        "title:Meta access guide",
        INVALID,
        (3, 6),
        "`title:Meta access guide` needs a space after the colon to be a key and its value: \
         write `title: Meta access guide`",
    ),
    slip(
        "title: Meta access guide",
        "title: \"Meta access guide",
        INVALID,
        (3, 8),
        "the `\"` that opens this value is not closed on its line: end the value with `\"`: \
         `title: \"Meta access guide\"`",
    ),
    slip(
        "title: Meta access guide",
        "title: 'Meta access guide",
        INVALID,
        (3, 8),
        "end the value with `'`: `title: 'Meta access guide'`",
    ),
    slip(
        "contacts: [ops@agency.test, team@agency.test]",
        "contacts: [ops@agency.test, team@agency.test",
        INVALID,
        (9, 11),
        "this `[` is never closed, so YAML reads the lines after it as part of the list: close \
         it at the end of its value: `contacts: [ops@agency.test, team@agency.test]`",
    ),
    slip(
        "help: The id of your ad account }",
        "help: The id of your ad account",
        INVALID,
        (14, 7),
        "this `{` is never closed",
    ),
    slip(
        "platform: Meta\n",
        "platform: Meta\ntitle: Meta guide\n",
        INVALID,
        (5, 1),
        "`title` is written twice: 2 lines above (`title: Meta access guide`) and here: keep \
         one of them",
    ),
    slip(
        "  role: Analyst",
        "   role: Analyst",
        INVALID,
        (8, 4),
        "`role:` is indented 3 spaces, deeper than `grantee:` on the line above (2 spaces), so \
         YAML reads it as more of the value `data@agency.test`: indent the keys of one block \
         the same",
    ),
    slip(
        "    - { name: source_ids",
        "- { name: source_ids",
        INVALID,
        (13, 1),
        "the items under `fields:` start left of it (0 spaces, the key 2 spaces), so they are \
         not read as its list: indent them at least as far as `fields:`",
    ),
    slip(
        "  grantee: data@agency.test",
        "  grantee: @data",
        INVALID,
        (7, 12),
        "a value cannot start with `@` in YAML, which reserves it: put the value in quotes: \
         `grantee: \"@data\"`",
    ),
    slip(
        "title: Meta access guide",
        "title: %50 faster access",
        INVALID,
        (3, 8),
        "a value cannot start with `%` in YAML, which reserves it: put the value in quotes: \
         `title: \"%50 faster access\"`",
    ),
    slip(
        "title: Meta access guide",
        "title: *Meta* access guide",
        INVALID,
        (3, 8),
        "a value cannot start with `*` in YAML, which reserves it: put the value in quotes: \
         `title: \"*Meta* access guide\"`",
    ),
    slip(
        "title: Meta access guide",
        "title: “Meta: access”",
        INVALID,
        (3, 8),
        "the value is in curly quotes `“…`, which YAML reads as ordinary text, not as quotes \
         (pasted from a word processor?): use straight quotes: `title: \"Meta: access\"`",
    ),
    slip(
        "title: Meta access guide",
        "title: \"Meta\" access guide",
        INVALID,
        (3, 14),
        "the value starts with a quoted part and goes on after the closing quote: put the whole \
         value in quotes: `title: '\"Meta\" access guide'`",
    ),
    slip(
        "platform: Meta",
        "platform Meta",
        INVALID,
        (4, 9),
        "this line has no `:`, so YAML cannot tell the key from the value: write `platform: Meta`",
    ),
    slip(
        "platform: Meta\n",
        "platform: Meta\norder: first\n",
        INVALID,
        (5, 8),
        "`order` must be a whole number, like `20`, not `first`",
    ),
    slip(
        "platform: Meta\n",
        "platform: Meta\ndraft: maybe\n",
        INVALID,
        (5, 8),
        "`draft` must be `true` or `false`, not `maybe`",
    ),
    slip(
        "contacts: [ops@agency.test, team@agency.test]",
        "contacts: ops@agency.test",
        INVALID,
        (9, 11),
        "`contacts` must be a list: write `contacts: [ops@agency.test]`",
    ),
];

/// The diagnostic with `code` on `line`; the lead's recovery may report
/// more (the body is still checked), so the others are not asserted.
fn find<'a>(diagnostics: &'a [Value], code: &str, line: u64) -> Option<&'a Value> {
    diagnostics
        .iter()
        .find(|d| d["code"] == code && d["line"] == line)
}

#[test]
fn each_slip_is_reported_at_its_cause_with_the_fix() {
    let valid = guide_text("meta", &[], STEPS);
    let site = SiteFixture::new();
    site.file("content/meta.md", &valid);
    let clean = check_offline(site.path());
    assert_eq!(clean.code, 0, "the fixture is valid: {:?}", clean.json);
    let mut failures = Vec::new();
    for slip in SLIPS {
        assert!(
            valid.contains(slip.from),
            "{:?} not in the guide",
            slip.from
        );
        site.file("content/meta.md", valid.replacen(slip.from, slip.to, 1));
        let run = check_offline(site.path());
        let json = run
            .json
            .unwrap_or_else(|| panic!("{:?}: no JSON: {}", slip.to, run.stderr));
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let found = find(diagnostics, slip.code, slip.at.0);
        let ok = run.code == 1
            && found.is_some_and(|d| {
                d["column"] == slip.at.1
                    && d["file"] == "content/meta.md"
                    && d["message"].as_str().unwrap().contains(slip.says)
            });
        if !ok {
            failures.push(format!(
                "{:?} (exit {}): want {} at {}:{} saying\n  {}\ngot {diagnostics:#?}",
                slip.to, run.code, slip.code, slip.at.0, slip.at.1, slip.says
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_slip_is_told_in_the_parser_s_words_alone() {
    let raw = [
        "mapping values are not allowed",
        "did not find expected",
        "unexpected character",
        "simple key expected",
        "found a tab",
        "unclosed quote",
        "expected sequence start",
        "invalid i64",
    ];
    let valid = guide_text("meta", &[], STEPS);
    let site = SiteFixture::new();
    for slip in SLIPS {
        site.file("content/meta.md", valid.replacen(slip.from, slip.to, 1));
        let json = check_offline(site.path()).json.unwrap();
        for d in json["diagnostics"].as_array().unwrap() {
            let message = d["message"].as_str().unwrap();
            assert!(
                !raw.iter().any(|r| message.contains(r)),
                "{:?}: {message}",
                slip.to
            );
        }
    }
}

#[test]
fn the_readme_s_own_front_matter_still_parses() {
    // Comments after values (`# required, unique; …`) and a flow mapping
    // over two lines; and nothing in it is a placeholder an author copying
    // it would publish (it once had `options: [...]`).
    let readme = include_str!("../README.md");
    let start = readme
        .find("   ---\n   source: meta")
        .expect("the README's example");
    let end = start + readme[start + 7..].find("   ---\n").unwrap() + 7 + "   ---\n".len();
    let front: String = readme[start..end]
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("   ").unwrap_or(l)))
        .collect();
    let site = SiteFixture::new();
    site.file("content/meta.md", format!("{front}{STEPS}"));
    let json = check_offline(site.path()).json.unwrap();
    let yaml_errors: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            let message = d["message"].as_str().unwrap();
            d["code"] == INVALID && (message.contains("YAML") || message.contains("quotes"))
        })
        .collect();
    assert!(yaml_errors.is_empty(), "{yaml_errors:#?}");
    let placeholders: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "frontmatter/placeholder")
        .collect();
    assert!(placeholders.is_empty(), "{placeholders:#?}");
}

#[test]
fn site_yaml_slips_are_explained_the_same_way() {
    for (text, at, says) in [
        (
            "title: Help: onboarding\n",
            "site.yaml:1:12:",
            "put the value in quotes: `title: \"Help: onboarding\"`",
        ),
        (
            "title: Help\nemails:\n  allowed_domains: [agency.example]\ntitle: Onboarding\n",
            "site.yaml:4:1:",
            "`title` is written twice: 3 lines above (`title: Help`) and here: keep one of them",
        ),
        (
            "onboard:\n\tendpoint: https://portal.agency.test/api\n",
            "site.yaml:2:1:",
            "a tab indents this line",
        ),
    ] {
        let site = SiteFixture::new();
        site.site_yaml(text).guide("meta", STEPS);
        let run = check_offline(site.path());
        assert_eq!(run.code, 2, "{text:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(at) && run.stderr.contains(says),
            "{text:?}: want {at} … {says}\ngot {}",
            run.stderr
        );
    }
}
