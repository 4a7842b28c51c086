//! `guidesite check` against real HTTP servers on 127.0.0.1 (never elsewhere).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Requests seen, in flight, and the most ever in flight at once.
#[derive(Default)]
struct Counters {
    hits: Mutex<HashMap<String, usize>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Counters {
    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

type Shared = Arc<Counters>;

async fn count(State(counters): State<Shared>, request: Request, next: Next) -> Response {
    *counters
        .hits
        .lock()
        .unwrap()
        .entry(request.uri().path().to_string())
        .or_default() += 1;
    let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    counters.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = next.run(request).await;
    counters.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

/// Answers `fail` to the first `n` requests of `path`, then 200.
fn first_then_ok(counters: &Shared, path: &str, n: usize, fail: Response) -> Response {
    if counters.hits(path) <= n {
        fail
    } else {
        StatusCode::OK.into_response()
    }
}

fn app(counters: Shared) -> Router {
    Router::new()
        .route("/ok", get(|| async { "fine" }))
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/error",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/flaky",
            get(|State(c): State<Shared>| async move {
                first_then_ok(
                    &c,
                    "/flaky",
                    1,
                    StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                )
            }),
        )
        .route(
            "/moved",
            get(|| async { (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/ok")]) }),
        )
        .route(
            "/found",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")]) }),
        )
        .route(
            "/limited",
            get(|State(c): State<Shared>| async move {
                let limited =
                    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response();
                first_then_ok(&c, "/limited", 1, limited)
            }),
        )
        .route(
            "/always-limited",
            get(|| async { (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]) }),
        )
        .route(
            "/no-head",
            get(|| async { "body" }).head(|| async { StatusCode::METHOD_NOT_ALLOWED }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(4)).await;
                "late"
            }),
        )
        .route(
            "/loop-a",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop-b")]) }),
        )
        .route(
            "/loop-b",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop-a")]) }),
        )
        .route(
            "/bot-wall",
            get(|| async { StatusCode::from_u16(999).unwrap() }),
        )
        .route(
            "/challenge",
            get(|| async {
                let mut headers = HeaderMap::new();
                headers.insert(header::CONTENT_TYPE, "text/html".parse().unwrap());
                (
                    StatusCode::FORBIDDEN,
                    headers,
                    "<title>Just a moment...</title><p>Checking your browser</p>",
                )
            }),
        )
        .route(
            "/to-localhost",
            get(|headers: HeaderMap| async move {
                let host = headers[header::HOST].to_str().unwrap();
                let port = host.rsplit(':').next().unwrap();
                let location = format!("http://localhost:{port}/ok");
                (StatusCode::FOUND, [(header::LOCATION, location)])
            }),
        )
        .route(
            "/late/{n}",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                "ok"
            }),
        )
        .route(
            "/busy/{n}",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                "ok"
            }),
        )
        .layer(middleware::from_fn_with_state(counters.clone(), count))
        .with_state(counters)
}

/// A test server on 127.0.0.1, running on its own thread until the test ends.
struct Server {
    addr: SocketAddr,
    counters: Shared,
}

impl Server {
    fn start() -> Server {
        let counters = Shared::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let router = app(counters.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, router).await.unwrap();
            });
        });
        Server {
            addr: rx.recv().unwrap(),
            counters,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A valid one-guide site whose body links to `urls`; `links` is extra site.yaml.
fn site(links_yaml: &str, urls: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    // Loopback test servers speak plain HTTP; that warning is not under test.
    // Contact domains are not under test here (tests/email_domains.rs has them).
    let site_yaml = format!(
        "lints:\n  link/insecure: allow\n  steps/contact-missing: allow\nemails:\n  check_domains: false\nlinks:\n  timeout_secs: 1\n{links_yaml}"
    );
    std::fs::write(dir.path().join("site.yaml"), site_yaml).unwrap();
    let mut body = String::from(
        "---\nsource: meta\ntitle: Meta\nplatform: Meta\naccess:\n  grantee: data@agency.example\n  role: Analyst\n\
         contacts: [ops@agency.example]\n---\n## Grant access\n\n1. Invite [data@agency.example](mailto:data@agency.example).\n\
         2. Give the role **Analyst**.\n\n",
    );
    for url in urls {
        body.push_str(&format!("See [this page]({url}).\n\n"));
    }
    std::fs::write(dir.path().join("content/meta.md"), body).unwrap();
    dir
}

type Run = common::CheckRun;

fn check(dir: &tempfile::TempDir, extra: &[&str]) -> Run {
    common::check_json(dir.path(), extra)
}

/// (code, severity, message) of the diagnostics about `url`.
fn about<'a>(run: &'a Run, url: &str) -> Vec<(&'a str, &'a str, &'a str)> {
    run.diagnostics
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("`{url}`"))
        })
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
            )
        })
        .collect()
}

#[test]
fn each_kind_of_answer_is_classified() {
    let server = Server::start();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let paths = [
        "/ok",
        "/gone",
        "/error",
        "/flaky",
        "/moved",
        "/found",
        "/limited",
        "/no-head",
        "/slow",
        "/loop-a",
        "/bot-wall",
        "/challenge",
        "/always-limited",
    ];
    let mut urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    let refused = format!("http://{closed}/x");
    let no_such_host = "http://no-such-host.invalid/".to_string();
    urls.push(refused.clone());
    urls.push(no_such_host.clone());
    let dir = site("  retries: 1\n  retry_after_max_secs: 2\n", &urls);
    let run = check(&dir, &[]);
    assert_eq!(run.code, 1, "{:?}", run.diagnostics);

    let expect_clean = ["/ok", "/flaky", "/found", "/limited", "/no-head"];
    for path in expect_clean {
        assert_eq!(about(&run, &server.url(path)), vec![], "{path} should pass");
    }
    let one = |url: &str| {
        let found = about(&run, url);
        assert_eq!(found.len(), 1, "{url}: {found:?}");
        found[0]
    };
    let (code, severity, message) = one(&server.url("/gone"));
    assert_eq!((code, severity), ("link/unreachable", "error"));
    assert!(message.contains("404"), "{message}");
    let (code, _, message) = one(&server.url("/error"));
    assert_eq!(code, "link/unreachable");
    assert!(message.contains("500"), "{message}");
    let (code, severity, message) = one(&server.url("/moved"));
    assert_eq!((code, severity), ("link/redirect", "warning"));
    assert!(
        message.contains(&server.url("/ok")),
        "names the final URL: {message}"
    );
    let (code, _, message) = one(&server.url("/slow"));
    assert_eq!(code, "link/unreachable");
    assert!(message.contains("timed out after 1 s"), "{message}");
    let (code, _, message) = one(&server.url("/loop-a"));
    assert_eq!(code, "link/unreachable");
    assert!(message.contains("redirect loop"), "{message}");
    for path in ["/bot-wall", "/challenge", "/always-limited"] {
        let (code, severity, _) = one(&server.url(path));
        assert_eq!((code, severity), ("link/unverifiable", "warning"), "{path}");
    }
    let (code, _, message) = one(&refused);
    assert_eq!(code, "link/unreachable");
    assert!(message.contains("connection refused"), "{message}");
    let (code, _, message) = one(&no_such_host);
    assert_eq!(code, "link/unreachable");
    assert!(message.contains("DNS"), "{message}");

    // Retries: 500 is tried 1 + retries times (HEAD each time); the flaky one
    // once more after its first failure; HEAD-refused falls back to GET.
    let c = &server.counters;
    assert_eq!(c.hits("/error"), 2);
    assert_eq!(c.hits("/flaky"), 2);
    assert_eq!(c.hits("/limited"), 2);
    assert_eq!(c.hits("/no-head"), 2, "HEAD then GET");
    assert_eq!(c.hits("/gone"), 1, "404 is final, not retried");
    assert!(run.stderr.contains("links: 15 checked"), "{}", run.stderr);
}

#[test]
fn each_url_is_requested_once_and_hosts_are_not_hammered() {
    let server = Server::start();
    let urls: Vec<String> = (0..40).map(|n| server.url(&format!("/busy/{n}"))).collect();
    let site_dir = site("  per_host: 3\n  concurrency: 16\n", &urls);
    // 50 guides link the same URL, each with its own fragment.
    let meta = std::fs::read_to_string(site_dir.path().join("content/meta.md")).unwrap();
    for n in 0..50 {
        let text = meta.replace("source: meta", &format!("source: copy-{n}"))
            + &format!("Also [this]({}#part-{n}).\n", server.url("/ok"));
        std::fs::write(site_dir.path().join(format!("content/copy-{n}.md")), text).unwrap();
    }
    let run = check(&site_dir, &[]);
    assert_eq!(run.code, 0, "{:?}", run.diagnostics);
    assert_eq!(
        server.counters.hits("/ok"),
        1,
        "one request for one URL in 50 guides"
    );
    for n in 0..40 {
        assert_eq!(
            server.counters.hits(&format!("/busy/{n}")),
            1,
            "once, though 51 guides link it"
        );
    }
    let max = server.counters.max_in_flight.load(Ordering::SeqCst);
    assert!(max <= 3, "at most per_host requests in flight, saw {max}");
    assert!(max >= 2, "requests do run in parallel, saw {max}");
}

#[test]
fn cache_skips_successes_and_rechecks_failures() {
    let server = Server::start();
    let urls = vec![server.url("/ok"), server.url("/gone")];
    let dir = site("", &urls);
    let first = check(&dir, &[]);
    assert_eq!(first.code, 1);
    assert!(dir.path().join(".guidesite/cache/links.json").is_file());
    let second = check(&dir, &[]);
    assert_eq!(second.code, 1);
    assert_eq!(
        server.counters.hits("/ok"),
        1,
        "cached success is not requested again"
    );
    assert_eq!(
        server.counters.hits("/gone"),
        2,
        "failures are never cached"
    );
    assert!(second.stderr.contains("1 cached"), "{}", second.stderr);

    check(&dir, &["--no-cache"]);
    assert_eq!(server.counters.hits("/ok"), 2, "--no-cache requests again");

    std::fs::write(dir.path().join(".guidesite/cache/links.json"), "{corrupt").unwrap();
    let corrupt = check(&dir, &[]);
    assert!(
        corrupt.stderr.contains("ignoring corrupt link cache"),
        "{}",
        corrupt.stderr
    );
    assert_eq!(server.counters.hits("/ok"), 3);
}

#[test]
fn offline_excluded_and_accepted() {
    let server = Server::start();
    let urls = vec![server.url("/gone"), server.url("/error")];
    let dir = site("", &urls);
    let offline = check(&dir, &["--offline"]);
    assert_eq!(offline.code, 0);
    assert_eq!(
        server.counters.hits("/gone"),
        0,
        "--offline makes no request"
    );

    let dir = site(
        &format!(
            "  retries: 0\n  accept: [200, 404]\n  exclude: ['^http://{}/error']\n",
            server.addr
        ),
        &urls,
    );
    let run = check(&dir, &[]);
    assert_eq!(run.code, 0, "{:?}", run.diagnostics);
    assert_eq!(
        server.counters.hits("/error"),
        0,
        "excluded URLs are never requested"
    );
    assert_eq!(server.counters.hits("/gone"), 1);
}

#[test]
fn online_check_still_runs_every_offline_rule() {
    let server = Server::start();
    let dir = site("", &[server.url("/ok")]);
    let path = dir.path().join("content/meta.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "2. Give the role **Analyst**.",
            "2. Give the role **Analyst**.\n3.",
        ),
    )
    .unwrap();
    let run = check(&dir, &[]);
    assert_eq!(run.code, 1);
    let codes: Vec<&str> = run
        .diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["steps/empty"], "{:?}", run.diagnostics);
    assert_eq!(server.counters.hits("/ok"), 1);
}

#[test]
fn a_guide_that_cannot_be_read_stops_the_requests_of_the_others() {
    // Without the stop, `check` would wait out every try of /slow (4 s each,
    // timing out after 1 s, six tries) before reporting the unreadable file.
    let server = Server::start();
    let dir = site("  retries: 5\n", &[server.url("/slow")]);
    std::fs::write(dir.path().join("content/zz.md"), b"---\n\xff\xfe\n").unwrap();
    let started = std::time::Instant::now();
    let output = common::checked(
        assert_cmd::Command::cargo_bin("guidesite")
            .unwrap()
            .arg("--root")
            .arg(dir.path())
            .arg("check")
            .output()
            .unwrap(),
    );
    common::assert_exit(&output, 2);
    let stderr = common::stderr(&output);
    assert!(stderr.contains("content/zz.md"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}: the requests ran to the end",
        started.elapsed()
    );
}

/// A host on 127.0.0.1 that accepts connections and never answers: each
/// connection is held open, unread, until the test ends.
fn silent_host() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    addr
}

#[test]
fn a_host_that_never_answers_is_given_up_after_its_first_links() {
    let addr = silent_host();
    let urls: Vec<String> = (0..40).map(|n| format!("http://{addr}/page/{n}")).collect();
    let dir = site("  retries: 1\n", &urls);
    let started = std::time::Instant::now();
    let run = check(&dir, &[]);
    let took = started.elapsed();
    assert_eq!(run.code, 1);
    // Trying all 40, four at a time, two tries of 1 s each: about 22 s.
    assert!(took < Duration::from_secs(8), "took {took:?}");

    // One guide, one code: the first 20 in file order, then one summary.
    let listed: Vec<_> = urls[..20].iter().map(|url| about(&run, url)).collect();
    assert!(urls[20..].iter().all(|url| about(&run, url).is_empty()));
    assert_eq!(run.diagnostics.len(), 21, "{:?}", run.diagnostics);
    let summary = run.diagnostics[20]["message"].as_str().unwrap();
    assert!(summary.starts_with("and 20 more like this"), "{summary}");
    let mut untried_in_all = None;
    for (url, found) in urls.iter().zip(&listed) {
        assert_eq!(found.len(), 1, "{url}: {found:?}");
        let (code, severity, message) = found[0];
        assert_eq!((code, severity), ("link/unreachable", "error"), "{message}");
        if message.contains("not tried") {
            assert!(message.contains("host did not answer"), "{message}");
            let others: usize = message
                .rsplit("; ")
                .next()
                .and_then(|tail| tail.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no count in {message}"));
            assert!(
                message.ends_with(" other links on it not tried"),
                "{message}"
            );
            assert_eq!(*untried_in_all.get_or_insert(others + 1), others + 1);
        } else {
            assert!(message.contains("timed out after 1 s"), "{message}");
        }
    }
    let untried = untried_in_all.expect("some links were not tried");
    assert!(untried >= 30, "most are not tried: {listed:?}");
    assert!(run.stderr.contains("links: 40 checked"), "{}", run.stderr);
}

#[test]
fn a_slow_host_that_answers_is_not_given_up() {
    let server = Server::start();
    // Two pages that never answer in time come first, so they time out
    // before the rest are done: the host answered the others meanwhile.
    let mut urls = vec![server.url("/slow?first"), server.url("/slow?second")];
    urls.extend((0..60).map(|n| server.url(&format!("/late/{n}"))));
    let dir = site("  retries: 1\n", &urls);
    let run = check(&dir, &[]);
    assert_eq!(run.code, 1);
    for url in &urls[..2] {
        let found = about(&run, url);
        assert_eq!(found.len(), 1, "{url}: {found:?}");
        assert!(found[0].2.contains("timed out after 1 s"), "{found:?}");
    }
    for url in &urls[2..] {
        assert_eq!(about(&run, url), vec![], "{url} answers within the timeout");
    }
    for n in 0..60 {
        assert_eq!(server.counters.hits(&format!("/late/{n}")), 1);
    }
}

#[test]
fn redirects_between_non_public_addresses_are_followed() {
    // Only a public origin may not lead into a private network; the test
    // servers, and intranet sites, are not public.
    let server = Server::start();
    let urls = vec![server.url("/found"), server.url("/to-localhost")];
    let dir = site("", &urls);
    let run = check(&dir, &[]);
    assert_eq!(run.code, 0, "{:?}", run.diagnostics);
    assert_eq!(server.counters.hits("/ok"), 2);
}

#[test]
fn bare_urls_and_links_in_raw_html_are_requested_like_markdown_ones() {
    let server = Server::start();
    let dir = site("", &[]);
    let guide = dir.path().join("content/meta.md");
    let mut text = std::fs::read_to_string(&guide).unwrap();
    text.push_str(&format!(
        "Go to {} now.\n\n<p>Or <a href=\"{}\">here</a>.</p>\n",
        server.url("/gone"),
        server.url("/error")
    ));
    std::fs::write(&guide, text).unwrap();
    let run = check(&dir, &["--no-cache"]);
    assert_eq!(run.code, 1, "{:?}", run.diagnostics);
    for path in ["/gone", "/error"] {
        assert!(server.counters.hits(path) >= 1, "{path} was not requested");
        let found = about(&run, &server.url(path));
        assert_eq!(found.len(), 1, "{path}: {:?}", run.diagnostics);
        assert_eq!(found[0].0, "link/unreachable", "{path}");
    }
}

#[test]
fn a_url_failing_in_many_places_is_shown_once_for_people_and_at_every_place_for_machines() {
    let server = Server::start();
    let gone = server.url("/gone");
    let dir = site("", &[gone.clone(), server.url("/error"), gone.clone()]);
    let meta = std::fs::read_to_string(dir.path().join("content/meta.md")).unwrap();
    std::fs::write(
        dir.path().join("content/tiktok.md"),
        meta.replace("source: meta", "source: tiktok"),
    )
    .unwrap();
    let message = format!("`{gone}` is unreachable: HTTP 404 Not Found");

    let json = check(&dir, &["--no-cache"]);
    assert_eq!(json.code, 1);
    let places = json
        .diagnostics
        .iter()
        .filter(|d| d["message"] == message.as_str())
        .count();
    assert_eq!(places, 4, "{:?}", json.diagnostics);

    let output = common::checked(
        assert_cmd::Command::cargo_bin("guidesite")
            .unwrap()
            .arg("--root")
            .arg(dir.path())
            .args(["check", "--no-cache"])
            .output()
            .unwrap(),
    );
    common::assert_exit(&output, 1);
    let human = common::stderr(&output);
    assert_eq!(human.matches(&message).count(), 1, "{human}");
    assert!(
        human.contains(
            "= note: … and 3 more places: content/meta.md:19:5, content/tiktok.md:15:5, content/tiktok.md:19:5\n"
        ),
        "{human}"
    );
    assert_eq!(
        human.matches("/error` is unreachable").count(),
        1,
        "{human}"
    );
    assert!(human.ends_with("6 errors, 0 warnings\n"), "{human}");
}
