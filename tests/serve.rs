//! `guidesite serve` for real: a child process on 127.0.0.1, real files
//! changed on disk, pages fetched and reload events read over HTTP.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{STEPS, Serve, SiteFixture, assert_exit};
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
    assert_eq!(server.get("/static/guidesite.css").0, 200);
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
