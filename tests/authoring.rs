//! A new author's ordinary slips (issue 13): each is caught at its line with
//! the fix in the message, a front matter mistake never hides the body's,
//! and an unfilled scaffold cannot be published. Real sites on disk, the
//! real binary.

mod common;

use common::{STEPS, SiteFixture, assert_exit, check_json, guide_text, line_of};

/// `(code, line, message)` of what `check --offline` reports, and its exit code.
fn checked(site: &SiteFixture) -> (i32, Vec<(String, u64, String)>) {
    let run = check_json(site.path(), &["--offline"]);
    (run.code, run.found())
}

/// The codes and lines reported, in order.
fn codes_at(found: &[(String, u64, String)]) -> Vec<(&str, u64)> {
    found.iter().map(|(c, l, _)| (c.as_str(), *l)).collect()
}

/// `content/meta.md` holding `text`.
fn site_of(text: &str) -> SiteFixture {
    let site = SiteFixture::new();
    site.file("content/meta.md", text);
    site
}

/// The body every case starts from, with one empty step and a placeholder link.
const FAULTY_BODY: &str = "## Grant access

1. Open the **Members** page of your ad account.
2. Invite [data@agency.test](mailto:data@agency.test) as a member.
3. Give the member the **Analyst** role.
4.

Before onboarding, give ops@agency.test and team@agency.test the same access.
Read the [Guide](#) first.
";

#[test]
fn a_front_matter_mistake_never_hides_the_bodys() {
    let valid = guide_text("meta", &[], FAULTY_BODY);
    let line = |needle: &str| line_of(&valid, needle) as u64;
    let body = [
        ("steps/empty", line("4.")),
        ("link/placeholder", line("[Guide](#)")),
    ];
    for (slip, from, to, slip_code) in [
        (
            "a key typed wrong",
            "summary:",
            "sumary:",
            "frontmatter/unknown-key",
        ),
        (
            "an unquoted colon",
            "summary: Grant",
            "summary: Meta: grant",
            "frontmatter/invalid",
        ),
        (
            "an unclosed quote",
            "summary: Grant",
            "summary: \"Grant",
            "frontmatter/invalid",
        ),
        (
            "a tab for indentation",
            "  role: Analyst",
            "\trole: Analyst",
            "frontmatter/invalid",
        ),
    ] {
        let text = valid.replacen(from, to, 1);
        let site = site_of(&text);
        let (code, found) = checked(&site);
        let slip_line = line_of(&text, to.trim()) as u64;
        let mut want = vec![(slip_code, slip_line)];
        want.extend(body);
        assert_eq!(codes_at(&found), want, "{slip}: {found:?}");
        assert_eq!(code, 1, "{slip}");
        // Checked, never published.
        assert_exit(&site.run(&["build"]), 1);
        assert!(!site.path().join("dist").exists(), "{slip}");
    }
    // No front matter at all: the body is still checked.
    let site = site_of(FAULTY_BODY);
    let (_, found) = checked(&site);
    let line = |needle: &str| line_of(FAULTY_BODY, needle) as u64;
    assert_eq!(
        codes_at(&found),
        [
            ("frontmatter/missing", 1),
            ("steps/empty", line("4.")),
            ("link/placeholder", line("[Guide](#)"))
        ],
        "{found:?}"
    );
}

#[test]
fn front_matter_placeholders_are_errors_and_the_same_in_the_body_a_warning() {
    for (key, written, shown) in [
        (
            "access",
            "\n  grantee: TODO@example.com\n  role: Analyst",
            "TODO",
        ),
        (
            "contacts",
            "[ops@agency.test, team@example.org]",
            "team@example.org",
        ),
        ("summary", "TBD", "TBD"),
        ("summary", "\"...\"", "..."),
        ("summary", "…", "…"),
        (
            "onboard",
            "\n  portal: https://portal.example.net/onboard\n  fields:\n    - { name: ids, label: Ids, type: select, options: [...] }",
            "portal.example.net",
        ),
    ] {
        let text = guide_text("meta", &[(key, written)], STEPS);
        let site = site_of(&text);
        let (code, found) = checked(&site);
        let placeholders: Vec<&(String, u64, String)> = found
            .iter()
            .filter(|(c, ..)| c == "frontmatter/placeholder")
            .collect();
        assert!(!placeholders.is_empty(), "{key}: {written}: {found:?}");
        assert!(
            placeholders.iter().any(|(_, _, m)| m.contains(shown)),
            "{key}: {written}: {placeholders:?}"
        );
        assert_eq!(code, 1, "an error: {written}");
    }
    // `options: [...]` is its own placeholder, at the field's line.
    let fields = "\n  portal: https://portal.agency.test/\n  fields:\n    - { name: ids, label: Ids, type: select, options: [...] }";
    let text = guide_text("meta", &[("onboard", fields)], STEPS);
    let (_, found) = checked(&site_of(&text));
    assert_eq!(
        codes_at(&found),
        [(
            "frontmatter/placeholder",
            line_of(&text, "options: [...]") as u64
        )],
        "{found:?}"
    );
    // The body's TODO is a warning: the guide still builds.
    let site = site_of(&guide_text(
        "meta",
        &[],
        &format!("{STEPS}\nTODO: a screenshot.\n"),
    ));
    let (code, found) = checked(&site);
    assert_eq!(code, 0);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "text/placeholder");
}

#[test]
fn a_source_other_than_the_file_name_is_said() {
    let text = guide_text("facebook", &[], STEPS);
    let site = site_of(&text);
    let (code, found) = checked(&site);
    assert_eq!(code, 0, "a warning");
    assert_eq!(
        codes_at(&found),
        [(
            "frontmatter/source-mismatch",
            line_of(&text, "source:") as u64
        )]
    );
    assert!(found[0].2.contains("`meta.md`"), "{}", found[0].2);
    assert!(found[0].2.contains("source: meta"), "{}", found[0].2);
    let site = site_of(&guide_text("meta", &[], STEPS));
    assert_eq!(checked(&site), (0, Vec::new()));
}

#[test]
fn a_missing_anchor_into_another_guide_lists_its_closest_ids() {
    let tiktok = "## Add the agency as a member\n\n1. Open **Members**.\n\
                  2. Invite [data@agency.test](mailto:data@agency.test).\n\n\
                  ## Give the member the Analyst permission\n\n1. Select the member.\n\
                  2. Set **Analyst**.\n\nGive ops@agency.test and team@agency.test access too.\n";
    for (fragment, says) in [
        // The README's pattern, with a heading that is not there.
        (
            "give-access-step-5",
            "its closest ids are `#give-the-member",
        ),
        // A near miss gets the one it meant.
        (
            "add-the-agency-as-a-membr",
            "did you mean `add-the-agency-as-a-member`",
        ),
    ] {
        let site = SiteFixture::new();
        site.guide("tiktok", tiktok);
        site.guide(
            "meta",
            &format!("{STEPS}\nSee [step 5](tiktok.md#{fragment}).\n"),
        );
        let (_, found) = checked(&site);
        assert_eq!(found.len(), 1, "{found:?}");
        let (code, _, message) = &found[0];
        assert_eq!(code, "link/anchor");
        assert!(message.contains(says), "{message}");
        let listed = message.split("closest ids are").nth(1).unwrap_or("");
        assert!(listed.matches("`#").count() <= 5, "at most five: {message}");
    }
}

#[test]
fn a_contact_no_step_gives_access_to_is_said() {
    let body = STEPS.replace(
        "Before onboarding, give ops@agency.test and team@agency.test the same access.\n",
        "Before onboarding, give [ops@agency.test](mailto:ops@agency.test) the same access.\n",
    );
    let text = guide_text("meta", &[], &body);
    let site = site_of(&text);
    let (code, found) = checked(&site);
    assert_eq!(code, 0, "a warning");
    assert_eq!(
        codes_at(&found),
        [("steps/contact-missing", line_of(&text, "contacts:") as u64)]
    );
    assert!(found[0].2.contains("team@agency.test"), "{}", found[0].2);
    assert!(
        found[0]
            .2
            .contains("Invite [team@agency.test](mailto:team@agency.test)"),
        "the fix: {}",
        found[0].2
    );
}
