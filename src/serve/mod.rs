//! `guidesite serve`: the site from memory, rebuilt on change, with live
//! reload and the current diagnostics shown over every page. Never writes
//! to disk, so `dist/` is never touched.

mod listen;
pub mod watch;
pub mod workspace;

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use tokio::sync::broadcast;
use tokio_stream::{Stream, StreamExt, wrappers::BroadcastStream};
use unicode_width::UnicodeWidthChar;

use crate::config::Origin;
use crate::diag::{Diagnostic, Severity};
use crate::site::headers;
pub use listen::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS};
use watch::{Change, classify};
use workspace::{Bytes, Served, Workspace};

/// Saves closer together than this are one rebuild.
const DEBOUNCE: Duration = Duration::from_millis(15);
/// Where pages listen for reloads; never a page path (guide ids have no `_`).
const EVENTS_PATH: &str = "/__guidesite/events";
/// What `check --offline --format json` would print for the files on disk
/// now (DESIGN.md); editors and tests read it.
const DIAGNOSTICS_PATH: &str = "/_guidesite/diagnostics.json";

/// What `guidesite serve` was asked to do.
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// A portal origin allowed to fetch the manifest, embeds and
    /// stylesheet, as the written `_headers` would allow it (`--cors`).
    pub cors: Option<Origin>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("site root {} is not a folder", .0.display())]
    Root(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot watch {}: {message}", path.display())]
    Watch { path: PathBuf, message: String },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
struct AppState {
    workspace: Arc<Mutex<Workspace>>,
    reloads: broadcast::Sender<u64>,
    cors: Option<Arc<Origin>>,
}

/// What a rebuild left to report.
struct Rebuilt {
    problem: Option<String>,
    diagnostics: Vec<Diagnostic>,
    /// The guide files whose pages changed.
    changed: Vec<String>,
}

impl AppState {
    fn new(workspace: Workspace, cors: Option<Origin>) -> AppState {
        AppState {
            workspace: Arc::new(Mutex::new(workspace)),
            reloads: broadcast::channel(16).0,
            cors: cors.map(Arc::new),
        }
    }

    /// The workspace, locked. Every change to it runs under
    /// [`Workspace::guarded`], which catches a panic before the lock is
    /// released; a lock poisoned all the same was poisoned by code that only
    /// read the workspace, which is therefore whole, and is used as it is.
    fn workspace(&self) -> MutexGuard<'_, Workspace> {
        self.workspace
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `rebuild` (which returns the guide files whose pages changed)
    /// under [`Workspace::guarded`]: a panic in it leaves the last good site
    /// served, with the crash as the problem.
    fn rebuild(&self, rebuild: impl FnOnce(&mut Workspace) -> Vec<String>) -> Rebuilt {
        let mut workspace = self.workspace();
        let changed = workspace.guarded(rebuild).unwrap_or_default();
        Rebuilt {
            problem: workspace.problem.clone(),
            diagnostics: workspace.diagnostics(),
            changed,
        }
    }
}

/// Builds the site, serves it, and rebuilds on change until killed.
pub fn run(options: ServeOptions) -> Result<(), ServeError> {
    let root = options
        .root
        .canonicalize()
        .map_err(|_| ServeError::Root(options.root.clone()))?;
    if !root.is_dir() {
        return Err(ServeError::Root(root));
    }
    let started = Instant::now();
    let workspace = Workspace::load(&root);
    report(
        workspace.problem.as_deref(),
        &workspace.diagnostics(),
        started,
        "built the site",
    );
    let state = AppState::new(workspace, options.cors.clone());
    let _watcher = watch_sources(&root, state.clone())?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(options.bind, options.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener.local_addr()?;
        // Tests and scripts read this line to learn the port.
        println!("serving http://{local}/ (Ctrl-C to stop)");
        let app = Router::new()
            .route(EVENTS_PATH, get(events))
            .route(DIAGNOSTICS_PATH, get(diagnostics))
            .fallback(get(page))
            .with_state(state);
        listen::serve(listener, app).await;
        Ok(())
    })
}

type Debouncer = notify_debouncer_full::Debouncer<
    notify_debouncer_full::notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Watches `content/`, `themes/` and `site.yaml`; rebuilds on a thread of its own.
fn watch_sources(root: &Path, state: AppState) -> Result<SharedDebouncer, ServeError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let debouncer = notify_debouncer_full::new_debouncer(DEBOUNCE, None, tx).map_err(|e| {
        ServeError::Watch {
            path: root.to_path_buf(),
            message: e.to_string(),
        }
    })?;
    let debouncer = Arc::new(Mutex::new(debouncer));
    // The root itself only for `site.yaml` and for `content/` or `themes/`
    // appearing: watching it recursively would follow `target/`, `dist/` …
    watch(&debouncer, root, RecursiveMode::NonRecursive)?;
    watch_source_dirs(&debouncer, root)?;

    let watcher = Arc::clone(&debouncer);
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        let mut version = 0u64;
        for batch in rx {
            let Ok(events) = batch else { continue };
            // Reading a file is an event too (inotify's OPEN): only writes count,
            // or every rebuild would trigger the next.
            let changes: BTreeSet<Change> = events
                .iter()
                .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                .flat_map(|e| e.paths.iter().filter_map(|p| classify(&root, p)))
                .collect();
            if changes.is_empty() {
                continue;
            }
            if changes
                .iter()
                .any(|c| matches!(c, Change::Config | Change::Theme))
            {
                // `content/` or `themes/` may have just appeared.
                if let Err(e) = watch_source_dirs(&watcher, &root) {
                    eprintln!("warning: {}", crate::report::printable(&e.to_string()));
                }
            }
            let started = Instant::now();
            let rebuilt = state.rebuild(|workspace| workspace.apply(&changes));
            report(
                rebuilt.problem.as_deref(),
                &rebuilt.diagnostics,
                started,
                "rebuilt",
            );
            version += 1;
            let _ = state.reloads.send(version);
            let shown: Vec<Diagnostic> = rebuilt
                .diagnostics
                .into_iter()
                .filter(|d| rebuilt.changed.contains(&d.file))
                .collect();
            if !shown.is_empty() {
                eprint!("{}", crate::report::human(&shown, false));
            }
        }
    });
    Ok(debouncer)
}

type SharedDebouncer = Arc<Mutex<Debouncer>>;

fn watch(debouncer: &SharedDebouncer, path: &Path, mode: RecursiveMode) -> Result<(), ServeError> {
    let mut debouncer = debouncer.lock().expect("watching never panics");
    debouncer.watch(path, mode).map_err(|e| ServeError::Watch {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Watches `content/` and `themes/` (recursively) where they exist.
fn watch_source_dirs(debouncer: &SharedDebouncer, root: &Path) -> Result<(), ServeError> {
    for dir in ["content", "themes"] {
        let path = root.join(dir);
        if path.is_dir() {
            watch(debouncer, &path, RecursiveMode::Recursive)?;
        }
    }
    Ok(())
}

fn report(problem: Option<&str>, diagnostics: &[Diagnostic], started: Instant, what: &str) {
    // The diagnostics are the last good site's, if any: not this attempt's.
    let outcome = match problem {
        Some(problem) => {
            eprintln!("{}", crate::report::error(problem));
            "failed, still serving the last good site".to_string()
        }
        None => crate::report::summary(diagnostics),
    };
    eprintln!("{what} in {} ms: {outcome}", started.elapsed().as_millis());
}

/// Server-sent events: `reload` after every rebuild.
async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(state.reloads.subscribe())
        .filter_map(|v| v.ok())
        .map(|version| Ok(Event::default().event("reload").data(version.to_string())));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The current diagnostics as `check --offline --format json` prints them;
/// while the site cannot be built at all (a broken `site.yaml`), where `check`
/// would exit 2, a 503 with the reason.
async fn diagnostics(State(state): State<AppState>) -> Response {
    let workspace = state.workspace();
    let json = [(header::CONTENT_TYPE, "application/json")];
    match &workspace.problem {
        Some(problem) => {
            let body = serde_json::json!({ "error": problem }).to_string();
            (StatusCode::SERVICE_UNAVAILABLE, json, body).into_response()
        }
        None => (json, crate::report::json(&workspace.diagnostics())).into_response(),
    }
}

/// Any other path: a file of the site, with the reload script and the
/// diagnostics overlay added to HTML.
async fn page(State(state): State<AppState>, uri: Uri) -> Response {
    let Some(mut key) = site_path(uri.path()) else {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    };
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    let mut workspace = state.workspace();
    let (status, key, served) = match workspace.file(&key) {
        Some(served) => (StatusCode::OK, key, served),
        None if workspace.file(&format!("{key}/index.html")).is_some() => {
            return Redirect::permanent(&format!("{}/", uri.path())).into_response();
        }
        // No site yet (its first build failed): a page to carry the overlay.
        None => (
            StatusCode::NOT_FOUND,
            "404.html".to_string(),
            workspace.file("404.html").unwrap_or_else(|| Served {
                bytes: Bytes::from(NOT_FOUND_PAGE.as_bytes()),
                stale_because: None,
            }),
        ),
    };
    let Served {
        bytes,
        stale_because,
    } = served;
    // What the portal fetches is sent with the CORS headers `_headers` has.
    let cors = state
        .cors
        .as_deref()
        .filter(|_| workspace.portal_fetches(&key))
        .map(headers::cors);
    let mut response = respond(status, &key, bytes, stale_because, &workspace);
    drop(workspace);
    for (name, value) in cors.into_iter().flatten() {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// The response for the site file `key`: an HTML page with the overlay
/// injected, anything else as it is.
fn respond(
    status: StatusCode,
    key: &str,
    bytes: Bytes,
    stale_because: Option<String>,
    workspace: &Workspace,
) -> Response {
    let content_type = content_type(key);
    if content_type.starts_with("text/html") {
        let overlay = overlay(
            &workspace.diagnostics(),
            workspace.problem.as_deref(),
            stale_because.as_deref(),
            |d| workspace.editor_url(d),
        );
        let html = inject(&String::from_utf8_lossy(&bytes), &overlay);
        return (status, [(header::CONTENT_TYPE, content_type)], html).into_response();
    }
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        bytes.to_vec(),
    )
        .into_response()
}

/// The site-relative path of a request, or `None` when it tries to escape
/// the site (`..`, encoded or not) or is otherwise malformed.
fn site_path(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    let path = decoded.strip_prefix('/')?;
    let bad_segment = |s: &str| s == ".." || s == "." || s.contains('\\') || s.contains('\0');
    if path.split('/').any(bad_segment) {
        return None;
    }
    Some(path.to_string())
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// The 404 page of a site that has none yet.
const NOT_FOUND_PAGE: &str = "<!doctype html><title>Not found</title><p>Not found</p>";

/// The reload script, only ever added in serve mode.
const RELOAD_SCRIPT: &str = r#"<script>new EventSource("/__guidesite/events").addEventListener("reload", () => location.reload());</script>"#;

fn inject(html: &str, overlay: &str) -> String {
    let addition = format!("{overlay}{RELOAD_SCRIPT}");
    match html.rfind("</body>") {
        Some(at) => format!("{}{addition}{}", &html[..at], &html[at..]),
        None => format!("{html}{addition}"),
    }
}

/// The current problems, over the page, with positions to jump to; first,
/// when the page is a guide's last good version, which file's error made it
/// stale.
fn overlay(
    diagnostics: &[Diagnostic],
    problem: Option<&str>,
    stale_because: Option<&str>,
    editor_url: impl Fn(&Diagnostic) -> Option<String>,
) -> String {
    if diagnostics.is_empty() && problem.is_none() && stale_because.is_none() {
        return String::new();
    }
    let mut items = String::new();
    if let Some(file) = stale_because {
        items.push_str(&format!(
            "<li class=\"guidesite-stale\"><strong>stale</strong> this page is the last good \
             version of <code>{}</code>, which has an error (below): fix it to see your changes</li>",
            escape(file)
        ));
    }
    if let Some(problem) = problem {
        items.push_str(&format!(
            "<li><strong>error</strong> {}</li>",
            escape(problem)
        ));
    }
    for d in diagnostics {
        items.push_str(&overlay_item(d, editor_url(d)));
    }
    format!(
        "<div id=\"guidesite-overlay\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:45vh;overflow:auto;\
         margin:0;padding:1rem 1.5rem;background:#1d2330;color:#fff;font:14px/1.5 ui-monospace,monospace;z-index:2147483647\">\
         <button type=\"button\" onclick=\"this.parentNode.remove()\" style=\"float:right\">Dismiss</button>\
         <p style=\"margin:0 0 .5rem\">guidesite: {}</p><ul style=\"margin:0;padding-left:1.25rem\">{items}</ul></div>",
        crate::report::summary(diagnostics)
    )
}

/// One diagnostic: severity and code, its location as a link that opens
/// the file there in the author's editor, the message, and the source line
/// with its caret as the terminal shows them.
fn overlay_item(d: &Diagnostic, editor_url: Option<String>) -> String {
    let color = if d.severity == Severity::Error {
        "#ffb4a9"
    } else {
        "#ffe08a"
    };
    let location = format!("<code>{}:{}:{}</code>", escape(&d.file), d.line, d.column);
    let location = match editor_url {
        Some(url) => format!(
            "<a href=\"{}\" title=\"open in your editor\" style=\"color:inherit\">{location}</a>",
            escape(&url)
        ),
        None => location,
    };
    let source = crate::report::source_lines(d).map_or(String::new(), |lines| {
        format!(
            "<pre class=\"guidesite-source\" style=\"margin:.25rem 0 .75rem;padding:0;border:0;\
             background:none;color:inherit;font:inherit;white-space:pre;overflow-x:auto\">{}</pre>",
            columns_html(&lines)
        )
    });
    format!(
        "<li><strong style=\"color:{color}\">{}[{}]</strong> {location} {}{source}</li>",
        d.severity.as_str(),
        d.code,
        escape(&d.message)
    )
}

/// `text`, laid out in terminal columns as the terminal report draws it,
/// as HTML for a `<pre>`: escaped, and each non-ASCII character (with the
/// zero-width marks after it, which combine with it) in a box exactly as
/// many columns wide as the terminal gives it, so that the caret stays
/// under its character whatever width the browser's fonts give CJK, emoji
/// or accented letters.
fn columns_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() * 2);
    // Where the text not written yet starts.
    let mut unwritten = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let mut end = start + c.len_utf8();
        // A line break starts a line, never a box.
        while let Some(&(at, mark)) = chars
            .peek()
            .filter(|(_, m)| c != '\n' && !m.is_ascii() && m.width() == Some(0))
        {
            end = at + mark.len_utf8();
            chars.next();
        }
        let cluster = &text[start..end];
        if cluster.is_ascii() {
            continue;
        }
        // The width annotate-snippets counts for each character.
        let columns: usize = cluster.chars().map(|c| c.width().unwrap_or(1)).sum();
        html.push_str(&escape(&text[unwritten..start]));
        html.push_str(&format!(
            "<span style=\"display:inline-block;width:{columns}ch\">{}</span>",
            escape(cluster)
        ));
        unwritten = end;
    }
    html.push_str(&escape(&text[unwritten..]));
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_escape_the_site_are_refused() {
        assert_eq!(site_path("/tiktok/"), Some("tiktok/".into()));
        assert_eq!(site_path("/"), Some(String::new()));
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/a/..%2Fb",
            "/a%5c..%5cb",
            "/%00",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn overlay_escapes_messages() {
        let d = Diagnostic {
            code: crate::diag::Code::StepsEmpty,
            severity: Severity::Error,
            file: "content/x.md".into(),
            line: 3,
            column: 1,
            message: "<script>".into(),
            excerpt: None,
        };
        let html = overlay(&[d], None, None, |_| None);
        assert!(html.contains("error[steps/empty]") && html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn non_ascii_characters_are_boxed_to_their_terminal_columns() {
        let boxed = |columns: usize, text: &str| {
            format!("<span style=\"display:inline-block;width:{columns}ch\">{text}</span>")
        };
        assert_eq!(
            columns_html("1 <日>\n"),
            format!("1 &lt;{}&gt;\n", boxed(2, "日"))
        );
        // A combining mark stays with its letter; a line break is never boxed.
        assert_eq!(
            columns_html("e\u{301}é\u{301}\u{301}\n\u{301}a"),
            format!(
                "{}{}\n{}a",
                boxed(1, "e\u{301}"),
                boxed(1, "é\u{301}\u{301}"),
                boxed(0, "\u{301}")
            )
        );
        assert_eq!(columns_html("a&b"), "a&amp;b");
    }

    /// (status, body) of `path` as the server answers it.
    fn get(state: &AppState, path: &'static str) -> (StatusCode, String) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let response = page(State(state.clone()), Uri::from_static(path)).await;
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        })
    }

    #[test]
    fn pages_stay_served_after_a_rebuild_panics_and_the_next_rebuild_recovers() {
        let dir = workspace::tests::site("Acme first title");
        let state = AppState::new(Workspace::load(dir.path()), None);
        let rebuilt = state.rebuild(|_| panic!("<boom>"));
        assert!(rebuilt.problem.unwrap().contains("<boom>"));
        assert!(rebuilt.changed.is_empty());

        let (status, html) = get(&state, "/acme/");
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Acme first title"), "{html}");
        assert!(
            html.contains("guidesite crashed") && html.contains("&lt;boom&gt;"),
            "the overlay says so: {html}"
        );
        assert!(html.contains("bug in guidesite") && !html.contains("<boom>"));

        let rebuilt = state.rebuild(|workspace| workspace.apply(&BTreeSet::new()));
        assert_eq!(rebuilt.problem, None);
        assert!(!get(&state, "/acme/").1.contains("guidesite crashed"));
    }

    #[test]
    fn a_poisoned_lock_is_recovered() {
        let dir = workspace::tests::site("Acme");
        let state = AppState::new(Workspace::load(dir.path()), None);
        let reader = state.clone();
        let _ = std::thread::spawn(move || {
            let _workspace = reader.workspace();
            panic!("while reading the workspace")
        })
        .join();
        assert!(state.workspace.is_poisoned());
        assert_eq!(get(&state, "/acme/").0, StatusCode::OK);
        assert!(state.rebuild(|_| Vec::new()).problem.is_none());
    }

    #[test]
    fn a_site_whose_first_build_failed_shows_why_on_every_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.yaml"), "no_such_key: 1\n").unwrap();
        let state = AppState::new(Workspace::load(dir.path()), None);
        let (status, html) = get(&state, "/acme/");
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            html.contains("guidesite-overlay") && html.contains("no_such_key"),
            "{html}"
        );
        assert!(html.contains(EVENTS_PATH), "and reloads once fixed");
    }
}
