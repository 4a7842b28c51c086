//! `guidesite serve` for real: a child process on 127.0.0.1, real files
//! changed on disk, pages fetched and reload events read over HTTP.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{STEPS, Serve, SiteFixture, assert_exit, line_of};
use guidesite::serve::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS};

/// The whole wait allowed for a change to show (the issue's budget).
const WITHIN: Duration = Duration::from_secs(2);

/// A running `guidesite serve`, killed when dropped.
struct Server(Serve);

impl Server {
    fn start(site: &SiteFixture) -> Server {
        Server(Serve::start(site))
    }

    /// A server that may open at most `limit` files (`ulimit -n`).
    fn start_with_open_files(site: &SiteFixture, limit: usize) -> Server {
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg(format!(r#"ulimit -n {limit} && exec "$0" "$@""#))
            .arg(assert_cmd::cargo::cargo_bin("guidesite"));
        Server(Serve::spawn(site, shell))
    }

    /// (status, body) of a raw HTTP/1.1 GET: the path is sent as is.
    fn get(&self, path: &str) -> (u16, String) {
        let response = self.0.get(path);
        (response.status, response.text())
    }

    /// `count` connections that send half a request line and stall.
    fn stall(&self, count: usize) -> Vec<TcpStream> {
        (0..count)
            .map(|_| {
                let mut stream = TcpStream::connect(self.0.addr).unwrap();
                stream.write_all(b"GET /acme/ HT").unwrap();
                stream
            })
            .collect()
    }

    /// Reload events as they arrive, read on a thread of their own.
    fn reloads(&self) -> Receiver<String> {
        let mut stream = TcpStream::connect(self.0.addr).unwrap();
        write!(
            stream,
            "GET /__guidesite/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("event: reload") && tx.send(line).is_err() {
                    break;
                }
            }
        });
        // The subscription is live once the response headers are back; give it a moment.
        std::thread::sleep(Duration::from_millis(200));
        rx
    }
}

fn await_reload(reloads: &Receiver<String>) {
    reloads
        .recv_timeout(WITHIN)
        .expect("a reload event within 2 seconds of the change");
}

/// Waits (within the budget) until `done` holds, re-checking at every reload
/// event: one save may reach the watcher as more than one batch.
fn eventually(reloads: &Receiver<String>, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + WITHIN;
    while !done() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "not within 2 seconds: {what}");
        let _ = reloads.recv_timeout(left.min(Duration::from_millis(100)));
    }
}

#[test]
fn serves_pages_and_reloads_on_change() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let server = Server::start(&site);

    let (status, index) = server.get("/");
    assert_eq!(status, 200);
    assert!(index.contains("Acme access guide"), "{index}");
    let (status, page) = server.get("/acme/");
    assert_eq!(status, 200);
    assert!(page.contains("Invite"), "{page}");
    assert!(
        page.contains("/__guidesite/events"),
        "the reload script is injected"
    );
    assert!(
        !page.contains("guidesite-overlay"),
        "no overlay on a clean site"
    );
    assert_eq!(
        server.get("/acme").0,
        308,
        "directory paths redirect to their slash form"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&server.get("/manifest.json").1).unwrap();
    let stylesheet = manifest["stylesheet"].as_str().unwrap().to_string();
    assert!(stylesheet.starts_with("/static/guidesite."), "{stylesheet}");
    assert_eq!(server.get(&stylesheet).0, 200);
    assert_eq!(server.get("/nowhere/").0, 404);

    let reloads = server.reloads();
    site.guide("acme", &STEPS.replace("Open the", "First open the"));
    await_reload(&reloads);
    eventually(&reloads, "new text", || {
        server.get("/acme/").1.contains("First open the")
    });

    // The index lists guides: it follows a changed title too.
    site.guide_with("acme", &[("title", "Acme renamed guide")], STEPS);
    eventually(&reloads, "new title on the index", || {
        server.get("/").1.contains("Acme renamed guide")
    });
    assert!(
        !site.path().join("dist").exists(),
        "serve never writes dist/"
    );
}

#[test]
fn broken_front_matter_shows_an_overlay_over_the_last_good_page() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let server = Server::start(&site);
    let reloads = server.reloads();

    let good = std::fs::read_to_string(site.path().join("content/acme.md")).unwrap();
    let broken = good
        .replace("platform:", "platfrom:")
        .replace("Open the", "Broken");
    site.file("content/acme.md", &broken);
    await_reload(&reloads);
    eventually(&reloads, "the overlay", || {
        server.get("/acme/").1.contains("guidesite-overlay")
    });
    let (status, page) = server.get("/acme/");
    assert_eq!(status, 200, "the last good page is still served");
    assert!(
        page.contains("Open the") && !page.contains("Broken"),
        "{page}"
    );
    assert!(page.contains("guidesite-overlay"), "{page}");
    assert!(page.contains("frontmatter/unknown-key"), "{page}");
    assert!(
        page.contains("content/acme.md:"),
        "the overlay names the file"
    );
    assert!(
        server.get("/").1.contains("frontmatter/unknown-key"),
        "every page shows it"
    );

    site.file("content/acme.md", &good);
    await_reload(&reloads);
    eventually(&reloads, "the overlay gone once fixed", || {
        !server.get("/acme/").1.contains("guidesite-overlay")
    });
}

#[test]
fn a_guide_that_fails_to_render_leaves_index_and_manifest_in_agreement() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS).file(
        "themes/default/templates/embed.html",
        r#"<article>{{ guide.title }}{% if guide.title == "Boom" %}{{ guide.no_such_field.deeper }}{% endif %}</article>"#,
    );
    let server = Server::start(&site);
    let reloads = server.reloads();
    assert!(server.get("/manifest.json").1.contains("Acme access guide"));

    site.guide_with("acme", &[("title", "Boom")], STEPS);
    eventually(&reloads, "the render error", || {
        server.get("/acme/").1.contains("cannot render")
    });
    let (status, page) = server.get("/acme/");
    assert_eq!(status, 200, "the last good page is still served");
    assert!(page.contains("Acme access guide"), "{page}");
    // Neither lists the new title beside the manifest's older entry.
    let index = server.get("/").1;
    let manifest: serde_json::Value =
        serde_json::from_str(&server.get("/manifest.json").1).unwrap();
    assert!(!index.contains(r#"class="guidesite-card""#), "{index}");
    assert_eq!(manifest["guides"], serde_json::json!([]), "{manifest}");
}

#[test]
fn guides_can_be_added_renamed_and_deleted() {
    let site = SiteFixture::new();
    site.guide("acme", &format!("{STEPS}\nSee [beta](beta.md).\n"));
    let server = Server::start(&site);
    assert!(
        server.get("/acme/").1.contains("guidesite-overlay"),
        "beta.md is missing: link/broken"
    );
    let reloads = server.reloads();

    site.guide("beta", STEPS);
    await_reload(&reloads);
    eventually(&reloads, "beta served", || server.get("/beta/").0 == 200);
    let page = server.get("/acme/").1;
    assert!(
        page.contains("href=\"/beta/\""),
        "the dependent guide re-rendered: {page}"
    );
    assert!(!page.contains("guidesite-overlay"), "{page}");

    std::fs::rename(
        site.path().join("content/beta.md"),
        site.path().join("content/gamma.md"),
    )
    .unwrap();
    let gamma = std::fs::read_to_string(site.path().join("content/gamma.md")).unwrap();
    site.file(
        "content/gamma.md",
        gamma.replace("source: beta", "source: gamma"),
    );
    await_reload(&reloads);
    eventually(&reloads, "gamma served, beta gone", || {
        server.get("/gamma/").0 == 200 && server.get("/beta/").0 == 404
    });
    assert!(
        server.get("/acme/").1.contains("link/broken"),
        "acme's link to beta.md broke"
    );

    std::fs::remove_file(site.path().join("content/gamma.md")).unwrap();
    eventually(&reloads, "gamma gone", || server.get("/gamma/").0 == 404);
    assert!(!server.get("/manifest.json").1.contains("gamma"));
}

#[test]
fn paths_that_escape_the_site_are_refused() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS).file("secret.txt", "do not serve");
    let server = Server::start(&site);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/acme/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%5c..%5csecret.txt",
    ] {
        let (status, body) = server.get(path);
        assert!(status == 400 || status == 404, "{path}: {status}");
        assert!(!body.contains("do not serve"), "{path}");
    }
}

#[test]
#[cfg(unix)]
fn files_leading_outside_the_site_are_never_served() {
    use std::os::unix::fs::symlink;
    let site = SiteFixture::new();
    site.guide("acme", STEPS).file("shared/ok.png", "inside");
    let elsewhere = site.tmp().join("secret.png");
    std::fs::write(&elsewhere, "SECRET-OUTSIDE").unwrap();
    std::fs::create_dir(site.path().join("content/acme")).unwrap();
    symlink(&elsewhere, site.path().join("content/acme/at-start.png")).unwrap();
    symlink(
        "../../shared/ok.png",
        site.path().join("content/acme/ok.png"),
    )
    .unwrap();
    let server = Server::start(&site);
    let reloads = server.reloads();
    assert_eq!(server.get("/acme/ok.png"), (200, "inside".to_string()));
    assert_eq!(server.get("/acme/at-start.png").0, 404);

    // Linked while serving: neither an asset nor a guide is read.
    symlink("/etc/passwd", site.path().join("content/acme/passwd.png")).unwrap();
    symlink(&elsewhere, site.path().join("content/leak.md")).unwrap();
    eventually(&reloads, "both reported", || {
        let (_, page) = server.get("/acme/");
        page.matches("[content/outside-root]").count() == 3
    });
    for path in ["/acme/passwd.png", "/acme/at-start.png", "/leak/"] {
        let (status, body) = server.get(path);
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("SECRET-OUTSIDE") && !body.contains("root:x:0"),
            "{path}"
        );
    }
}

#[test]
fn build_output_never_carries_the_reload_script() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    assert_exit(&site.run(&["build"]), 0);
    for file in [
        "dist/index.html",
        "dist/acme/index.html",
        "dist/embed/acme.html",
        "dist/404.html",
    ] {
        assert!(!site.read(file).contains("__guidesite"), "{file}");
    }
}

#[test]
fn a_theme_change_rebuilds_every_page() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS).guide("beta", STEPS);
    let server = Server::start(&site);
    let reloads = server.reloads();
    let embed = include_str!("../themes/default/templates/embed.html");
    site.file(
        "themes/default/templates/embed.html",
        embed.replace(
            "<article class=\"guidesite-guide\"",
            "<article data-theme=\"custom\" class=\"guidesite-guide\"",
        ),
    );
    await_reload(&reloads);
    eventually(
        &reloads,
        "every page re-rendered with the new theme",
        || {
            ["/acme/", "/beta/"]
                .iter()
                .all(|p| server.get(p).1.contains("data-theme=\"custom\""))
        },
    );
}

#[test]
fn clients_that_connect_and_stall_cannot_lock_the_author_out() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    // Fewer files than stalled clients, as a desktop's usual 1024 would be
    // against a few thousand: without a connection limit, the server runs
    // out of files and accepts no one until a stalled client leaves.
    let open_files = 2 * MAX_CONNECTIONS;
    let server = Server::start_with_open_files(&site, open_files);
    let reloads = server.reloads();
    let _stalled = server.stall(open_files + 100);

    let asked = Instant::now();
    let (status, page) = server.get("/acme/");
    assert_eq!(status, 200);
    assert!(page.contains("Invite"), "{page}");
    assert!(
        asked.elapsed() < WITHIN,
        "answered in {:?}",
        asked.elapsed()
    );
    // The reload stream, open before them, is not closed to make room.
    site.guide("acme", &STEPS.replace("Open the", "First open the"));
    await_reload(&reloads);
}

#[test]
fn a_stalled_request_is_closed_after_the_header_timeout() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    let server = Server::start(&site);
    let reloads = server.reloads();
    let mut stalled = server.stall(1).remove(0);
    let stalled_at = Instant::now();
    stalled
        .set_read_timeout(Some(HEADER_READ_TIMEOUT + WITHIN))
        .unwrap();
    let read = stalled.read_to_end(&mut Vec::new());
    let waited = stalled_at.elapsed();
    if let Err(e) = read {
        // A reset is closed too; a timeout is the read's own.
        let still_open = matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
        assert!(!still_open, "still open after {waited:?}");
    }
    assert!(
        waited + WITHIN > HEADER_READ_TIMEOUT,
        "closed after {waited:?}, before the timeout"
    );
    // The reload stream, older than the timeout, is an answer in progress: still open.
    site.guide("acme", &STEPS.replace("Open the", "First open the"));
    await_reload(&reloads);
}

/// A guide whose body has a placeholder on an ASCII line with raw HTML, a
/// CJK line and a line with tabs: each is a `text/placeholder` warning.
const SLIPS: &str = "1. Open the <b>Members</b> page, then TODO.
2. Invite [data@example.com](mailto:data@example.com) as a member.
3. Give the member the **Analyst** role.

日本語の説明 TODO ここ。

Note:\tsee\tTODO here.

<img src=x onerror=alert(1)> TODO too.
";

/// The overlay `<div>` of a served page.
fn overlay_of(page: &str) -> &str {
    let start = page
        .find("<div id=\"guidesite-overlay\"")
        .unwrap_or_else(|| panic!("no overlay in {page}"));
    let end = start + page[start..].find("</ul></div>").expect("the overlay ends");
    &page[start..end]
}

/// The overlay's item for the diagnostic at `location` (`content/x.md:3:1`).
fn overlay_item<'a>(overlay: &'a str, location: &str) -> &'a str {
    overlay
        .split("<li>")
        .find(|item| item.contains(&format!("<code>{location}</code>")))
        .unwrap_or_else(|| panic!("no item at {location} in {overlay}"))
}

/// (the `href` of an item's location, its `<pre>` of source lines as HTML).
fn link_and_source(item: &str) -> (&str, &str) {
    let between = |open: &str, close: &str| {
        let start = item
            .find(open)
            .unwrap_or_else(|| panic!("no {open} in {item}"))
            + open.len();
        &item[start..start + item[start..].find(close).expect("closed")]
    };
    let source = between("<pre", "</pre>");
    (
        between("href=\"", "\""),
        &source[source.find('>').unwrap() + 1..],
    )
}

/// HTML as the text a browser shows: tags dropped, entities decoded.
fn shown_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        rest = &rest[open + rest[open..].find('>').expect("tag closed") + 1..];
    }
    text.push_str(rest);
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// `N | line` and, under it, the caret `columns` terminal columns in.
fn line_and_caret(line_number: usize, line: &str, columns: usize, carets: usize) -> String {
    let gutter = " ".repeat(line_number.to_string().len());
    format!(
        "{line_number} | {line}\n{gutter} | {}{}",
        " ".repeat(columns),
        "^".repeat(carets)
    )
}

#[test]
fn the_overlay_shows_each_source_line_with_its_caret_like_the_terminal() {
    let site = SiteFixture::new();
    site.guide("acme", SLIPS);
    let text = site.read("content/acme.md");
    let server = Server::start(&site);
    let page = server.get("/acme/").1;
    let overlay = overlay_of(&page);
    let terminal = common::stderr(&site.run(&["check", "--offline"]));

    let ascii = line_of(&text, "<b>Members</b>");
    let cjk = line_of(&text, "日本語");
    let tabs = line_of(&text, "Note:");
    // (line, column, the line as the terminal shows it, columns before `TODO`)
    let cases = [
        (ascii, 39, "1. Open the <b>Members</b> page, then TODO.", 38),
        // Six CJK characters take two columns each, then a space.
        (cjk, 8, "日本語の説明 TODO ここ。", 6 * 2 + 1),
        // The terminal shows each tab as four spaces.
        (tabs, 11, "Note:    see    TODO here.", 5 + 4 + 3 + 4),
    ];
    for (line, column, shown, columns) in cases {
        let item = overlay_item(overlay, &format!("content/acme.md:{line}:{column}"));
        let (_, source) = link_and_source(item);
        let expected = line_and_caret(line, shown, columns, 4);
        let source_text = shown_text(source);
        assert!(
            source_text.ends_with(&expected),
            "{source}\nwanted\n{expected}"
        );
        assert!(
            terminal.contains(&source_text),
            "the overlay shows what `check` prints:\n{source_text}\nin\n{terminal}"
        );
    }
    let (_, source) = link_and_source(overlay_item(
        overlay,
        &format!("content/acme.md:{ascii}:39"),
    ));
    assert!(
        source.contains("1. Open the &lt;b&gt;Members&lt;/b&gt; page, then TODO."),
        "the line is escaped: {source}"
    );
    let (_, source) = link_and_source(overlay_item(overlay, &format!("content/acme.md:{cjk}:8")));
    assert!(
        source.contains("<span style=\"display:inline-block;width:2ch\">日</span>"),
        "a wide character takes its two columns whatever the font: {source}"
    );
    assert!(
        !overlay.contains("\t"),
        "tabs are laid out as the terminal does"
    );
    assert!(
        !overlay.contains("<img")
            && overlay.contains("&lt;img src=x onerror=alert(1)&gt; TODO too."),
        "the guide's HTML never becomes live in the overlay: {overlay}"
    );
}

#[test]
fn a_long_line_is_cut_around_the_column_as_the_terminal_cuts_it() {
    let site = SiteFixture::new();
    let placeholder = format!("{}TODO{}", "word ".repeat(100), " tail".repeat(100));
    // A long problem: the terminal's renderer cuts the line once more.
    let url = format!("http://insecure.test/{}", "x".repeat(150));
    let link = format!(
        "{}see [docs]({url}) and{}",
        "word ".repeat(40),
        " tail".repeat(40)
    );
    site.guide("acme", &format!("{STEPS}\n{placeholder}\n\n{link}\n"));
    let text = site.read("content/acme.md");
    let server = Server::start(&site);
    let page = server.get("/acme/").1;
    let overlay = overlay_of(&page);
    let terminal = common::stderr(&site.run(&["check", "--offline"]));
    let shown_at = |location: String| {
        let source = shown_text(link_and_source(overlay_item(overlay, &location)).1);
        assert!(terminal.contains(&source), "{source}\nin\n{terminal}");
        source.lines().nth(1).unwrap().to_string()
    };

    let line = line_of(&text, "word TODO");
    let shown = shown_at(format!("content/acme.md:{line}:501"));
    assert!(
        shown.starts_with(&format!("{line} | …word")) && shown.ends_with("tail…"),
        "{shown}"
    );
    let line = line_of(&text, "insecure.test");
    // 40 words of five characters and `see `, then the link.
    let shown = shown_at(format!("content/acme.md:{line}:205"));
    assert!(
        shown.starts_with(&format!("{line} | ...word")) && shown.ends_with("xxx..."),
        "{shown}"
    );
    assert!(shown.chars().count() < 150, "{shown}");
}

#[test]
fn each_location_links_to_the_editor_of_site_yaml_or_vscode() {
    let site = SiteFixture::new();
    site.guide("acme", SLIPS);
    let line = line_of(&site.read("content/acme.md"), "日本語");
    let file = site.path().canonicalize().unwrap().join("content/acme.md");
    let location = format!("content/acme.md:{line}:8");
    {
        let server = Server::start(&site);
        let page = server.get("/acme/").1;
        let (href, _) = link_and_source(overlay_item(overlay_of(&page), &location));
        assert_eq!(href, format!("vscode://file{}:{line}:8", file.display()));
    }
    site.site_yaml("editor: idea://open?file={path}&line={line}&column={column}\n");
    let server = Server::start(&site);
    let page = server.get("/acme/").1;
    let (href, _) = link_and_source(overlay_item(overlay_of(&page), &location));
    assert_eq!(
        href,
        format!(
            "idea://open?file={}&amp;line={line}&amp;column=8",
            file.display()
        )
    );
}

#[test]
fn a_bad_editor_pattern_is_a_config_error() {
    let site = SiteFixture::new();
    site.guide("acme", STEPS);
    for (pattern, message) in [
        (
            "vscode://file/{pth}:{line}",
            "site.yaml:2:9: unknown placeholder `{pth}` in `editor`, did you mean `{path}`?",
        ),
        (
            "javascript:alert({path})",
            "site.yaml:2:9: `editor` may not be a `javascript:` URL",
        ),
    ] {
        site.site_yaml(&format!("title: Help\neditor: {pattern}\n"));
        for command in [&["check", "--offline"][..], &["build"]] {
            let output = site.run(command);
            assert_exit(&output, 2);
            let stderr = common::stderr(&output);
            assert!(stderr.contains(message), "{command:?}: {stderr}");
        }
    }
}
