//! `guidesite serve`: the site from memory, rebuilt on change, with live
//! reload and the current diagnostics shown over every page. Never writes
//! to disk, so `dist/` is never touched.

pub mod watch;
pub mod workspace;

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use tokio::sync::broadcast;
use tokio_stream::{Stream, StreamExt, wrappers::BroadcastStream};

use crate::diag::{Diagnostic, Severity};
use watch::{Change, classify};
use workspace::Workspace;

/// Saves closer together than this are one rebuild.
const DEBOUNCE: Duration = Duration::from_millis(15);
/// Where pages listen for reloads; never a page path (guide ids have no `_`).
const EVENTS_PATH: &str = "/__guidesite/events";

/// What `guidesite serve` was asked to do.
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
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
        &workspace,
        &workspace.diagnostics(),
        started,
        "built the site",
    );
    let state = AppState {
        workspace: Arc::new(Mutex::new(workspace)),
        reloads: broadcast::channel(16).0,
    };
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
            .fallback(get(page))
            .with_state(state);
        axum::serve(listener, app).await?;
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
                    eprintln!("warning: {e}");
                }
            }
            let started = Instant::now();
            let (diagnostics, changed) = {
                let mut workspace = state.workspace.lock().expect("rebuilds never panic");
                let changed = workspace.apply(&changes);
                let diagnostics = workspace.diagnostics();
                report(&workspace, &diagnostics, started, "rebuilt");
                (diagnostics, changed)
            };
            version += 1;
            let _ = state.reloads.send(version);
            let shown: Vec<Diagnostic> = diagnostics
                .into_iter()
                .filter(|d| changed.contains(&d.file))
                .collect();
            if !shown.is_empty() {
                eprint!("{}", crate::cli::report::human(&shown, false));
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

fn report(workspace: &Workspace, diagnostics: &[Diagnostic], started: Instant, what: &str) {
    if let Some(problem) = &workspace.problem {
        eprintln!("error: {problem} (still serving the last good site)");
    }
    eprintln!(
        "{what} in {} ms: {}",
        started.elapsed().as_millis(),
        crate::cli::report::summary(diagnostics)
    );
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

/// Any other path: a file of the site, with the reload script and the
/// diagnostics overlay added to HTML.
async fn page(State(state): State<AppState>, uri: Uri) -> Response {
    let Some(mut key) = site_path(uri.path()) else {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    };
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    let mut workspace = state.workspace.lock().expect("rebuilds never panic");
    let (status, key, bytes) = match workspace.file(&key) {
        Some(bytes) => (StatusCode::OK, key, bytes),
        None if workspace.file(&format!("{key}/index.html")).is_some() => {
            return Redirect::permanent(&format!("{}/", uri.path())).into_response();
        }
        None => match workspace.file("404.html") {
            Some(bytes) => (StatusCode::NOT_FOUND, "404.html".to_string(), bytes),
            None => return (StatusCode::NOT_FOUND, "not found").into_response(),
        },
    };
    let content_type = content_type(&key);
    if content_type.starts_with("text/html") {
        let overlay = overlay(&workspace.diagnostics(), workspace.problem.as_deref());
        drop(workspace);
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

/// The reload script, only ever added in serve mode.
const RELOAD_SCRIPT: &str = r#"<script>new EventSource("/__guidesite/events").addEventListener("reload", () => location.reload());</script>"#;

fn inject(html: &str, overlay: &str) -> String {
    let addition = format!("{overlay}{RELOAD_SCRIPT}");
    match html.rfind("</body>") {
        Some(at) => format!("{}{addition}{}", &html[..at], &html[at..]),
        None => format!("{html}{addition}"),
    }
}

/// The current problems, over the page, with positions to jump to.
fn overlay(diagnostics: &[Diagnostic], problem: Option<&str>) -> String {
    if diagnostics.is_empty() && problem.is_none() {
        return String::new();
    }
    let mut items = String::new();
    if let Some(problem) = problem {
        items.push_str(&format!(
            "<li><strong>error</strong> {}</li>",
            escape(problem)
        ));
    }
    for d in diagnostics {
        let color = if d.severity == Severity::Error {
            "#ffb4a9"
        } else {
            "#ffe08a"
        };
        items.push_str(&format!(
            "<li><strong style=\"color:{color}\">{}[{}]</strong> <code>{}:{}:{}</code> {}</li>",
            d.severity.as_str(),
            d.code,
            escape(&d.file),
            d.line,
            d.column,
            escape(&d.message)
        ));
    }
    format!(
        "<div id=\"guidesite-overlay\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:45vh;overflow:auto;\
         margin:0;padding:1rem 1.5rem;background:#1d2330;color:#fff;font:14px/1.5 ui-monospace,monospace;z-index:2147483647\">\
         <button type=\"button\" onclick=\"this.parentNode.remove()\" style=\"float:right\">Dismiss</button>\
         <p style=\"margin:0 0 .5rem\">guidesite: {}</p><ul style=\"margin:0;padding-left:1.25rem\">{items}</ul></div>",
        crate::cli::report::summary(diagnostics)
    )
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
        let html = overlay(&[d], None);
        assert!(html.contains("error[steps/empty]") && html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
    }
}
