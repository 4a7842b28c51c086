//! Real authors' Markdown (DESIGN.md, "Markdown"): each construct either
//! renders as written, in the page and in the embed, or is a diagnostic at
//! its line. Every case is a real site on disk, checked and built by the
//! real binary.

mod common;

use common::{STEPS, SiteFixture, assert_exit, check_json, line_of};
use serde_json::Value;

/// The guide every case edits: `content/meta.md`, valid, with `extra` after
/// its steps.
fn site_with(extra: &str) -> SiteFixture {
    let site = SiteFixture::new();
    site.guide("meta", &format!("{STEPS}\n{extra}\n"));
    site
}

/// The whole text of `content/meta.md`, for line numbers.
fn text_of(site: &SiteFixture) -> String {
    site.read("content/meta.md")
}

/// `(code, line, message)` of what `check --offline` reports.
fn diagnostics(site: &SiteFixture) -> Vec<(String, u64, String)> {
    check_json(site.path(), &["--offline"]).found()
}

/// The diagnostics of `code`, as `(line, message)`.
fn of_code(site: &SiteFixture, code: &str) -> Vec<(u64, String)> {
    diagnostics(site)
        .into_iter()
        .filter(|(c, ..)| c == code)
        .map(|(_, line, message)| (line, message))
        .collect()
}

/// The guide page and the embed, built (the build must succeed); the
/// embed's ids unprefixed (`gs-meta-`), so both show the same markup.
fn built(site: &SiteFixture, extra_args: &[&str]) -> (String, String) {
    let mut args = vec!["build"];
    args.extend_from_slice(extra_args);
    let output = site.run(&args);
    assert_exit(&output, 0);
    (
        site.read("dist/meta/index.html"),
        site.read("dist/embed/meta.html").replace("gs-meta-", ""),
    )
}

/// Asserts `needle` is in both the page and the embed.
#[track_caller]
fn in_both(page: &str, embed: &str, needle: &str) {
    assert!(page.contains(needle), "page lacks {needle:?}:\n{page}");
    assert!(embed.contains(needle), "embed lacks {needle:?}:\n{embed}");
}

#[track_caller]
fn in_neither(page: &str, embed: &str, needle: &str) {
    assert!(!page.contains(needle), "page has {needle:?}:\n{page}");
    assert!(!embed.contains(needle), "embed has {needle:?}:\n{embed}");
}

#[test]
fn github_alerts_of_every_kind_are_labelled_note_asides() {
    let alerts: String = ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"]
        .iter()
        .map(|kind| format!("> [!{kind}]\n> Only an **admin** can do this ({kind}).\n\n"))
        .collect();
    let site = site_with(&alerts);
    assert_eq!(diagnostics(&site), []);
    let (page, embed) = built(&site, &[]);
    for (kind, label) in [
        ("note", "Note"),
        ("tip", "Tip"),
        ("important", "Important"),
        ("warning", "Warning"),
        ("caution", "Caution"),
    ] {
        in_both(
            &page,
            &embed,
            &format!(
                "<aside class=\"guidesite-callout guidesite-callout-{kind}\" role=\"note\" \
                 aria-label=\"{label}\">\n<p class=\"guidesite-callout-title\">{label}</p>"
            ),
        );
    }
    in_both(
        &page,
        &embed,
        "<p>Only an <strong>admin</strong> can do this (WARNING).</p>\n</aside>",
    );
    in_neither(&page, &embed, "[!");
    in_neither(&page, &embed, "<blockquote>");
}

#[test]
fn docusaurus_admonitions_hold_lists_code_and_checked_links_but_no_steps() {
    let site = site_with(
        ":::warning Before you start\n\
         You need **admin** rights. Ask [the owner](owner.md).\n\
         1. Open Settings\n\
         3. Skip a number\n\
         ```text\n:::note inside code stays code\n```\n\
         :::\n\n\
         :::info[Why Analyst?]\n\nAnalyst can read reports and nothing else.\n\n:::\n\n\
         :::tip\nShort one.\n:::\n",
    );
    let text = text_of(&site);
    let found = diagnostics(&site);
    // The link inside is checked; the ordered list inside is not the steps.
    assert_eq!(
        found
            .iter()
            .map(|(c, l, _)| (c.as_str(), *l))
            .collect::<Vec<_>>(),
        [("link/broken", line_of(&text, "[the owner]") as u64)],
        "{found:?}"
    );
    let manifest = site.run(&["build"]);
    assert_exit(&manifest, 1);
    site.file("content/owner.md", common::guide_text("owner", &[], STEPS));
    let (page, embed) = built(&site, &[]);
    in_both(
        &page,
        &embed,
        "<aside class=\"guidesite-callout guidesite-callout-warning\" role=\"note\" \
         aria-label=\"Warning\">\n<p class=\"guidesite-callout-title\">Before you start</p>",
    );
    in_both(
        &page,
        &embed,
        "<p class=\"guidesite-callout-title\">Why Analyst?</p>",
    );
    in_both(
        &page,
        &embed,
        "<p class=\"guidesite-callout-title\">Tip</p>\n<p>Short one.</p>\n</aside>",
    );
    in_both(&page, &embed, ">:::note inside code stays code\n</code>");
    in_both(&page, &embed, "<a href=\"/owner/\">the owner</a>");
    assert_eq!(page.matches("<aside").count(), 3, "{page}");
    assert_eq!(page.matches("</aside>").count(), 3, "{page}");
    in_neither(&page, &embed, ":::warning");
    let manifest: Value = serde_json::from_str(&site.read("dist/manifest.json")).unwrap();
    let meta = manifest["guides"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["source"] == "meta")
        .unwrap();
    assert_eq!(meta["steps"].as_array().unwrap().len(), 3, "{meta}");
}

#[test]
fn a_callout_inside_a_step_closes_with_the_step() {
    let body = "## Grant access\n\n\
                1. Open the **Members** page.\n\n   :::note\n   Only admins see it.\n\n\
                2. Invite [data@agency.test](mailto:data@agency.test) as **Analyst**.\n";
    let site = SiteFixture::new();
    let no_contacts = [("contacts", "[]")];
    site.guide_with("meta", &no_contacts, body);
    // The `:::note` is never closed: said, and still no tag left open.
    let callouts = of_code(&site, "markdown/callout");
    assert_eq!(callouts.len(), 1, "{callouts:?}");
    assert_eq!(callouts[0].0, line_of(&text_of(&site), ":::note") as u64);
    site.guide_with(
        "meta",
        &no_contacts,
        &body.replace("Only admins see it.\n", "Only admins see it.\n   :::\n"),
    );
    assert_eq!(diagnostics(&site), []);
    let (page, _) = built(&site, &[]);
    assert!(
        page.contains("<aside class=\"guidesite-callout guidesite-callout-note\""),
        "{page}"
    );
    let step_one = &page[page.find("id=\"grant-access-step-1\"").unwrap()..];
    let aside_end = step_one.find("</aside>").unwrap();
    let step_end = step_one.find("</li>").unwrap();
    assert!(aside_end < step_end, "{step_one}");
}

#[test]
fn an_unknown_or_unclosed_admonition_is_said_and_shown_as_written() {
    let site = site_with(":::danger-zone\nCareful.\n:::\n\n:::tip\nNever closed.\n");
    let text = text_of(&site);
    let found = of_code(&site, "markdown/callout");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, line_of(&text, ":::danger-zone") as u64);
    assert!(found[0].1.contains("not a callout kind"), "{}", found[0].1);
    assert!(found[0].1.contains("note, tip, info"), "{}", found[0].1);
    assert_eq!(found[1].0, line_of(&text, ":::tip") as u64);
    assert!(found[1].1.contains("never closed"), "{}", found[1].1);
    let (page, embed) = built(&site, &[]);
    in_both(&page, &embed, ":::danger-zone");
    in_neither(&page, &embed, "<aside");
}

#[test]
fn tables_align_by_class_and_scroll_in_their_own_box() {
    let table = "| Role | Reports | Campaigns |\n|:-----|:-------:|----------:|\n\
                 | Analyst | yes | no |\n";
    // Raw HTML elsewhere in the guide sends the whole body through the
    // sanitiser, which strips `style`: the alignment must survive it.
    for extra in ["", "<div>\n\nWrapped.\n\n</div>\n"] {
        let site = site_with(&format!("{table}\n{extra}"));
        assert_eq!(diagnostics(&site), []);
        let (page, embed) = built(&site, &[]);
        in_both(
            &page,
            &embed,
            "<div class=\"guidesite-table\" role=\"region\" aria-label=\"Table\" tabindex=\"0\">\n<table>",
        );
        in_both(
            &page,
            &embed,
            "<th class=\"guidesite-align-left\">Role</th><th class=\"guidesite-align-center\">Reports</th><th class=\"guidesite-align-right\">Campaigns</th>",
        );
        in_both(&page, &embed, "<td class=\"guidesite-align-right\">no</td>");
        in_both(&page, &embed, "</table>\n</div>");
        in_neither(&page, &embed, "style=");
    }
}

#[test]
fn a_body_title_repeating_the_front_matter_title_is_shown_once() {
    // The fixture's title is "Meta access guide"; the template shows it as
    // the one `<h1>` of the page and the embed.
    for (heading, kept) in [
        ("# Meta access guide", None),
        ("# META: Access-Guide!", None),
        (
            "# Before you start",
            Some("<h1 id=\"before-you-start\">Before you start</h1>"),
        ),
        (
            "## Meta access guide",
            Some("<h2 id=\"meta-access-guide\">Meta access guide</h2>"),
        ),
    ] {
        let site = SiteFixture::new();
        site.guide("meta", &format!("{heading}\n\nIntro.\n\n{STEPS}"));
        assert_eq!(diagnostics(&site), [], "{heading}");
        let (page, embed) = built(&site, &[]);
        let h1s = 1 + usize::from(heading.starts_with("# ") && kept.is_some());
        assert_eq!(page.matches("<h1").count(), h1s, "{heading}:\n{page}");
        assert_eq!(embed.matches("<h1").count(), h1s, "{heading}:\n{embed}");
        if let Some(kept) = kept {
            in_both(&page, &embed, kept);
        }
    }
}

#[test]
fn unknown_templates_and_a_second_form_marker_are_errors_at_their_line() {
    let site = site_with(
        "{{ onboard_form() }}\n\nThen {{ onboard_form }} and {{ onboard-form() }}.\n\n\
         {{ onboard_form() }}\n\n`{{ in code }}`\n",
    );
    let text = text_of(&site);
    let found = of_code(&site, "template/unknown");
    let lines: Vec<u64> = found.iter().map(|(l, _)| *l).collect();
    let then = line_of(&text, "Then {{") as u64;
    let second = text.rfind("\n{{ onboard_form() }}").unwrap();
    let second = text[..=second].lines().count() as u64 + 1;
    assert_eq!(lines, [then, then, second], "{found:?}");
    assert!(
        found[0].1.contains("did you mean `onboard_form()`"),
        "{}",
        found[0].1
    );
    assert!(found[2].1.contains("a second"), "{}", found[2].1);
    assert_exit(&site.run(&["build"]), 1);
    // The only marker, in a list, places nothing.
    let site = site_with("- {{ onboard_form() }}\n");
    let found = of_code(&site, "template/unknown");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, line_of(&text_of(&site), "- {{") as u64);
    assert!(found[0].1.contains("line of its own"), "{}", found[0].1);
}

#[test]
fn images_without_alt_text_are_said() {
    let site = site_with("![](meta/members.png)\n\n![The Members page](meta/members.png)\n");
    site.file("content/meta/members.png", common::png(4, 3));
    let text = text_of(&site);
    let found = of_code(&site, "image/alt");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, line_of(&text, "![](meta") as u64);
    assert!(found[0].1.contains("meta/members.png"), "{}", found[0].1);
}

#[test]
fn root_relative_links_resolve_against_the_site_and_are_checked() {
    let site = site_with(
        "See [TikTok](/tiktok/#grant-access), [the list](/), \
         [a typo](/tiktok/#grant-acess) and [gone](/snapchat/).\n",
    );
    site.guide("tiktok", STEPS);
    let text = text_of(&site);
    let found: Vec<(String, u64)> = check_json(site.path(), &["--offline"]).codes_at();
    let line = line_of(&text, "See [TikTok]") as u64;
    assert_eq!(
        found,
        [
            ("link/anchor".to_string(), line),
            ("link/broken".to_string(), line)
        ]
    );
    site.guide(
        "meta",
        &format!("{STEPS}\nSee [TikTok](/tiktok/#grant-access) and [the list](/).\n"),
    );
    let (page, embed) = built(&site, &["--base-url", "https://help.agency.test/docs/"]);
    in_both(
        &page,
        &embed,
        "<a href=\"https://help.agency.test/docs/tiktok/#grant-access\">TikTok</a>",
    );
    in_both(
        &page,
        &embed,
        "<a href=\"https://help.agency.test/docs/\">the list</a>",
    );
}

#[test]
fn footnotes_and_task_lists_render() {
    let site = site_with(
        "We ask for Analyst only.[^why]\n\n[^why]: Reporting needs nothing more.\n\n\
         - [x] Access granted\n- [ ] Account id noted\n",
    );
    assert_eq!(diagnostics(&site), []);
    let (page, embed) = built(&site, &[]);
    in_both(
        &page,
        &embed,
        "<sup class=\"guidesite-fnref\"><a href=\"#fn-why\" id=\"fnref-why\">1</a></sup>",
    );
    in_both(
        &page,
        &embed,
        "<div class=\"guidesite-footnote\" id=\"fn-why\">",
    );
    in_both(
        &page,
        &embed,
        "<li class=\"guidesite-task\"><span class=\"guidesite-task-box\" role=\"img\" aria-label=\"done\">☑</span> Access granted",
    );
    in_both(
        &page,
        &embed,
        "aria-label=\"not done\">☐</span> Account id noted",
    );
    in_neither(&page, &embed, "[^why]");
    in_neither(&page, &embed, "[x]");
}

#[test]
fn details_written_the_commonmark_way_render_their_markdown() {
    let site = site_with(
        "<details>\n<summary>Why do we need this?</summary>\n\n\
         We need **Analyst** to read [reports](https://ads.agency.test/reports).\n\n\
         | Role | Reads |\n|---|:---:|\n| Analyst | yes |\n\n</details>\n",
    );
    assert_eq!(diagnostics(&site), []);
    let (page, embed) = built(&site, &[]);
    in_both(
        &page,
        &embed,
        "<details>\n<summary>Why do we need this?</summary>",
    );
    in_both(
        &page,
        &embed,
        "We need <strong>Analyst</strong> to read <a href=\"https://ads.agency.test/reports\">reports</a>.",
    );
    in_both(
        &page,
        &embed,
        "<td class=\"guidesite-align-center\">yes</td>",
    );
    in_both(&page, &embed, "</details>");
}

#[test]
fn markdown_left_as_text_in_an_html_block_is_said_with_the_fix() {
    let site = site_with(
        "<details>\n<summary>Why?</summary>\nWe need **Analyst** to read [reports](https://x.agency.test/).\n\
         - one\n</details>\n\n<div>\n\nThis *is* fine.\n\n</div>\n",
    );
    let text = text_of(&site);
    let found = of_code(&site, "markdown/in-html");
    // One per block, at the first line that shows as plain text.
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, line_of(&text, "We need **Analyst**") as u64);
    assert!(found[0].1.contains("blank line"), "{}", found[0].1);
    assert!(found[0].1.contains("<details>"), "{}", found[0].1);
}

#[test]
fn links_and_images_in_raw_html_are_checked_like_markdown_ones() {
    let body = "<p>Write to <a href=\"mailto:ops@agency.test\">data@agency.test</a>.</p>\n\n\
                <p><a href=\"missing.md\">gone</a> <a href=\"#\">here</a> <a href=\"http://ads.agency.test/\">plain</a></p>\n\n\
                <img src=\"meta/members.png\">\n\n<img src=\"meta/absent.png\" alt=\"Absent\">\n\n\
                Inline <a href=\"tiktok.md#grant-access\">TikTok</a> link.\n";
    let site = site_with(body);
    site.guide("tiktok", STEPS);
    site.file("content/meta/members.png", common::png(4, 3));
    let text = text_of(&site);
    let mut found: Vec<(String, u64)> = check_json(site.path(), &["--offline"]).codes_at();
    found.sort();
    let line = |needle: &str| line_of(&text, needle) as u64;
    let mut want = vec![
        ("email/mismatch".to_string(), line("Write to")),
        ("link/broken".to_string(), line("missing.md")),
        ("link/placeholder".to_string(), line("missing.md")),
        ("link/insecure".to_string(), line("missing.md")),
        ("image/alt".to_string(), line("meta/members.png")),
        ("link/broken".to_string(), line("meta/absent.png")),
    ];
    want.sort();
    assert_eq!(found, want);
    // Once fixed, the relative link is published resolved.
    let fixed = body
        .replace("data@agency.test</a>", "ops@agency.test</a>")
        .replace("<a href=\"missing.md\">gone</a> <a href=\"#\">here</a> <a href=\"http://ads.agency.test/\">plain</a>", "x")
        .replace("<img src=\"meta/members.png\">", "<img src=\"meta/members.png\" alt=\"Members\">")
        .replace("meta/absent.png", "meta/members.png");
    site.guide("meta", &format!("{STEPS}\n{fixed}\n"));
    assert_eq!(diagnostics(&site), []);
    let (page, embed) = built(&site, &[]);
    in_both(
        &page,
        &embed,
        "<a href=\"/tiktok/#grant-access\">TikTok</a>",
    );
    in_both(
        &page,
        &embed,
        // Sized like a Markdown image: the site's image, measured.
        "<img src=\"/meta/members.png\" width=\"4\" height=\"3\" alt=\"Members\">",
    );
}

#[test]
fn what_the_sanitiser_drops_is_said_and_wrapped_markdown_still_renders() {
    let site = site_with(
        "<script>alert(1)</script>\n\n\
         <iframe src=\"https://ads.agency.test/embed\"></iframe>\n\n\
         <div onclick=\"steal()\" style=\"color: red\">Careful.</div>\n\n\
         <HideInUI>\n\nOnly **admins** see this.\n\n</HideInUI>\n",
    );
    let text = text_of(&site);
    let found = of_code(&site, "html/dropped");
    let lines: Vec<u64> = found.iter().map(|(l, _)| *l).collect();
    let script = line_of(&text, "<script>") as u64;
    let iframe = line_of(&text, "<iframe") as u64;
    let div = line_of(&text, "onclick") as u64;
    let hide = line_of(&text, "<HideInUI>") as u64;
    assert_eq!(lines, [script, iframe, div, div, hide], "{found:?}");
    let said = |at: usize, word: &str| {
        assert!(found[at].1.contains(word), "{word}: {}", found[at].1);
    };
    said(0, "script");
    said(1, "iframe");
    said(2, "onclick");
    said(3, "style");
    said(4, "<hideinui>");
    let (page, embed) = built(&site, &[]);
    in_both(&page, &embed, "Only <strong>admins</strong> see this.");
    in_both(&page, &embed, "Careful.");
    for gone in [
        "alert(1)",
        "<iframe",
        "onclick",
        "style=\"color",
        "HideInUI",
    ] {
        in_neither(&page, &embed, gone);
    }
}

#[test]
fn bare_urls_become_links_and_are_checked() {
    let site = site_with(
        "Open https://ads.agency.test/members. Or www.agency.test/help, \
         or http://old.agency.test/x and see [https://linked.agency.test](https://linked.agency.test/).\n\n\
         `https://in.code.agency.test/`\n",
    );
    let text = text_of(&site);
    let found: Vec<(String, u64, String)> = diagnostics(&site);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("link/insecure", line_of(&text, "http://old") as u64)
    );
    let (page, embed) = built(&site, &[]);
    in_both(
        &page,
        &embed,
        "Open <a href=\"https://ads.agency.test/members\">https://ads.agency.test/members</a>. \
         Or <a href=\"https://www.agency.test/help\">www.agency.test/help</a>,",
    );
    in_both(
        &page,
        &embed,
        "<a href=\"https://linked.agency.test/\">https://linked.agency.test</a>",
    );
    in_both(&page, &embed, "<code>https://in.code.agency.test/</code>");
    // The manifest's links hold them, for the portal and for `check`.
    let manifest = site.read("dist/manifest.json");
    assert!(
        manifest.contains("\"https://ads.agency.test/members\""),
        "{manifest}"
    );
}

#[test]
fn raw_html_across_lines_or_left_open_is_still_read() {
    let site = site_with(
        "<img\n  src=\"meta/members.png\"\n  alt=\"The Members page\">\n\n\
         <a title=\"x\n y\" href=\"tiktok.md\">TikTok</a>\n\n\
         Last: <a href=\"missing.md\">never closed\n",
    );
    site.guide("tiktok", STEPS);
    site.file("content/meta/members.png", common::png(4, 3));
    let text = text_of(&site);
    let found: Vec<(String, u64)> = check_json(site.path(), &["--offline"]).codes_at();
    assert_eq!(
        found,
        [(
            "link/broken".to_string(),
            line_of(&text, "missing.md") as u64
        )]
    );
    site.guide(
        "meta",
        &text_of(&site)
            .split("---\n")
            .nth(2)
            .unwrap()
            .replace("missing.md", "tiktok.md"),
    );
    let (page, _) = built(&site, &[]);
    assert!(page.contains("src=\"/meta/members.png\""), "{page}");
    assert!(page.contains("href=\"/tiktok/\""), "{page}");
}
