//! Issue 16's navigation on the help site's guide pages, from the real
//! binary's output: the list of all guides (one shared file, the page's
//! neighbours as its fallback, the current guide marked), the table of
//! contents, previous/next in index order; none of it in the embeds; and
//! `serve` re-rendering the neighbours a change gives a guide.

mod common;

use std::time::{Duration, Instant};

use common::{STEPS, Serve, SiteFixture, assert_exit};

/// The part of `html` from `start` to the first `end` after it.
fn element<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = html.find(start)?;
    let len = html[from..].find(end)? + end.len();
    Some(&html[from..from + len])
}

/// The `href`s of the links in `html`, in order.
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// The page's "All guides" navigation as rendered (before any script).
fn guide_list(page: &str) -> &str {
    element(page, "<details class=\"guidesite-guides\"", "</details>")
        .unwrap_or_else(|| panic!("no list of guides in {page}"))
}

/// The page's previous and next links' hrefs, `-` where there is none:
/// `"/alpha/ /gamma/"`.
fn pager(page: &str) -> String {
    let pager = element(page, "<nav class=\"guidesite-pager\"", "</nav>").unwrap_or("");
    let link = |rel: &str| {
        let at = pager.find(&format!("rel=\"{rel}\""))?;
        let start = pager[..at].rfind("<a ")?;
        hrefs(&pager[start..at]).first().copied()
    };
    format!(
        "{} {}",
        link("prev").unwrap_or("-"),
        link("next").unwrap_or("-")
    )
}

fn built(site: &SiteFixture) {
    assert_exit(&site.run(&["build"]), 0);
}

#[test]
fn every_guide_page_lists_its_neighbours_marks_itself_and_loads_the_shared_list() {
    let site = SiteFixture::new();
    for source in ["alpha", "beta", "gamma", "delta"] {
        site.guide(source, STEPS);
    }
    built(&site);

    // One shared list of every guide, in index order (by title here).
    let shared = site.read("dist/guide-list.html");
    assert_eq!(
        hrefs(&shared),
        ["/alpha/", "/beta/", "/delta/", "/gamma/"],
        "{shared}"
    );
    assert!(!shared.contains("aria-current"), "{shared}");

    let page = site.read("dist/beta/index.html");
    let list = guide_list(&page);
    assert!(
        list.contains("data-guide-list=\"/guide-list.html\""),
        "{list}"
    );
    assert!(
        page.contains("src=\"/static/guidesite-nav.js\""),
        "the script that loads the shared list"
    );
    assert!(
        site.path().join("dist/static/guidesite-nav.js").is_file(),
        "the script is published"
    );
    // Without script: the neighbours, the current guide marked, and the index.
    assert_eq!(hrefs(list), ["/alpha/", "/beta/", "/delta/", "/"], "{list}");
    assert!(
        list.contains("<a href=\"/beta/\" aria-current=\"page\">Beta access guide</a>"),
        "{list}"
    );
    assert_eq!(list.matches("aria-current").count(), 1, "{list}");
    // A page does not grow with the site: guides farther away are not in it.
    assert!(!page.contains("/gamma/"), "{page}");
    // At the ends, the one neighbour there is.
    assert_eq!(
        hrefs(guide_list(&site.read("dist/alpha/index.html"))),
        ["/alpha/", "/beta/", "/"]
    );
    assert_eq!(
        hrefs(guide_list(&site.read("dist/gamma/index.html"))),
        ["/delta/", "/gamma/", "/"]
    );
}

#[test]
fn the_table_of_contents_needs_three_sections_and_links_each_heading() {
    let two = format!("{STEPS}\n## Check the access\n\nAsk the agency.\n");
    let three =
        format!("{two}\n### A detail\n\nNot a section.\n\n## Onboard it\n\nIn the portal.\n");
    let site = SiteFixture::new();
    site.guide("two", &two).guide("three", &three);
    built(&site);

    let page = site.read("dist/two/index.html");
    assert!(!page.contains("guidesite-toc"), "two sections: no contents");

    let page = site.read("dist/three/index.html");
    let toc = element(&page, "<nav class=\"guidesite-toc\"", "</nav>")
        .unwrap_or_else(|| panic!("three sections: contents in {page}"));
    assert!(toc.contains("aria-label=\"On this page\""), "{toc}");
    let links = hrefs(toc);
    assert_eq!(
        links,
        ["#grant-access", "#check-the-access", "#onboard-it"],
        "the h2 headings only, in order: {toc}"
    );
    for link in links {
        let id = format!("id=\"{}\"", &link[1..]);
        assert!(page.contains(&id), "{id} on the page");
    }
}

#[test]
fn previous_and_next_follow_index_order_with_order_first() {
    let site = SiteFixture::new();
    // Index order: by `order`, guides without one last (then by title).
    site.guide_with("zulu", &[("order", "1")], STEPS)
        .guide_with("yankee", &[("order", "2")], STEPS)
        .guide("alpha", STEPS)
        .guide("bravo", STEPS);
    built(&site);
    let pager_of = |source: &str| pager(&site.read(&format!("dist/{source}/index.html")));

    assert_eq!(pager_of("zulu"), "- /yankee/", "the first");
    assert_eq!(pager_of("yankee"), "/zulu/ /alpha/");
    assert_eq!(pager_of("alpha"), "/yankee/ /bravo/");
    assert_eq!(pager_of("bravo"), "/alpha/ -", "the last");
    let page = site.read("dist/alpha/index.html");
    assert!(
        page.contains("rel=\"prev\"><span class=\"guidesite-pager-label\">Previous</span> Yankee access guide</a>"),
        "{page}"
    );

    let alone = SiteFixture::new();
    alone.guide("solo", STEPS);
    built(&alone);
    let page = alone.read("dist/solo/index.html");
    assert!(!page.contains("guidesite-pager"), "no neighbours, no pager");
}

#[test]
fn nothing_of_the_navigation_is_in_the_embed_nor_changes_it() {
    let body = format!("{STEPS}\n## Two\n\nText.\n\n## Three\n\nText.\n");
    let site = SiteFixture::new();
    site.guide("alpha", &body);
    built(&site);
    let alone = site.read("dist/embed/alpha.html");
    let manifest = site.read("dist/manifest.json");

    site.guide("beta", &body).guide("gamma", &body);
    built(&site);
    let embed = site.read("dist/embed/alpha.html");
    assert!(
        site.read("dist/alpha/index.html").contains("guidesite-toc"),
        "the page has its contents"
    );
    for nav in [
        "guidesite-guides",
        "guide-list",
        "guidesite-toc",
        "guidesite-pager",
        "aria-current",
        "/beta/",
    ] {
        assert!(!embed.contains(nav), "{nav} in the embed: {embed}");
    }
    assert_eq!(embed, alone, "neighbours do not change the embed");
    let hash = |manifest: &str| {
        let json: serde_json::Value = serde_json::from_str(manifest).unwrap();
        json["guides"][0]["hash"].as_str().unwrap().to_string()
    };
    assert_eq!(hash(&site.read("dist/manifest.json")), hash(&manifest));
}

/// Asks `serve` for `path` until `done` holds of it (a save reaches the
/// watcher, then the pages are rendered again).
fn served_when(serve: &Serve, path: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page = serve.get(path).text();
        if done(&page) {
            return page;
        }
        assert!(Instant::now() < deadline, "not within 5 s: {what}\n{page}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn serve_renders_the_neighbours_of_a_guide_added_reordered_and_removed_again() {
    let site = SiteFixture::new();
    site.guide("alpha", STEPS).guide("gamma", STEPS);
    let serve = Serve::start(&site);
    assert_eq!(pager(&serve.get("/alpha/").text()), "- /gamma/");

    // Added between them: both neighbours link to it.
    site.guide("beta", STEPS);
    served_when(&serve, "/alpha/", "alpha's next is beta", |page| {
        pager(page) == "- /beta/"
    });
    served_when(&serve, "/gamma/", "gamma's previous is beta", |page| {
        pager(page) == "/beta/ -"
    });
    assert_eq!(pager(&serve.get("/beta/").text()), "/alpha/ /gamma/");

    // Reordered to the front: its old and new neighbours change.
    site.guide_with("gamma", &[("order", "1")], STEPS);
    served_when(&serve, "/alpha/", "alpha follows gamma now", |page| {
        pager(page) == "/gamma/ /beta/"
    });
    served_when(&serve, "/beta/", "beta is last now", |page| {
        pager(page) == "/alpha/ -"
    });

    // Renamed: its neighbours show the new title.
    site.guide_with(
        "gamma",
        &[("order", "1"), ("title", "Gamma renamed")],
        STEPS,
    );
    served_when(&serve, "/alpha/", "alpha shows the new title", |page| {
        page.contains("Gamma renamed")
    });

    // Removed: its neighbour loses it.
    std::fs::remove_file(site.path().join("content/gamma.md")).unwrap();
    served_when(&serve, "/alpha/", "alpha is first again", |page| {
        pager(page) == "- /beta/"
    });
    let shared = served_when(&serve, "/guide-list.html", "the shared list", |list| {
        !list.contains("/gamma/")
    });
    assert_eq!(hrefs(&shared), ["/alpha/", "/beta/"], "{shared}");
}
