//! What a run knows of one host: its request slots, and whether it answers
//! at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::Semaphore;

/// How many links of a host must time out on every try, with nothing on
/// the host ever answering, before its other links are given up untried.
/// One could be a single hanging page; two are two silences in a row when
/// `per_host` is 1, and cost no more time than one when it is higher, since
/// the two are then in flight together.
pub const SILENT_LINKS_TO_GIVE_UP: usize = 2;

/// One host (name and port) of a run.
pub struct Host {
    /// Requests in flight to it (`links.per_host`).
    pub slots: Arc<Semaphore>,
    /// Some request to it got an answer (any status): it is alive, however
    /// slow some of its pages are.
    answered: AtomicBool,
    /// Some request to it got past connecting (an answer, or a failure
    /// after the connection was made): a machine is there.
    connected: AtomicBool,
    /// Links on it whose last try timed out, with no try left.
    timed_out_links: AtomicUsize,
}

impl Host {
    pub fn new(per_host: usize) -> Arc<Host> {
        Arc::new(Host {
            slots: Arc::new(Semaphore::new(per_host)),
            answered: AtomicBool::new(false),
            connected: AtomicBool::new(false),
            timed_out_links: AtomicUsize::new(0),
        })
    }

    /// A response came back from it.
    pub fn answered(&self) {
        set_once(&self.answered);
        set_once(&self.connected);
    }

    /// A request to it failed after the connection was made.
    pub fn connected(&self) {
        set_once(&self.connected);
    }

    /// Whether any request to it ever got past connecting.
    pub fn was_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// One of its links timed out on its last try.
    pub fn link_timed_out(&self) {
        self.timed_out_links.fetch_add(1, Ordering::Relaxed);
    }

    /// It never answered, and enough of its links timed out on every try
    /// that trying the others would only wait out their timeouts too.
    pub fn is_silent(&self) -> bool {
        !self.answered.load(Ordering::Relaxed)
            && self.timed_out_links.load(Ordering::Relaxed) >= SILENT_LINKS_TO_GIVE_UP
    }
}

/// Sets `flag`, with a load first: most calls find it set already, and
/// reading does not contend for the cache line the way writing does.
fn set_once(flag: &AtomicBool) {
    if !flag.load(Ordering::Relaxed) {
        flag.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silent_after_enough_timeouts_unless_it_ever_answered() {
        let host = Host::new(1);
        host.link_timed_out();
        assert!(!host.is_silent(), "one hanging page is not a dead host");
        host.link_timed_out();
        assert!(host.is_silent());

        let alive = Host::new(1);
        alive.answered();
        for _ in 0..5 {
            alive.link_timed_out();
        }
        assert!(!alive.is_silent(), "a host that answered is alive");
    }
}
