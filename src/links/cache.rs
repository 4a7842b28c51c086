//! Successes remembered between runs under `.guidesite/cache/`, with a TTL.
//! Failures are never stored: a broken link must be re-checked every time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    /// URL → when it last succeeded (seconds since the epoch).
    ok: BTreeMap<String, u64>,
}

/// The link cache of one site.
#[derive(Debug)]
pub struct LinkCache {
    path: PathBuf,
    ttl: Duration,
    entries: BTreeMap<String, u64>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl LinkCache {
    /// The cache of the site at `root`, in `.guidesite/cache/links.json`.
    /// When any part of that path is a link (committed, say, by a pull
    /// request), the cache is not used: `check` would read and write
    /// wherever it leads.
    pub fn open(root: &Path, ttl: Duration) -> (LinkCache, Option<String>) {
        let parts = [".guidesite", "cache", "links.json"];
        let path: PathBuf = parts.iter().collect();
        match crate::site_root::first_link(root, &parts) {
            Some(link) => {
                let warning = format!(
                    "not using the link cache: {} is a symbolic link, and the cache stays inside the site",
                    link.display()
                );
                (
                    LinkCache::load(root.join(path), Duration::ZERO).0,
                    Some(warning),
                )
            }
            None => LinkCache::load(root.join(path), ttl),
        }
    }

    /// Loads the cache; a missing file is empty, an unreadable or corrupt one
    /// is empty plus a warning. Expired entries are dropped.
    pub fn load(path: PathBuf, ttl: Duration) -> (LinkCache, Option<String>) {
        let mut cache = LinkCache {
            path,
            ttl,
            entries: BTreeMap::new(),
        };
        let warning = match std::fs::read(&cache.path) {
            Ok(bytes) => match serde_json::from_slice::<CacheFile>(&bytes) {
                Ok(file) if file.version == FORMAT_VERSION => {
                    let now = now_secs();
                    cache.entries = file
                        .ok
                        .into_iter()
                        // A time in the future is no success seen: a committed
                        // cache must not silence the checks for ever.
                        .filter(|(_, at)| *at <= now && now - *at < ttl.as_secs())
                        .collect();
                    None
                }
                Ok(_) => Some(format!(
                    "ignoring link cache {} of another version",
                    cache.path.display()
                )),
                Err(e) => Some(format!(
                    "ignoring corrupt link cache {}: {e}",
                    cache.path.display()
                )),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(format!(
                "ignoring unreadable link cache {}: {e}",
                cache.path.display()
            )),
        };
        (cache, warning)
    }

    pub fn contains(&self, url: &str) -> bool {
        self.entries.contains_key(url)
    }

    pub fn record_success(&mut self, url: &str) {
        self.entries.insert(url.to_string(), now_secs());
    }

    /// Writes atomically (temporary file, then rename); returns a warning on failure.
    pub fn save(&self) -> Option<String> {
        if self.ttl.is_zero() {
            return None;
        }
        let file = CacheFile {
            version: FORMAT_VERSION,
            ok: self.entries.clone(),
        };
        crate::site_root::replace_cache_file(&self.path, |tmp| {
            Ok(serde_json::to_writer(tmp, &file)?)
        })
        .err()
        .map(|e| format!("cannot write link cache {}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c/links.json");
        let (mut cache, warning) = LinkCache::load(path.clone(), Duration::from_secs(60));
        assert!(warning.is_none());
        cache.record_success("https://a.example/");
        assert!(cache.save().is_none());
        let (cache, _) = LinkCache::load(path.clone(), Duration::from_secs(60));
        assert!(cache.contains("https://a.example/"));
        let (cache, _) = LinkCache::load(path.clone(), Duration::ZERO);
        assert!(
            !cache.contains("https://a.example/"),
            "expired entries are dropped"
        );
        std::fs::write(&path, b"{not json").unwrap();
        let (cache, warning) = LinkCache::load(path, Duration::from_secs(60));
        assert!(!cache.contains("https://a.example/"));
        assert!(warning.unwrap().contains("corrupt"));
    }

    #[test]
    fn successes_dated_in_the_future_are_not_believed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.json");
        let future = now_secs() + 10 * 365 * 86_400;
        let text =
            format!(r#"{{"version":{FORMAT_VERSION},"ok":{{"https://a.example/":{future}}}}}"#);
        std::fs::write(&path, text).unwrap();
        let (cache, warning) = LinkCache::load(path, Duration::from_secs(86_400));
        assert!(warning.is_none());
        assert!(!cache.contains("https://a.example/"));
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_cache_folder_is_neither_read_nor_written() {
        let site = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir(elsewhere.path().join("cache")).unwrap();
        let seeded = format!(
            r#"{{"version":{FORMAT_VERSION},"ok":{{"https://a.example/":{}}}}}"#,
            now_secs()
        );
        std::fs::write(elsewhere.path().join("cache/links.json"), &seeded).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), site.path().join(".guidesite")).unwrap();
        let (mut cache, warning) = LinkCache::open(site.path(), Duration::from_secs(60));
        assert!(warning.unwrap().contains("is a symbolic link"));
        assert!(!cache.contains("https://a.example/"));
        cache.record_success("https://b.example/");
        assert!(cache.save().is_none());
        let after = std::fs::read_to_string(elsewhere.path().join("cache/links.json")).unwrap();
        assert_eq!(after, seeded, "the linked folder was written");
    }
}
