//! The network half of `check`: every distinct external URL requested once,
//! with bounded concurrency overall and per host, retries decided in one
//! place ([`status`]), and successes cached between runs ([`cache`]). A host
//! that never answers is given up after its first links ([`host`]), and no
//! redirect leads from a public address into a private one ([`address`]).

pub mod address;
pub mod cache;
pub mod host;
pub mod reach;
pub mod status;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use indicatif::ProgressBar;
use regex::Regex;
use reqwest::{Client, Method, StatusCode, header};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::config::LinkConfig;
use cache::LinkCache;
use host::Host;
use status::{
    Attempt, Outcome, classify_error, classify_status, parse_retry_after, untried_on_silent_host,
};

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 10;
/// First retry waits this long; each further one twice as long.
const BACKOFF_START: Duration = Duration::from_millis(200);
/// How much of a refused page is read to recognise a bot challenge.
const CHALLENGE_SNIFF_BYTES: usize = 16 * 1024;

/// Totals for the one-line summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub checked: usize,
    pub ok: usize,
    pub failed: usize,
    pub cached: usize,
    pub excluded: usize,
}

/// What a run found: an outcome per distinct URL, and things to tell the user.
#[derive(Debug, Default)]
pub struct Report {
    pub outcomes: BTreeMap<String, Outcome>,
    pub stats: Stats,
    pub warnings: Vec<String>,
    pub elapsed: Duration,
}

/// `links:` settings that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("site.yaml: links.exclude pattern `{pattern}` is not a valid regex: {message}")]
    Exclude { pattern: String, message: String },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
}

/// The URL that is requested for a link: without its fragment.
pub fn request_url(dest: &str) -> &str {
    dest.split('#').next().unwrap_or(dest)
}

/// Checks each distinct URL that arrives on `batches`, starting as soon as
/// the first arrives (the caller is still reading guides). Ends when the
/// channel closes and every request has. `cache` is `None` with `--no-cache`.
pub async fn check(
    mut batches: UnboundedReceiver<Vec<String>>,
    config: &LinkConfig,
    cache: Option<LinkCache>,
    progress: &ProgressBar,
) -> Result<Report, LinkError> {
    let started = Instant::now();
    let mut run = Run::new(config, cache, progress)?;
    run.dispatch(&mut batches).await;
    let mut report = run.finish().await;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The `links.exclude` patterns, compiled.
fn exclude_patterns(patterns: &[String]) -> Result<Vec<Regex>, LinkError> {
    patterns
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|e| LinkError::Exclude {
                pattern: p.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// One run of [`check`]: the outcomes decided so far, the URLs waiting, and
/// the requests in flight.
struct Run<'p> {
    checker: Arc<Checker>,
    excludes: Vec<Regex>,
    cache: Option<LinkCache>,
    progress: &'p ProgressBar,
    report: Report,
    queues: HostQueues,
    /// By host key, the links given up untried because their host is silent.
    untried: BTreeMap<String, Vec<String>>,
    tasks: Vec<JoinHandle<(String, Outcome)>>,
}

impl<'p> Run<'p> {
    fn new(
        config: &LinkConfig,
        cache: Option<LinkCache>,
        progress: &'p ProgressBar,
    ) -> Result<Self, LinkError> {
        let excludes = exclude_patterns(&config.exclude)?;
        Ok(Run {
            checker: Arc::new(Checker::new(config)?),
            excludes,
            cache,
            progress,
            report: Report::default(),
            queues: HostQueues::default(),
            untried: BTreeMap::new(),
            tasks: Vec::new(),
        })
    }

    /// Each URL of `batch` not seen before is decided at once when excluded
    /// or cached, and queued for its host otherwise.
    fn admit(&mut self, batch: Vec<String>) {
        for url in batch {
            if self.report.outcomes.contains_key(&url) || self.queues.contains(&url) {
                continue;
            }
            if self.excludes.iter().any(|re| re.is_match(&url)) {
                self.report.stats.excluded += 1;
                self.report.outcomes.insert(url, Outcome::Excluded);
            } else if self.cache.as_ref().is_some_and(|c| c.contains(&url)) {
                self.report.stats.cached += 1;
                self.report.outcomes.insert(url, Outcome::Cached);
            } else {
                self.progress.inc_length(1);
                let host = self.checker.host(&host_key(&url));
                self.queues.push(url, host);
            }
        }
    }

    /// Starts one task per URL, each as soon as an overall slot and its
    /// host's slot are free. The dispatcher holds an overall slot only while
    /// it picks a host that has room, so a busy host never blocks the others.
    /// Returns once the channel is closed and every URL is started or given up.
    async fn dispatch(&mut self, batches: &mut UnboundedReceiver<Vec<String>>) {
        let finished = Arc::new(Notify::new());
        let mut open = true;
        loop {
            while let Ok(batch) = batches.try_recv() {
                self.admit(batch);
            }
            self.give_up_silent_hosts();
            if self.queues.is_empty() {
                match batches.recv().await {
                    Some(batch) => self.admit(batch),
                    None if open => open = false,
                    None => break,
                }
                continue;
            }
            let slot = Arc::clone(&self.checker.overall)
                .acquire_owned()
                .await
                .expect("never closed");
            let Some((url, host, host_slot)) = self.queues.next() else {
                drop(slot);
                // Every host with work is at its limit: wait for a request to
                // end, or for more URLs.
                tokio::select! {
                    _ = finished.notified() => {}
                    batch = batches.recv(), if open => match batch {
                        Some(batch) => self.admit(batch),
                        None => open = false,
                    },
                }
                continue;
            };
            self.start(url, host, (slot, host_slot), &finished);
        }
    }

    /// Gives up the waiting URLs of every host gone silent.
    fn give_up_silent_hosts(&mut self) {
        let given_up = self.queues.give_up_silent_hosts(&mut self.untried);
        if given_up > 0 {
            self.progress.inc(given_up as u64);
        }
    }

    /// Starts the request of `url` on the slots reserved for it; `finished`
    /// is woken when it ends.
    fn start(&mut self, url: String, host: Arc<Host>, slots: Slots, finished: &Arc<Notify>) {
        let checker = Arc::clone(&self.checker);
        let finished = Arc::clone(finished);
        let progress = self.progress.clone();
        self.tasks.push(tokio::spawn(async move {
            // A host found silent is noted before `finished` wakes the
            // dispatcher, so its queue is given up before it picks again.
            let outcome = checker.check(&url, &host, slots).await;
            finished.notify_one();
            progress.inc(1);
            (url, outcome)
        }));
    }

    /// Waits for every request, then counts the outcomes (the links given up
    /// untried too) and saves the cache.
    async fn finish(mut self) -> Report {
        for task in std::mem::take(&mut self.tasks) {
            let Ok((url, outcome)) = task.await else {
                continue;
            };
            self.record(url, outcome);
        }
        for (key, urls) in std::mem::take(&mut self.untried) {
            let connected = self.checker.host(&key).was_connected();
            let outcome = untried_on_silent_host(urls.len() - 1, self.checker.timeout, connected);
            self.report.stats.checked += urls.len();
            self.report.stats.failed += urls.len();
            for url in urls {
                self.report.outcomes.insert(url, outcome.clone());
            }
        }
        self.progress.finish_and_clear();
        if let Some(warning) = self.cache.as_ref().and_then(LinkCache::save) {
            self.report.warnings.push(warning);
        }
        self.report
    }

    /// Counts the outcome of a request; a plain success is cached.
    fn record(&mut self, url: String, outcome: Outcome) {
        self.report.stats.checked += 1;
        if outcome.is_success() {
            self.report.stats.ok += 1;
            if outcome == Outcome::Ok
                && let Some(cache) = self.cache.as_mut()
            {
                cache.record_success(&url);
            }
        } else {
            self.report.stats.failed += 1;
        }
        self.report.outcomes.insert(url, outcome);
    }
}

/// URLs of one host waiting to be requested.
struct HostQueue {
    urls: VecDeque<String>,
    total: usize,
    host: Arc<Host>,
}

impl HostQueue {
    /// How far through its URLs this host is: hosts advance in proportion to
    /// their share of the work, so all finish together instead of the
    /// biggest ones running alone, below the overall limit, at the end.
    fn progress(&self) -> f64 {
        (self.total - self.urls.len()) as f64 / self.total as f64
    }
}

/// The URLs not yet requested, by host.
#[derive(Default)]
struct HostQueues {
    by_host: BTreeMap<String, HostQueue>,
    queued: HashSet<String>,
}

impl HostQueues {
    fn contains(&self, url: &str) -> bool {
        self.queued.contains(url)
    }

    fn is_empty(&self) -> bool {
        self.by_host.values().all(|q| q.urls.is_empty())
    }

    fn push(&mut self, url: String, host: Arc<Host>) {
        let queue = self
            .by_host
            .entry(host_key(&url))
            .or_insert_with(|| HostQueue {
                urls: VecDeque::new(),
                total: 0,
                host,
            });
        self.queued.insert(url.clone());
        queue.urls.push_back(url);
        queue.total += 1;
    }

    /// Moves the waiting URLs of every silent host into `untried`, by host
    /// key; returns how many there were.
    fn give_up_silent_hosts(&mut self, untried: &mut BTreeMap<String, Vec<String>>) -> usize {
        let mut given_up = 0;
        for (key, queue) in &mut self.by_host {
            if !queue.urls.is_empty() && queue.host.is_silent() {
                given_up += queue.urls.len();
                untried
                    .entry(key.clone())
                    .or_default()
                    .extend(queue.urls.drain(..));
            }
        }
        given_up
    }

    /// The next URL of the least advanced host that has room, with that
    /// host's slot taken. A host gone silent since the last
    /// [`give_up_silent_hosts`](Self::give_up_silent_hosts) is passed over.
    fn next(&mut self) -> Option<(String, Arc<Host>, OwnedSemaphorePermit)> {
        let queue = self
            .by_host
            .values_mut()
            .filter(|q| {
                !q.urls.is_empty() && q.host.slots.available_permits() > 0 && !q.host.is_silent()
            })
            .min_by(|a, b| a.progress().total_cmp(&b.progress()))?;
        let permit = Arc::clone(&queue.host.slots).try_acquire_owned().ok()?;
        Some((queue.urls.pop_front()?, Arc::clone(&queue.host), permit))
    }
}

/// An overall slot and a host slot, held while a request is in flight.
type Slots = (OwnedSemaphorePermit, OwnedSemaphorePermit);

/// Shared by every request of a run.
struct Checker {
    client: Client,
    overall: Arc<Semaphore>,
    /// Made when the host's first URL arrives.
    hosts: std::sync::Mutex<HashMap<String, Arc<Host>>>,
    per_host_limit: usize,
    timeout: Duration,
    retries: u32,
    retry_after_max: Duration,
    accept: Vec<u16>,
}

fn host_key(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
        })
        .unwrap_or_default()
}

/// Connecting gets most of a request's time, and ends first: a connection
/// never made then fails as one (no server answered), told apart from a
/// server that accepted it and never answered.
fn connect_timeout(timeout: Duration) -> Duration {
    timeout.mul_f64(0.9)
}

impl Checker {
    fn new(config: &LinkConfig) -> Result<Self, LinkError> {
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let client = Client::builder()
            .user_agent(concat!(
                "guidesite/",
                env!("CARGO_PKG_VERSION"),
                " (link checker)"
            ))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(connect_timeout(timeout))
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| LinkError::Client(e.to_string()))?;
        let per_host_limit = config.per_host.max(1);
        Ok(Checker {
            client,
            overall: Arc::new(Semaphore::new(config.concurrency.max(1))),
            hosts: Default::default(),
            per_host_limit,
            timeout,
            retries: config.retries,
            retry_after_max: Duration::from_secs(config.retry_after_max_secs),
            accept: config.accept.clone(),
        })
    }

    fn host(&self, key: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().expect("never poisoned");
        let host = hosts
            .entry(key.to_string())
            .or_insert_with(|| Host::new(self.per_host_limit));
        Arc::clone(host)
    }

    /// Tries, and retries as [`status`] decides, with exponential backoff.
    /// The first try uses the slots the dispatcher reserved. A link whose
    /// last try timed out counts towards its host going silent; one waiting
    /// to retry when its host goes silent ends with its last failure.
    async fn check(&self, url: &str, host: &Host, first: Slots) -> Outcome {
        let mut result = self.follow(url, host).await;
        drop(first);
        let mut backoff = BACKOFF_START;
        let mut retries_left = self.retries;
        loop {
            let (after, last) = match result {
                Attempt::Done(outcome) => return outcome,
                Attempt::Retry { after, last } => (after, last),
                Attempt::TimedOut { last } => {
                    if retries_left == 0 {
                        host.link_timed_out();
                    }
                    (None, last)
                }
            };
            if retries_left == 0 {
                return last;
            }
            retries_left -= 1;
            tokio::time::sleep(after.map_or(backoff, |a| a.min(self.retry_after_max))).await;
            backoff *= 2;
            // Permits are held only while requests are in flight, not while
            // waiting to retry. The host permit comes first so that a retry
            // queued behind a busy host never holds one of the overall slots.
            let _host = host.slots.acquire().await.expect("never closed");
            let _slot = self.overall.acquire().await.expect("never closed");
            if host.is_silent() {
                return last;
            }
            result = self.follow(url, host).await;
        }
    }

    /// Follows redirects by hand to tell permanent ones from temporary ones.
    /// Any response tells `host` (the link's own) that it answers.
    async fn follow(&self, url: &str, host: &Host) -> Attempt {
        let mut current = url.to_string();
        let mut permanent = false;
        let mut seen = vec![current.clone()];
        for _ in 0..=MAX_REDIRECTS {
            let response = match self.request(&current).await {
                Ok(response) => {
                    host.answered();
                    response
                }
                Err(err) => {
                    if !err.is_connect() {
                        host.connected();
                    }
                    return classify_error(&err, self.timeout);
                }
            };
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get(header::LOCATION)
            {
                let peer = response.remote_addr().map(|a| a.ip());
                let next = match redirect_target(&current, peer, status, location) {
                    Ok(next) => next,
                    Err(outcome) => return Attempt::Done(outcome),
                };
                if let Ok(from) = reqwest::Url::parse(&current)
                    && let Some(reason) = address::refuse_resolved(peer, &from, &next).await
                {
                    return Attempt::Done(Outcome::Unreachable(reason));
                }
                permanent |= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                current = next.to_string();
                if seen.contains(&current) {
                    return Attempt::Done(Outcome::Unreachable(format!(
                        "redirect loop at {current}"
                    )));
                }
                seen.push(current.clone());
                continue;
            }
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let challenge = is_challenge(response).await;
            let permanent_to = permanent.then(|| current.clone());
            return classify_status(
                status.as_u16(),
                &self.accept,
                challenge,
                retry_after,
                permanent_to,
            );
        }
        Attempt::Done(Outcome::Unreachable(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// HEAD first; GET when HEAD is refused (405/403/501) or fails oddly.
    async fn request(&self, url: &str) -> reqwest::Result<reqwest::Response> {
        match self.client.request(Method::HEAD, url).send().await {
            Ok(r) if !matches!(r.status().as_u16(), 403 | 405 | 501) => Ok(r),
            Err(e) if e.is_timeout() || e.is_connect() => Err(e),
            _ => self.client.get(url).send().await,
        }
    }
}

/// Where a redirect from `current`, sent by `peer`, leads; or why it is not
/// followed, decided before anything is sent there.
fn redirect_target(
    current: &str,
    peer: Option<IpAddr>,
    status: StatusCode,
    location: &header::HeaderValue,
) -> Result<reqwest::Url, Outcome> {
    let from = reqwest::Url::parse(current).ok();
    let Some((from, next)) = from.and_then(|from| {
        let next = from.join(location.to_str().ok()?).ok()?;
        Some((from, next))
    }) else {
        return Err(Outcome::Unreachable(format!(
            "HTTP {status} with an invalid Location"
        )));
    };
    match address::refuse_redirect(peer, &from, &next) {
        Some(reason) => Err(Outcome::Unreachable(reason)),
        None => Ok(next),
    }
}

/// A refused answer that is really a bot wall: Cloudflare's header, or a
/// captcha / "Just a moment" page.
async fn is_challenge(response: reqwest::Response) -> bool {
    if !matches!(response.status().as_u16(), 403 | 503) {
        return false;
    }
    if response
        .headers()
        .get("cf-mitigated")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"challenge"))
    {
        return true;
    }
    let mut response = response;
    let mut body = Vec::new();
    while body.len() < CHALLENGE_SNIFF_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&body).to_lowercase();
    [
        "captcha",
        "just a moment",
        "challenge-platform",
        "are you a robot",
        "verify you are human",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_into_a_private_network_is_refused_before_any_request() {
        // A pure decision on the Location: nothing is connected to.
        let public = Some("93.184.216.34".parse().unwrap());
        let location = header::HeaderValue::from_static("http://10.0.0.1/admin");
        let refused = redirect_target(
            "https://docs.vendor.test/",
            public,
            StatusCode::FOUND,
            &location,
        );
        assert_eq!(
            refused,
            Err(Outcome::Unreachable(
                "redirect to http://10.0.0.1/admin not followed: 10.0.0.1 is a private address, \
                 where a public site may not send the checker"
                    .into()
            ))
        );
        let loopback = Some("127.0.0.1".parse().unwrap());
        let followed = redirect_target(
            "http://127.0.0.1:1/a",
            loopback,
            StatusCode::FOUND,
            &location,
        );
        assert_eq!(
            followed.map(String::from),
            Ok("http://10.0.0.1/admin".to_string())
        );
        let relative = header::HeaderValue::from_static("/next");
        let followed = redirect_target(
            "https://docs.vendor.test/a",
            public,
            StatusCode::FOUND,
            &relative,
        );
        assert_eq!(
            followed.map(String::from),
            Ok("https://docs.vendor.test/next".to_string())
        );
    }
}
