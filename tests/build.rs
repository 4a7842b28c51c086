//! Integration tests of `guidesite build`: real sites on disk, the real binary,
//! assertions on the files it writes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{
    CONTACTS, GRANTEE, PORTAL, ROLE, STEPS, SiteFixture, assert_exit, guide_text, line_of,
    snapshot, stderr, without_line,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------- helpers

/// Asserts no staging or backup directory of `dist` is left next to it.
#[track_caller]
fn assert_no_leftovers(root: &Path) {
    let leftovers: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".dist."))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary directories left behind: {leftovers:?}"
    );
}

/// `build` exits with `code`, names `needle` on stderr, and leaves the
/// earlier dist/ exactly as `before`, with no temporary folder beside it.
#[track_caller]
fn build_fails_leaving(
    site: &SiteFixture,
    before: &BTreeMap<String, Vec<u8>>,
    code: i32,
    needle: &str,
) {
    build_fails(site, code, needle);
    assert!(
        *before == snapshot(&site.path().join("dist")),
        "dist/ changed after a failed build"
    );
    assert_no_leftovers(site.path());
}

/// `build` exits with `code`, names `needle` on stderr, and writes no dist/.
#[track_caller]
fn build_fails_naming(site: &SiteFixture, code: i32, needle: &str) {
    build_fails(site, code, needle);
    assert!(!site.path().join("dist").exists());
}

/// `build` exits with `code` and names `needle` on stderr.
#[track_caller]
fn build_fails(site: &SiteFixture, code: i32, needle: &str) {
    let output = site.run(&["build"]);
    assert_exit(&output, code);
    assert!(
        stderr(&output).contains(needle),
        "stderr lacks {needle:?}: {}",
        stderr(&output)
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn manifest(site: &SiteFixture) -> Value {
    serde_json::from_str(&site.read("dist/manifest.json")).expect("manifest.json is JSON")
}

fn sources(manifest: &Value) -> Vec<&str> {
    manifest["guides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["source"].as_str().unwrap())
        .collect()
}

/// A start tag of an HTML document, with its attributes (values not decoded).
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    fn is(&self, name: &str, attrs: &[(&str, &str)]) -> bool {
        self.name == name && attrs.iter().all(|(n, v)| self.attr(n) == Some(v))
    }
}

/// The start tags of `html`, as a browser's tokenizer would see them (enough of
/// it for generated, well-formed output): text like `&lt;script&gt;` is no tag,
/// and `onerror` inside a quoted attribute value is no attribute.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue; // end tag, doctype
        }
        let len = html[i..]
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        let name = html[i..i + len].to_ascii_lowercase();
        i += len;
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let len = html[i..]
                .bytes()
                .take_while(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/'))
                .count()
                .max(1);
            let attr = html[i..i + len].to_ascii_lowercase();
            i += len;
            skip_ws(&mut i);
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                skip_ws(&mut i);
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let quote = b[i] as char;
                    let end = html[i + 1..].find(quote).map_or(b.len(), |e| i + 1 + e);
                    value = html[i + 1..end].to_string();
                    i = end + 1;
                } else {
                    let len = html[i..]
                        .bytes()
                        .take_while(|c| !c.is_ascii_whitespace() && *c != b'>')
                        .count();
                    value = html[i..i + len].to_string();
                    i += len;
                }
            }
            attrs.push((attr, value));
        }
        out.push(Tag { name, attrs });
    }
    out
}

/// The first tag matching `name` and `attrs`, or a failure listing what is there.
#[track_caller]
fn find<'a>(tags: &'a [Tag], name: &str, attrs: &[(&str, &str)]) -> &'a Tag {
    tags.iter().find(|t| t.is(name, attrs)).unwrap_or_else(|| {
        let same_name: Vec<_> = tags.iter().filter(|t| t.name == name).collect();
        panic!("no <{name}> with {attrs:?}; the <{name}> tags are: {same_name:#?}")
    })
}

/// The `<form …>…</form>` of a page (there is exactly one).
#[track_caller]
fn form_html(html: &str) -> &str {
    let start = html.find("<form").expect("the page has a <form>");
    assert_eq!(html.matches("<form").count(), 1, "more than one form");
    let end = html[start..].find("</form>").expect("the form is closed") + start;
    &html[start..end + "</form>".len()]
}

/// Every `id` on the page is unique, so every `for=` and `#fragment` means one thing.
#[track_caller]
fn assert_unique_ids(html: &str) {
    let mut seen = std::collections::BTreeSet::new();
    for tag in tags(html) {
        if let Some(id) = tag.attr("id") {
            assert!(seen.insert(id.to_string()), "duplicate id {id:?}");
        }
    }
}

/// The theme's own scripts, the only ones a page holds: the stored colour
/// theme applied before first paint (inline in base.html), the reader's
/// toggle, copy buttons and permalinks, the guide page's onboard form, and
/// its list of guides.
const THEME_SCRIPTS: [&str; 4] = [
    r#"<script>document.documentElement.classList.add("guidesite-js");try{var t=localStorage.getItem("guidesite-theme");if(t==="light"||t==="dark")document.documentElement.dataset.guidesiteTheme=t}catch(e){}</script>"#,
    r#"<script src="/static/guidesite-reader.js" defer></script>"#,
    r#"<script src="/static/guidesite-form.js" defer></script>"#,
    r#"<script src="/static/guidesite-nav.js" defer></script>"#,
];

/// No markup in `html` can run script but the theme's own.
#[track_caller]
fn assert_no_script(html: &str, what: &str) {
    let html = &THEME_SCRIPTS.iter().fold(html.to_string(), |html, script| {
        html.replacen(script, "", 1)
    });
    let lower = html.to_ascii_lowercase();
    for needle in ["<script", "<iframe", "javascript:"] {
        assert!(
            !lower.contains(needle),
            "{what} contains {needle:?}:\n{html}"
        );
    }
    for tag in tags(html) {
        assert!(
            !matches!(tag.name.as_str(), "script" | "iframe" | "object" | "embed"),
            "{what} has a <{}> tag",
            tag.name
        );
        for (name, value) in &tag.attrs {
            assert!(
                !name.starts_with("on"),
                "{what}: <{}> has an event handler {name}={value:?}",
                tag.name
            );
        }
    }
}

/// A site of four guides whose order differs by file name, `order` and title.
fn four_guides() -> SiteFixture {
    let site = SiteFixture::new();
    site.guide_with("zeta", &[("order", "1")], STEPS)
        .guide_with("alpha", &[("order", "2")], STEPS)
        .guide_with("aardvark", &[("order", "2")], STEPS)
        .guide("beta", STEPS);
    site
}

// ---------------------------------------------------------------- the shipped site

#[test]
fn shipped_site_builds_every_output_file() {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let mut cmd = assert_cmd::Command::cargo_bin("guidesite").unwrap();
    let output = common::checked(
        cmd.args(["--root", env!("CARGO_MANIFEST_DIR"), "build", "--out"])
            .arg(&dist)
            .output()
            .unwrap(),
    );
    assert_exit(&output, 0);
    for file in [
        "index.html",
        "tiktok/index.html",
        "embed/tiktok.html",
        "manifest.json",
        "manifest.schema.json",
        "_headers",
        "sitemap.xml",
        "404.html",
    ] {
        let path = dist.join(file);
        let len = std::fs::metadata(&path)
            .map(|m| m.len())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(len > 0, "{file} is empty");
    }
    let index = std::fs::read_to_string(dist.join("index.html")).unwrap();
    find(&tags(&index), "a", &[("href", "/tiktok/")]);
}

// ---------------------------------------------------------------- the onboard form

#[test]
fn guide_page_form_has_labelled_required_controls_contacts_and_pending_requests() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    let page = site.read("dist/acme/index.html");
    let form = form_html(&page);
    let controls = tags(form);

    let select = find(&controls, "select", &[("name", "source_ids")]);
    assert!(select.has("required"), "{select:?}");
    let input = find(
        &controls,
        "input",
        &[
            ("name", "account_id"),
            ("type", "text"),
            ("pattern", "^[0-9]{6,20}$"),
        ],
    );
    assert!(input.has("required"), "{input:?}");
    find(
        &controls,
        "input",
        &[("type", "hidden"), ("name", "source"), ("value", "acme")],
    );

    let page_tags = tags(&page);
    let labelled = controls.iter().filter(|t| {
        matches!(t.name.as_str(), "input" | "select" | "textarea")
            && t.attr("type") != Some("hidden")
    });
    let mut n = 0;
    for control in labelled {
        let id = control
            .attr("id")
            .unwrap_or_else(|| panic!("control without id: {control:?}"));
        find(&page_tags, "label", &[("for", id)]);
        n += 1;
    }
    assert_eq!(n, 2, "one control per field");
    assert_unique_ids(&page);

    for contact in CONTACTS {
        assert!(page.contains(contact), "contact {contact} is not listed");
    }
    assert!(
        page_tags.iter().any(|t| t.has("data-pending-requests")),
        "no data-pending-requests element"
    );

    // No endpoint in site.yaml: the portal is linked, nothing can be submitted.
    find(&page_tags, "a", &[("href", PORTAL)]);
    let submit = page_tags.iter().find(|t| {
        (t.name == "button" && !matches!(t.attr("type"), Some("button" | "reset")))
            || (t.name == "input" && matches!(t.attr("type"), Some("submit" | "image")))
    });
    assert!(
        submit.is_none(),
        "a submit control without an endpoint: {submit:?}"
    );
}

#[test]
fn form_posts_to_the_configured_endpoint_with_a_submit_button() {
    let site = SiteFixture::new();
    site.site_yaml("onboard: {endpoint: http://127.0.0.1:9/onboard}\n")
        .guide("acme", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    let page = site.read("dist/acme/index.html");
    let form = tags(form_html(&page));
    let tag = find(&form, "form", &[("action", "http://127.0.0.1:9/onboard")]);
    assert_eq!(
        tag.attr("method").map(str::to_ascii_lowercase).as_deref(),
        Some("post"),
        "{tag:?}"
    );
    find(&form, "button", &[("type", "submit")]);
    find(
        &form,
        "input",
        &[("type", "hidden"), ("name", "source"), ("value", "acme")],
    );
}

#[test]
fn form_sits_where_the_marker_is_written() {
    let site = SiteFixture::new();
    site.guide(
        "acme",
        &format!("Before the form.\n\n{{{{ onboard_form() }}}}\n\n{STEPS}\nAfter the steps.\n"),
    );
    assert_exit(&site.run(&["build"]), 0);
    let page = site.read("dist/acme/index.html");
    assert!(
        !page.contains("onboard_form"),
        "the marker is published as text"
    );
    let form = page.find("<form").unwrap();
    assert!(
        page.find("Before the form.").unwrap() < form,
        "form before the text that precedes the marker"
    );
    assert!(
        form < page.find("<ol").unwrap(),
        "form after the steps that follow the marker"
    );
}

#[test]
fn form_follows_the_last_step_list_when_unmarked() {
    let site = SiteFixture::new();
    site.guide(
        "acme",
        &format!(
            "{STEPS}\n## Then\n\n1. Wait for the invitation.\n2. Accept it.\n\nClosing words.\n"
        ),
    );
    assert_exit(&site.run(&["build"]), 0);
    let page = site.read("dist/acme/index.html");
    let form = page.find("<form").unwrap();
    assert!(
        page.rfind("</ol>").unwrap() < form,
        "form before the end of the last step list"
    );
    assert!(
        form < page.find("Closing words.").unwrap(),
        "form after the text that follows the steps"
    );
}

// ---------------------------------------------------------------- the embed

#[test]
fn embed_is_a_fragment_of_the_same_article_as_the_page() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    let embed = site.read("dist/embed/acme.html");
    assert!(
        !embed.to_ascii_lowercase().contains("<!doctype"),
        "the embed has a doctype:\n{embed}"
    );
    let document_tag = tags(&embed)
        .into_iter()
        .find(|t| matches!(t.name.as_str(), "html" | "head" | "body"));
    assert!(
        document_tag.is_none(),
        "the embed has {document_tag:?}:\n{embed}"
    );
    assert!(
        embed.contains("Give the member the <strong>Analyst</strong> role."),
        "steps missing:\n{embed}"
    );
    form_html(&embed);
    let page = site.read("dist/acme/index.html");
    assert!(
        page.contains(embed.replace("gs-acme-", "").trim()),
        "the page does not contain the embed's article, ids unprefixed"
    );
}

/// A guide with every kind of id: headings, steps, footnotes, the form's;
/// links within it and to another guide; text that only looks like markup.
const IDS_BODY: &str = "Text says id=\"x\" and href=\"#y\".\n\n\
    <p>Raw says id=\"x\" and <span title='for=\"z\"'>t</span></p>\n\n\
    See [the steps](#grant-access)[^why] and [other's](other.md#grant-access).\n\n\
    [^why]: Because.\n";

/// The values of `attribute` on every tag of `html`.
fn attr_values<'a>(tags: &'a [Tag], attribute: &str) -> Vec<&'a str> {
    tags.iter().filter_map(|t| t.attr(attribute)).collect()
}

#[test]
fn every_id_and_in_guide_fragment_of_an_embed_is_prefixed_with_its_source() {
    let site = SiteFixture::new();
    site.guide("other", STEPS)
        .guide("acme", &format!("{STEPS}\n{IDS_BODY}"));
    assert_exit(
        &site.run(&["build", "--base-url", "https://help.agency.test/"]),
        0,
    );
    let embed = site.read("dist/embed/acme.html");
    let embed_tags = tags(&embed);
    let ids = attr_values(&embed_tags, "id");
    for expected in [
        "grant-access",
        "grant-access-step-1",
        "fn-why",
        "fnref-why",
        "guidesite-acme-account_id",
    ] {
        assert!(
            ids.contains(&format!("gs-acme-{expected}").as_str()),
            "{ids:?}"
        );
    }
    assert!(ids.iter().all(|id| id.starts_with("gs-acme-")), "{ids:?}");
    assert_unique_ids(&embed);
    let references = ["for", "aria-labelledby", "aria-describedby"]
        .iter()
        .flat_map(|a| attr_values(&embed_tags, a))
        .flat_map(str::split_ascii_whitespace);
    let fragments = attr_values(&embed_tags, "href")
        .into_iter()
        .filter_map(|href| href.strip_prefix('#'));
    let named: Vec<&str> = references.chain(fragments).collect();
    assert!(named.len() >= 7, "{named:?}");
    for id in named {
        assert!(ids.contains(&id), "{id:?} names no id of the embed");
    }
    let hrefs = attr_values(&embed_tags, "href");
    assert!(
        hrefs.contains(&"https://help.agency.test/other/#grant-access"),
        "a link to another guide leads to its page: {hrefs:?}"
    );
    assert!(
        embed.contains("Text says id=\"x\" and href=\"#y\".")
            && embed.contains("Raw says id=\"x\" and <span title=\"for=&quot;z&quot;\">"),
        "text and attribute values that look like ids are rewritten:\n{embed}"
    );

    let page = site.read("dist/acme/index.html");
    assert!(!page.contains("gs-acme-"), "the page's ids are prefixed");
    let page_ids = attr_values(&tags(&page), "id").join(" ");
    assert!(page_ids.contains("grant-access-step-1"), "{page_ids}");
    let other = site.read("dist/embed/other.html");
    let other_tags = tags(&other);
    let other_ids = attr_values(&other_tags, "id");
    assert!(
        other_ids.iter().all(|id| id.starts_with("gs-other-")),
        "{other_ids:?}"
    );
}

#[test]
fn stylesheet_selectors_are_all_scoped_to_guidesite_classes() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    let mut css = site.read(&format!("dist/{}", published_stylesheet(&site)));
    while let Some(start) = css.find("/*") {
        let end = css[start..].find("*/").map_or(css.len(), |e| start + e + 2);
        css.replace_range(start..end, "");
    }
    let mut prelude = String::new();
    for c in css.chars() {
        match c {
            '{' => {
                let p = prelude.trim();
                if !p.starts_with('@') {
                    for selector in p.split(',') {
                        assert!(
                            selector.trim().starts_with(".guidesite-"),
                            "unscoped selector {selector:?}"
                        );
                    }
                }
                prelude.clear();
            }
            '}' | ';' => prelude.clear(),
            c => prelude.push(c),
        }
    }
}

// ---------------------------------------------------------------- the manifest

#[test]
fn manifest_lists_guides_by_order_then_title_with_their_facts() {
    let site = four_guides();
    assert_exit(&site.run(&["build"]), 0);
    let m = manifest(&site);
    assert_eq!(m["version"], 2);
    assert_eq!(m["base_url"], "/");
    let stylesheet = published_stylesheet(&site);
    assert_eq!(m["stylesheet"], format!("/{stylesheet}"));
    assert!(
        site.path().join("dist").join(&stylesheet).is_file(),
        "the stylesheet is not published"
    );
    assert_eq!(sources(&m), ["zeta", "aardvark", "alpha", "beta"]);

    let alpha = &m["guides"][2];
    let expected = json!({
        "source": "alpha",
        "title": "Alpha access guide",
        "platform": "Alpha",
        "summary": format!("Grant {ROLE} access to your Alpha ad account."),
        "order": 2,
        "url": "/alpha/",
        "embed_url": "/embed/alpha.html",
        "access": {"grantee": GRANTEE, "role": ROLE},
        "contacts": CONTACTS,
        "steps": [
            {"section": "Grant access", "number": 1, "text": "Open the Members page of your ad account.",
             "id": "grant-access-step-1", "embed_id": "gs-alpha-grant-access-step-1"},
            {"section": "Grant access", "number": 2, "text": "Invite data@agency.test as a member.",
             "id": "grant-access-step-2", "embed_id": "gs-alpha-grant-access-step-2"},
            {"section": "Grant access", "number": 3, "text": "Give the member the Analyst role.",
             "id": "grant-access-step-3", "embed_id": "gs-alpha-grant-access-step-3"},
        ],
        "links": [format!("mailto:{GRANTEE}")],
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&alpha[key], value, "guide field {key}");
    }
    assert_eq!(alpha["onboard"]["portal"], PORTAL);
    let fields = &alpha["onboard"]["fields"];
    assert_eq!(fields[0]["name"], "source_ids");
    assert_eq!(fields[0]["type"], "select");
    assert_eq!(fields[0]["required"], true);
    assert_eq!(fields[0]["options"], json!(["client-1", "client-2"]));
    assert_eq!(fields[1]["name"], "account_id");
    assert_eq!(fields[1]["type"], "text");
    assert_eq!(fields[1]["pattern"], "^[0-9]{6,20}$");
    assert_eq!(fields.as_array().unwrap().len(), 2);
    assert_eq!(m["guides"][3]["order"], Value::Null);
    let page = site.read("dist/alpha/index.html");
    let embed = site.read("dist/embed/alpha.html");
    for step in alpha["steps"].as_array().unwrap() {
        let (id, embed_id) = (&step["id"], &step["embed_id"]);
        assert!(page.contains(&format!("<li id={id}>")), "{id} on the page");
        assert!(
            embed.contains(&format!("<li id={embed_id}>")),
            "{embed_id} in the embed"
        );
    }
}

#[test]
fn manifest_hash_is_the_sha256_of_each_embed_file() {
    let site = four_guides();
    assert_exit(&site.run(&["build"]), 0);
    for guide in manifest(&site)["guides"].as_array().unwrap() {
        let source = guide["source"].as_str().unwrap();
        let embed = std::fs::read(site.path().join(format!("dist/embed/{source}.html"))).unwrap();
        assert_eq!(guide["hash"], sha256_hex(&embed), "hash of {source}");
    }
}

#[test]
fn base_url_flag_makes_manifest_and_sitemap_urls_absolute() {
    let site = SiteFixture::new();
    site.site_yaml("base_url: https://wrong.agency.test/\n")
        .guide("acme", STEPS);
    assert_exit(
        &site.run(&["build", "--base-url", "https://help.agency.test/"]),
        0,
    );
    let m = manifest(&site);
    assert_eq!(m["base_url"], "https://help.agency.test/");
    assert_eq!(
        m["stylesheet"],
        format!("https://help.agency.test/{}", published_stylesheet(&site))
    );
    assert_eq!(m["guides"][0]["url"], "https://help.agency.test/acme/");
    assert_eq!(
        m["guides"][0]["embed_url"],
        "https://help.agency.test/embed/acme.html"
    );
    let sitemap = site.read("dist/sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://help.agency.test/acme/</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("wrong.agency.test"), "{sitemap}");
}

#[test]
fn manifest_validates_against_its_schema_and_broken_copies_do_not() {
    let site = four_guides();
    site.site_yaml("onboard: {endpoint: https://portal.agency.test/api/onboard}\n")
        .file(
            "content/bare.md",
            format!("---\nsource: bare\ntitle: Bare\nplatform: Bare\n---\n{STEPS}"),
        );
    assert_exit(&site.run(&["build"]), 0);
    let schema: Value = serde_json::from_str(&site.read("dist/manifest.schema.json")).unwrap();
    jsonschema::meta::validate(&schema).expect("manifest.schema.json is a valid JSON Schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");

    let good = manifest(&site);
    assert_eq!(good["guides"].as_array().unwrap().len(), 5);
    let errors: Vec<String> = validator
        .iter_errors(&good)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "manifest.json does not match its schema: {errors:#?}"
    );

    type Breakage = fn(&mut Value);
    let breakages: [(&str, Breakage); 9] = [
        ("version removed", |m| {
            m.as_object_mut().unwrap().remove("version");
        }),
        ("version 1", |m| m["version"] = json!(1)),
        ("a field type the theme does not render", |m| {
            m["guides"][0]["onboard"]["fields"][0]["type"] = json!("date")
        }),
        ("a step without embed_id", |m| {
            m["guides"][0]["steps"][0]
                .as_object_mut()
                .unwrap()
                .remove("embed_id");
        }),
        ("a step without id", |m| {
            m["guides"][0]["steps"][0]
                .as_object_mut()
                .unwrap()
                .remove("id");
        }),
        ("steps is a string", |m| {
            m["guides"][0]["steps"] = json!("1. do it")
        }),
        ("hash is a number", |m| m["guides"][0]["hash"] = json!(42)),
        ("a guide without source", |m| {
            m["guides"][1].as_object_mut().unwrap().remove("source");
        }),
        ("a step number is negative", |m| {
            m["guides"][0]["steps"][0]["number"] = json!(-1)
        }),
    ];
    for (what, breakage) in breakages {
        let mut broken = good.clone();
        breakage(&mut broken);
        assert!(
            !validator.is_valid(&broken),
            "the schema accepts a manifest with {what}"
        );
    }
}

/// Every property of every object in the schema says what it holds.
#[test]
fn every_property_of_the_manifest_schema_has_a_description() {
    fn walk(schema: &Value, path: &str, missing: &mut Vec<String>) {
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let described = property
                    .get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| d.len() > 10);
                if !described {
                    missing.push(format!("{path}.{name}"));
                }
            }
        }
        if let Some(defs) = schema.get("$defs").and_then(Value::as_object) {
            for (name, def) in defs {
                walk(def, name, missing);
            }
        }
    }
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    let schema: Value = serde_json::from_str(&site.read("dist/manifest.schema.json")).unwrap();
    let mut missing = Vec::new();
    walk(&schema, "Manifest", &mut missing);
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "properties without a description"
    );
    let links = &schema["$defs"]["ManifestGuide"]["properties"]["links"]["description"];
    assert!(
        links.as_str().unwrap().contains("root-relative"),
        "links do not say they are root-relative with a root-relative base_url: {links}"
    );
}

// ---------------------------------------------------------------- determinism, atomicity

#[test]
fn two_builds_of_the_same_site_are_byte_identical() {
    let site = four_guides();
    site.site_yaml("title: Help\nonboard: {endpoint: https://portal.agency.test/api/onboard}\n")
        .guide(
            "meta",
            &format!("{STEPS}\nSee [Alpha](alpha.md) and ![shot](meta/shot.png).\n"),
        )
        .file("content/meta/shot.png", common::png(4, 3))
        .file("content/meta/more/deep.png", b"deep");
    // Different thread counts change the order in which parallel work finishes.
    let first = site
        .command()
        .env("RAYON_NUM_THREADS", "1")
        .args(["build", "--out", "one"])
        .output()
        .unwrap();
    assert_exit(&common::checked(first), 0);
    let second = site
        .command()
        .env("RAYON_NUM_THREADS", "8")
        .args(["build", "--out", "two"])
        .output()
        .unwrap();
    assert_exit(&common::checked(second), 0);
    let one = snapshot(&site.path().join("one"));
    let two = snapshot(&site.path().join("two"));
    assert!(
        one.contains_key("meta/more/deep.png") && one.len() > 10,
        "{:?}",
        one.keys()
    );
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>(),
        "different file sets"
    );
    for (path, bytes) in &one {
        assert!(bytes == &two[path], "{path} differs between two builds");
    }
}

#[test]
fn failed_validation_leaves_the_previous_dist_untouched() {
    let site = four_guides();
    assert_exit(&site.run(&["build"]), 0);
    let before = snapshot(&site.path().join("dist"));
    site.guide_with("alpha", &[("platfrom", "Alpha")], STEPS);
    build_fails_leaving(&site, &before, 1, "content/alpha.md");
}

#[test]
fn theme_template_errors_exit_2_and_leave_the_previous_dist_untouched() {
    let site = four_guides();
    assert_exit(&site.run(&["build"]), 0);
    let before = snapshot(&site.path().join("dist"));
    // A template that does not parse, and one that parses but fails to render
    // (after the staging directory exists).
    for template in ["{{ broken", "<p>{{ guide.no_such_field.deeper }}</p>"] {
        site.file("themes/default/templates/embed.html", template);
        build_fails_leaving(&site, &before, 2, "embed.html");
    }
}

// ---------------------------------------------------------------- links and assets

#[test]
fn relative_links_to_guides_become_site_urls() {
    let site = SiteFixture::new();
    site.guide("meta", &format!("{STEPS}\n## Some heading\n\nMore.\n"))
        .guide(
            "tiktok",
            &format!("{STEPS}\nSee [Meta](meta.md) and [x](meta.md#some-heading).\n"),
        );
    assert_exit(&site.run(&["build"]), 0);
    for file in ["dist/tiktok/index.html", "dist/embed/tiktok.html"] {
        let html = tags(&site.read(file));
        find(&html, "a", &[("href", "/meta/")]);
        find(&html, "a", &[("href", "/meta/#some-heading")]);
    }
    find(
        &tags(&site.read("dist/meta/index.html")),
        "h2",
        &[("id", "some-heading")],
    );
}

#[test]
fn an_asset_referenced_by_a_guide_is_copied_and_linked() {
    let site = SiteFixture::new();
    let png = common::png(4, 3);
    site.guide("tiktok", &format!("{STEPS}\n![shot](tiktok/shot.png)\n"))
        .file("content/tiktok/shot.png", &png);
    assert_exit(&site.run(&["build"]), 0);
    assert_eq!(
        std::fs::read(site.path().join("dist/tiktok/shot.png")).unwrap(),
        png
    );
    find(
        &tags(&site.read("dist/tiktok/index.html")),
        "img",
        &[("src", "/tiktok/shot.png"), ("alt", "shot")],
    );
}

// ---------------------------------------------------------------- sanitising

#[test]
fn script_in_the_body_and_front_matter_is_never_published() {
    let site = SiteFixture::new();
    let evil = r#"'<script>alert(1)</script> "><img src=x onerror=alert(1)>'"#;
    let body = format!(
        "{STEPS}
<script>alert(1)</script>

<img src=\"https://agency.test/x.png\" onerror=\"alert(1)\">

[click](javascript:alert(1))

<a href=\"javascript:alert(1)\">x</a>

<iframe src=\"https://agency.test/\"></iframe>
"
    );
    site.guide_with(
        "acme",
        &[("title", evil), ("summary", evil), ("platform", evil)],
        &body,
    );
    assert_exit(&site.run(&["build"]), 0);
    for file in [
        "dist/acme/index.html",
        "dist/embed/acme.html",
        "dist/index.html",
    ] {
        let html = site.read(file);
        assert_no_script(&html, file);
        assert!(
            html.contains("&lt;script&gt;"),
            "{file}: the title is not shown escaped:\n{html}"
        );
    }
    // The portal may render the manifest's links: none may carry script.
    let links = manifest(&site)["guides"][0]["links"].to_string();
    assert!(!links.contains("javascript:"), "{links}");
    assert!(links.contains("mailto:"), "real links stay: {links}");
}

#[test]
fn manifest_links_are_absolute_urls() {
    let site = SiteFixture::new();
    site.guide("other", STEPS).guide(
        "acme",
        &format!("{STEPS}\nSee [other](other.md#grant-access), [top](#grant-access) and <https://agency.test/help>.\n"),
    );
    assert_exit(
        &site.run(&["build", "--base-url", "https://help.agency.test/"]),
        0,
    );
    let m = manifest(&site);
    let acme = m["guides"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["source"] == "acme")
        .unwrap();
    let links: Vec<&str> = acme["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for expected in [
        "https://help.agency.test/other/#grant-access",
        "https://help.agency.test/acme/#grant-access",
        "https://agency.test/help",
    ] {
        assert!(
            links.contains(&expected),
            "{expected} missing from {links:?}"
        );
    }
    // With the default base_url, links within the site are root-relative,
    // as the schema says.
    assert_exit(&site.run(&["build"]), 0);
    let links = manifest(&site)["guides"][0]["links"].to_string();
    assert!(
        links.contains("\"/other/#grant-access\"") && links.contains("\"/acme/#grant-access\""),
        "{links}"
    );
}

#[test]
fn an_asset_that_would_overwrite_a_generated_page_is_refused() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS)
        .file("content/acme/index.html", "<p>mine</p>");
    build_fails_naming(&site, 2, "content/acme/index.html");
}

#[test]
fn a_non_empty_folder_that_is_no_earlier_build_is_never_replaced() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS).file("notes/keep.txt", "precious");
    let output = site.run(&["build", "--out", "notes"]);
    assert_exit(&output, 2);
    assert_eq!(site.read("notes/keep.txt"), "precious");
    // An earlier build, recognised by its manifest, is replaced as usual.
    assert_exit(&site.run(&["build", "--out", "public"]), 0);
    assert_exit(&site.run(&["build", "--out", "public"]), 0);
}

#[test]
fn onboard_portal_with_a_javascript_url_is_never_published() {
    let site = SiteFixture::new();
    site.guide_with(
        "acme",
        &[("onboard", "\n  portal: javascript:alert(1)\n  fields: []")],
        STEPS,
    );
    let output = site.run(&["build"]);
    // Refusing the guide (exit 1) is as good as publishing no script.
    if output.status.code() != Some(1) {
        assert_exit(&output, 0);
        for file in ["dist/acme/index.html", "dist/embed/acme.html"] {
            assert_no_script(&site.read(file), file);
        }
    }
}

// ---------------------------------------------------------------- front matter errors

/// The build fails with exit 1 and writes nothing; `check --format json` reports
/// exactly one error, `code` in `file`, which is returned.
#[track_caller]
fn single_error(site: &SiteFixture, code: &str, file: &str) -> Value {
    let build = site.run(&["build"]);
    assert_exit(&build, 1);
    assert!(
        !site.path().join("dist").exists(),
        "a failed build wrote dist/"
    );
    let check = site.run(&["check", "--offline", "--format", "json"]);
    assert_exit(&check, 1);
    let report: Value =
        serde_json::from_slice(&check.stdout).expect("check --format json prints JSON");
    let errors: Vec<&Value> = report["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "expected exactly one error: {report:#}");
    assert_eq!(report["errors"], 1, "{report:#}");
    let d = errors[0].clone();
    assert_eq!(
        (d["code"].as_str(), d["file"].as_str()),
        (Some(code), Some(file)),
        "{d:#}"
    );
    d
}

fn at(d: &Value) -> (u64, u64) {
    (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
}

/// A site with one valid guide and `text` as `content/x.md`.
fn site_with_x(text: &str) -> SiteFixture {
    let site = SiteFixture::new();
    site.guide("ok", STEPS).file("content/x.md", text);
    site
}

#[test]
fn guide_without_front_matter_is_frontmatter_missing_at_1_1() {
    let site = site_with_x(STEPS);
    let d = single_error(&site, "frontmatter/missing", "content/x.md");
    assert_eq!(at(&d), (1, 1));
}

#[test]
fn yaml_syntax_error_is_frontmatter_invalid_at_its_line() {
    let text = guide_text("x", &[("summary", "Grant: access")], STEPS);
    let site = site_with_x(&text);
    let d = single_error(&site, "frontmatter/invalid", "content/x.md");
    // `summary: Grant: access`: the second `:` is the error.
    assert_eq!(at(&d), (line_of(&text, "summary:") as u64, 15));
}

#[test]
fn wrong_type_is_frontmatter_invalid_at_the_value() {
    let text = guide_text("x", &[("order", "ten")], STEPS);
    let site = site_with_x(&text);
    let d = single_error(&site, "frontmatter/invalid", "content/x.md");
    assert_eq!(at(&d), (line_of(&text, "order: ten") as u64, 8));
}

#[test]
fn missing_title_is_frontmatter_invalid_at_the_start_of_the_front_matter() {
    let site = site_with_x(&without_line(&guide_text("x", &[], STEPS), "title:"));
    let d = single_error(&site, "frontmatter/invalid", "content/x.md");
    assert!(d["message"].as_str().unwrap().contains("title"), "{d:#}");
    // The opening fence or the mapping's first key; not some unrelated key.
    assert!(
        matches!(at(&d), (1, 1) | (2, 1)),
        "missing `title` reported at {:?}: {d:#}",
        at(&d)
    );
}

#[test]
fn bad_source_id_is_frontmatter_invalid_at_the_value() {
    let site = site_with_x(&guide_text("TikTok", &[], STEPS));
    let d = single_error(&site, "frontmatter/invalid", "content/x.md");
    assert_eq!(at(&d), (2, 9));
    assert!(d["message"].as_str().unwrap().contains("TikTok"), "{d:#}");
}

#[test]
fn unknown_key_is_frontmatter_unknown_key_with_a_suggestion() {
    let text = guide_text("x", &[("platfrom", "X")], STEPS);
    let site = site_with_x(&text);
    let d = single_error(&site, "frontmatter/unknown-key", "content/x.md");
    assert_eq!(at(&d), (line_of(&text, "platfrom:") as u64, 1));
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `platform`"),
        "{d:#}"
    );
}

#[test]
fn duplicate_source_is_reported_on_the_second_file() {
    let site = SiteFixture::new();
    site.file("content/a.md", guide_text("dup", &[], STEPS))
        .file("content/b.md", guide_text("dup", &[], STEPS));
    let d = single_error(&site, "frontmatter/duplicate-source", "content/b.md");
    assert_eq!(at(&d), (2, 9));
    assert!(
        d["message"].as_str().unwrap().contains("content/a.md"),
        "{d:#}"
    );
    // Whatever order the index lists them in: b.md comes first there.
    site.file("content/a.md", guide_text("dup", &[("order", "2")], STEPS))
        .file("content/b.md", guide_text("dup", &[("order", "1")], STEPS));
    single_error(&site, "frontmatter/duplicate-source", "content/b.md");
    let build = stderr(&site.run(&["build"]));
    assert!(build.contains("--> content/b.md:2:9"), "{build}");
}

// ---------------------------------------------------------------- unreadable content

#[test]
fn non_utf8_guide_exits_2_naming_file_line_and_column() {
    let prefix = format!("{}\nSome text ", guide_text("x", &[], STEPS));
    let mut bytes = prefix.clone().into_bytes();
    bytes.extend_from_slice(b"\xff\xfe and more.\n");
    let site = SiteFixture::new();
    site.file("content/x.md", bytes);
    let line = prefix.matches('\n').count() + 1;
    let column = prefix.rsplit('\n').next().unwrap().chars().count() + 1;
    build_fails_naming(&site, 2, &format!("content/x.md:{line}:{column}"));
}

#[test]
#[cfg(unix)]
fn unreadable_guide_exits_2_naming_the_file() {
    // Root reads anything, so "unreadable" is a guide that is a dangling symlink.
    let site = SiteFixture::new();
    site.guide("ok", STEPS);
    std::os::unix::fs::symlink("missing.md", site.path().join("content/x.md")).unwrap();
    build_fails_naming(&site, 2, "content/x.md");
}

// ---------------------------------------------------------------- command line

#[test]
fn drafts_are_skipped_unless_asked_for() {
    let site = SiteFixture::new();
    site.guide("live", STEPS)
        .guide_with("wip", &[("draft", "true")], STEPS);
    assert_exit(&site.run(&["build"]), 0);
    assert!(
        !site.path().join("dist/wip").exists(),
        "a draft was published"
    );
    assert!(
        !site.path().join("dist/embed/wip.html").exists(),
        "a draft's embed was published"
    );
    assert_eq!(sources(&manifest(&site)), ["live"]);
    assert!(!site.read("dist/index.html").contains("Wip access guide"));
    assert!(!site.read("dist/sitemap.xml").contains("/wip/"));

    assert_exit(&site.run(&["build", "--drafts"]), 0);
    assert!(site.path().join("dist/wip/index.html").is_file());
    assert!(site.path().join("dist/embed/wip.html").is_file());
    assert_eq!(sources(&manifest(&site)), ["live", "wip"]);
}

#[test]
fn a_rebuild_replaces_the_previous_output_whole() {
    let site = four_guides();
    site.file("content/beta/shot.png", "png");
    assert_exit(&site.run(&["build"]), 0);
    std::fs::remove_file(site.path().join("content/beta.md")).unwrap();
    std::fs::remove_dir_all(site.path().join("content/beta")).unwrap();
    assert_exit(&site.run(&["build"]), 0);
    for gone in ["dist/beta", "dist/embed/beta.html"] {
        assert!(
            !site.path().join(gone).exists(),
            "{gone} outlived its guide"
        );
    }
    assert_eq!(sources(&manifest(&site)), ["zeta", "aardvark", "alpha"]);
    assert!(site.path().join("dist/alpha/index.html").is_file());
    assert_no_leftovers(site.path());
}

#[cfg(unix)]
#[test]
fn a_rebuild_through_a_linked_output_folder_leaves_the_link_target_alone() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let target = tempfile::tempdir().unwrap();
    assert_exit(
        &site.run(&["build", "--out", target.path().to_str().unwrap()]),
        0,
    );
    std::fs::write(target.path().join("keep.txt"), "not ours").unwrap();
    std::os::unix::fs::symlink(target.path(), site.path().join("dist")).unwrap();
    assert_exit(&site.run(&["build"]), 0);
    assert!(site.path().join("dist/acme/index.html").is_file());
    assert_eq!(
        std::fs::read_to_string(target.path().join("keep.txt")).unwrap(),
        "not ours",
        "a file in the link's target was deleted"
    );
    assert_no_leftovers(site.path());
}

#[test]
fn guide_errors_are_reported_even_when_an_asset_is_refused() {
    let site = SiteFixture::new();
    site.guide(
        "acme",
        &STEPS.replace("1. Open the **Members** page of your ad account.", "1."),
    )
    .file("content/static/x.css", "p {}");
    build_fails_naming(&site, 1, "steps/empty");
    // The asset alone is refused: the fixture tests what it says.
    site.guide("acme", STEPS);
    build_fails_naming(&site, 2, "content/static/x.css");
}

#[test]
fn manifest_of_more_guides_than_a_render_batch_is_whole_and_in_index_order() {
    // Entries are appended in batches of 256: cross a boundary or two.
    let site = SiteFixture::new();
    let count = 600;
    for i in 0..count {
        // File order and index order differ: `order` runs backwards.
        let order = (count - i).to_string();
        site.guide_with(&format!("g{i:03}"), &[("order", order.as_str())], STEPS);
    }
    assert_exit(&site.run(&["build"]), 0);
    let m = manifest(&site);
    let expected: Vec<String> = (0..count).rev().map(|i| format!("g{i:03}")).collect();
    assert_eq!(sources(&m), expected);
    for guide in m["guides"].as_array().unwrap() {
        let embed = site.read(&format!(
            "dist/embed/{}.html",
            guide["source"].as_str().unwrap()
        ));
        assert_eq!(guide["hash"], sha256_hex(embed.as_bytes()));
    }
}

#[test]
fn out_flag_writes_to_that_folder_relative_to_the_root() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    assert_exit(&site.run(&["build", "--out", "other"]), 0);
    assert!(site.path().join("other/acme/index.html").is_file());
    assert!(site.path().join("other/manifest.json").is_file());
    assert!(
        !site.path().join("dist").exists(),
        "dist/ written despite --out"
    );
    assert_no_leftovers(site.path());
}

#[test]
fn out_folder_that_holds_the_sources_is_refused() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let output = site.run(&["build", "--out", "content"]);
    assert_exit(&output, 2);
    assert!(
        site.path().join("content/acme.md").is_file(),
        "the build deleted the guides"
    );
}

#[test]
fn root_flag_works_from_another_working_directory() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let mut cmd = assert_cmd::Command::cargo_bin("guidesite").unwrap();
    let output = cmd
        .current_dir(site.tmp())
        .args(["--root", "site", "build"])
        .output()
        .unwrap();
    assert_exit(&common::checked(output), 0);
    assert!(site.path().join("dist/acme/index.html").is_file());
    assert!(
        !site.tmp().join("dist").exists(),
        "dist/ written in the working directory"
    );
}

#[test]
fn missing_root_exits_2_and_creates_nothing() {
    let site = SiteFixture::new();
    let missing = site.tmp().join("no-such-site");
    let mut cmd = assert_cmd::Command::cargo_bin("guidesite").unwrap();
    let output = common::checked(
        cmd.arg("--root")
            .arg(&missing)
            .arg("build")
            .output()
            .unwrap(),
    );
    assert_exit(&output, 2);
    assert!(!missing.exists(), "build created {}", missing.display());
}

#[test]
fn unknown_subcommand_or_flag_exits_2() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    for args in [
        &["frobnicate"][..],
        &["build", "--frobnicate"],
        &["build", "--out"],
        &[],
    ] {
        let output = site.run(args);
        assert_exit(&output, 2);
        assert!(!output.stderr.is_empty(), "{args:?}: no message");
    }
    assert!(!site.path().join("dist").exists());
}

#[test]
fn unknown_site_yaml_key_exits_2_with_a_suggestion() {
    for (yaml, suggestion) in [
        ("titel: Help\n", "did you mean `title`"),
        ("links:\n  timeout: 3\n", "did you mean `timeout_secs`"),
    ] {
        let site = SiteFixture::new();
        site.site_yaml(yaml).guide("acme", STEPS);
        let output = site.run(&["build"]);
        assert_exit(&output, 2);
        let err = stderr(&output);
        assert!(
            err.contains("site.yaml") && err.contains(suggestion),
            "{yaml:?}: {err}"
        );
        assert!(!site.path().join("dist").exists());
    }
}

#[test]
fn a_relative_base_url_earns_a_note_for_the_portal() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let relative = site.run(&["build"]);
    assert_exit(&relative, 0);
    assert!(
        stderr(&relative).contains("note: base_url is `/`"),
        "{}",
        stderr(&relative)
    );
    let absolute = site.run(&["build", "--base-url", "https://help.agency.test/"]);
    assert_exit(&absolute, 0);
    assert!(
        !stderr(&absolute).contains("note:"),
        "{}",
        stderr(&absolute)
    );
}

#[test]
#[cfg(unix)]
fn a_guide_that_is_a_symlink_is_built() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS)
        .file("shared/beta.md", guide_text("beta", &[], STEPS));
    std::os::unix::fs::symlink(
        site.path().join("shared/beta.md"),
        site.path().join("content/beta.md"),
    )
    .unwrap();
    assert_exit(&site.run(&["build"]), 0);
    assert!(site.path().join("dist/beta/index.html").is_file());
}

#[test]
#[cfg(unix)]
fn files_and_links_leading_outside_the_site_are_refused_and_never_published() {
    use std::os::unix::fs::symlink;
    let site = SiteFixture::new();
    site.guide("acme", STEPS)
        .file("shared/ok.png", "inside the site");
    let elsewhere = site.tmp().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("secret.png"), "SECRET-OUTSIDE").unwrap();
    let content = site.path().join("content");
    std::fs::create_dir(content.join("acme")).unwrap();
    symlink("/etc/passwd", content.join("acme/passwd.png")).unwrap();
    symlink("/proc/self/environ", content.join("environ.md")).unwrap();
    symlink(&elsewhere, content.join("acme/elsewhere")).unwrap();
    // Links that stay inside the site keep working.
    symlink("../../shared/ok.png", content.join("acme/inside.png")).unwrap();
    symlink(site.path().join("shared"), content.join("linked")).unwrap();

    let run = common::check_json(site.path(), &["--offline"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let refused: Vec<(&str, &str)> = run
        .diagnostics
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [
            ("content/outside-root", "content/acme/elsewhere"),
            ("content/outside-root", "content/acme/passwd.png"),
            ("content/outside-root", "content/environ.md"),
        ]
    );
    build_fails_naming(&site, 1, "content/outside-root");

    // Allowed, the build goes on without them: nothing outside is published.
    site.site_yaml("lints:\n  content/outside-root: allow\n");
    assert_exit(&site.run(&["build"]), 0);
    let published = snapshot(&site.path().join("dist"));
    assert_eq!(published["acme/inside.png"], b"inside the site");
    assert_eq!(published["linked/ok.png"], b"inside the site");
    for (path, bytes) in &published {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("SECRET-OUTSIDE") && !text.contains("root:x:0:0"),
            "{path} holds a file from outside the site"
        );
    }
    assert!(
        !published
            .keys()
            .any(|p| p.contains("passwd") || p.contains("elsewhere"))
    );
}

#[test]
#[cfg(unix)]
fn a_theme_file_leading_outside_the_site_stops_the_build() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS)
        .file("themes/default/static/site.css", "p {}");
    std::os::unix::fs::symlink(
        "/etc/passwd",
        site.path().join("themes/default/static/leak.css"),
    )
    .unwrap();
    build_fails_naming(&site, 2, "themes/default/static/leak.css");
    assert!(!site.path().join("dist").exists());
}

#[test]
fn hidden_files_are_not_content_but_a_themes_hidden_files_are_published() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS)
        .file("content/acme/.DS_Store", "x")
        .file("content/acme/shot.png", "png")
        .file(
            "themes/default/static/.well-known/security.txt",
            "Contact: x",
        );
    assert_exit(&site.run(&["build"]), 0);
    let published = snapshot(&site.path().join("dist"));
    assert!(published.contains_key("acme/shot.png"));
    assert!(!published.contains_key("acme/.DS_Store"));
    assert!(published.contains_key("static/.well-known/security.txt"));
}

#[test]
#[cfg(unix)]
fn links_into_git_and_hidden_files_are_never_published() {
    use std::os::unix::fs::symlink;
    let site = SiteFixture::new();
    let token = "extraheader = AUTHORIZATION: basic SECRET-TOKEN";
    site.guide("acme", STEPS)
        .file(".git/config", token)
        .file("content/acme/.env", "SECRET-TOKEN=1")
        .file("content/acme/shot.png", "png");
    symlink("../../.git", site.path().join("content/acme/git")).unwrap();
    symlink("../.git/config", site.path().join("content/config.md")).unwrap();
    symlink(
        "../../.git/config",
        site.path().join("content/acme/config.png"),
    )
    .unwrap();
    let run = common::check_json(site.path(), &["--offline"]);
    let refused: Vec<&str> = run
        .diagnostics
        .iter()
        .filter(|d| d["code"] == "content/outside-root")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        refused,
        [
            "content/acme/config.png",
            "content/acme/git",
            "content/config.md"
        ]
    );
    site.site_yaml("lints:\n  content/outside-root: allow\n");
    assert_exit(&site.run(&["build"]), 0);
    let published = snapshot(&site.path().join("dist"));
    assert!(published.contains_key("acme/shot.png"));
    for (path, bytes) in &published {
        assert!(
            !String::from_utf8_lossy(bytes).contains("SECRET-TOKEN"),
            "{path} publishes a secret"
        );
    }
}

#[test]
#[cfg(unix)]
fn a_site_yaml_leading_outside_the_site_is_not_read() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let elsewhere = site.tmp().join("elsewhere.yaml");
    std::fs::write(&elsewhere, "title: SECRET-TITLE\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, site.path().join("site.yaml")).unwrap();
    build_fails_naming(&site, 2, "leads outside the site root");
}

/// Where the build published the stylesheet: `static/guidesite.<hash>.css`
/// (the only file of that form in `dist/static/`).
fn published_stylesheet(site: &SiteFixture) -> String {
    let names: Vec<String> = std::fs::read_dir(site.path().join("dist/static"))
        .expect("dist/static")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("guidesite.") && name.ends_with(".css"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    format!("static/{}", names[0])
}
