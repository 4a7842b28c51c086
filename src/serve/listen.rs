//! Connections for `serve`: request headers must arrive within a deadline, and
//! at most [`MAX_CONNECTIONS`] are open at once. A connection past the limit
//! makes room by closing the oldest one that is not answering a request (a
//! client that connected and stalled, or an idle keep-alive), so clients that
//! send half a request cannot lock the author out of their preview. Reload
//! streams are answers in progress: never closed for room, and a few open
//! tabs are far below the limit.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::service::Service as _;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// A client has this long to send a request's headers, counted from when the
/// connection opens or its previous answer ends; then it is disconnected.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Open connections at most: far below the usual limit of 1024 open files.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a new connection waits for room when every open one is answering;
/// then it is closed.
const ADMIT_WAIT: Duration = Duration::from_secs(2);
/// The pause after a failed accept (out of file descriptors …), so as not to spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until the process ends.
pub async fn serve(listener: TcpListener, app: Router) {
    let room = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let open = Arc::new(OpenConnections::default());
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        // Waiting here, not in a task, keeps unadmitted connections in the
        // kernel's queue rather than in open files.
        let Some(permit) = admit(&room, &open).await else {
            continue;
        };
        let slot = OpenConnections::register(&open, permit);
        tokio::spawn(serve_connection(stream, app.clone(), slot));
    }
}

/// A place among the open connections, or `None` when none freed up in time.
async fn admit(room: &Arc<Semaphore>, open: &OpenConnections) -> Option<OwnedSemaphorePermit> {
    if let Ok(permit) = Arc::clone(room).try_acquire_owned() {
        return Some(permit);
    }
    open.close_oldest_idle();
    tokio::time::timeout(ADMIT_WAIT, Arc::clone(room).acquire_owned())
        .await
        .ok()?
        .ok()
}

async fn serve_connection(stream: TcpStream, app: Router, slot: Slot) {
    let connection = Arc::clone(&slot.connection);
    let app = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let answering = Answering::start(&connection);
        let response = app.call(request);
        async move {
            let response: Response<Body> = response.await?;
            Ok::<_, Infallible>(response.map(|body| AnsweringBody {
                body,
                _answering: answering,
            }))
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let mut served = std::pin::pin!(http.serve_connection(TokioIo::new(stream), service));
    loop {
        tokio::select! {
            // Errors (a timeout, a client gone) only end the connection.
            _ = served.as_mut() => return,
            () = slot.connection.close.notified() => {
                // It may have received a request since it was picked.
                if slot.connection.is_idle() {
                    return;
                }
            }
        }
    }
}

/// The open connections by age, oldest first.
#[derive(Default)]
struct OpenConnections {
    by_age: Mutex<BTreeMap<u64, Arc<Connection>>>,
    next: AtomicU64,
}

#[derive(Default)]
struct Connection {
    /// Requests received and not yet answered in full.
    answering: AtomicUsize,
    /// Asks the connection to close if it is idle.
    close: Notify,
}

impl Connection {
    fn is_idle(&self) -> bool {
        self.answering.load(Ordering::SeqCst) == 0
    }
}

impl OpenConnections {
    fn register(open: &Arc<OpenConnections>, permit: OwnedSemaphorePermit) -> Slot {
        let id = open.next.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection::default());
        open.lock().insert(id, Arc::clone(&connection));
        Slot {
            id,
            connection,
            open: Arc::clone(open),
            _permit: permit,
        }
    }

    fn close_oldest_idle(&self) {
        if let Some(idle) = self.lock().values().find(|c| c.is_idle()) {
            idle.close.notify_one();
        }
    }

    /// The map is whole whatever panicked while holding it: every change is one call.
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Connection>>> {
        self.by_age.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An open connection's place: gives it back when dropped.
struct Slot {
    id: u64,
    connection: Arc<Connection>,
    open: Arc<OpenConnections>,
    /// Released after `drop` below, once the connection can no longer be picked.
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.lock().remove(&self.id);
    }
}

/// A request being answered on a connection, until its body is sent.
struct Answering(Arc<Connection>);

impl Answering {
    fn start(connection: &Arc<Connection>) -> Answering {
        connection.answering.fetch_add(1, Ordering::SeqCst);
        Answering(Arc::clone(connection))
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.answering.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that keeps its connection busy until it is sent (or
/// dropped): a reload stream is an answer that lasts.
struct AnsweringBody {
    body: Body,
    _answering: Answering,
}

impl HttpBody for AnsweringBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
