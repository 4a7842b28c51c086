//! Loopback HTTP server for `benches/linkcheck.sh`.
//!
//! Binds PORT (argv[1], default 8787) on each of 127.0.0.1 … 127.0.0.50 — 50
//! "hosts", loopback only — and answers every request (HEAD or GET, any path)
//! with 200 and a tiny body after sleeping 20 ms, with HTTP/1.1 keep-alive.
//! Prints `ready` on stdout once all 50 listeners are bound; runs until killed.
//!
//! Run: `cargo run --release --example link_bench_server -- 8787`

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;

/// Number of loopback addresses served: 127.0.0.1 ..= 127.0.0.HOSTS.
const HOSTS: u8 = 50;
/// Simulated server latency per request.
const DELAY: Duration = Duration::from_millis(20);

async fn answer() -> &'static str {
    tokio::time::sleep(DELAY).await;
    "ok\n"
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("bad port `{arg}`"),
            )
        })?,
        None => 8787,
    };
    // `fallback` matches every method and path; axum answers HEAD through a
    // GET handler with the body stripped.
    let app = Router::new().fallback(answer);
    let mut servers = tokio::task::JoinSet::new();
    for host in 1..=HOSTS {
        let addr = SocketAddr::from((Ipv4Addr::new(127, 0, 0, host), port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot bind {addr}: {e}")))?;
        servers.spawn(axum::serve(listener, app.clone()).into_future());
    }
    println!("ready");
    std::io::stdout().flush()?;
    // The servers only stop on error; report the first one.
    match servers.join_next().await {
        Some(Ok(result)) => result,
        Some(Err(join)) => Err(std::io::Error::other(join)),
        None => Ok(()),
    }
}
