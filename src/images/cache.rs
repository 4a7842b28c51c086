//! Processed images remembered between runs, under
//! `.guidesite/cache/images/`: each resized variant by its key (which names
//! the original's bytes, the width and how it was made), and a mark for each
//! original that decoded whole. A cache is an optimisation only: what cannot
//! be read or written there is made again, never an error.

use std::path::{Path, PathBuf};

/// Where the cache lives, below the site's root.
const PARTS: [&str; 3] = [".guidesite", "cache", "images"];

/// The image cache of one site.
#[derive(Debug, Clone)]
pub struct ImageCache {
    dir: PathBuf,
}

impl ImageCache {
    /// The cache of the site at `root`; `Err` says why it is not used (a
    /// part of its path is a symbolic link, which would lead the cache, and
    /// what it publishes, outside the site).
    pub fn open(root: &Path) -> Result<ImageCache, String> {
        match crate::site_root::first_link(root, &PARTS) {
            Some(link) => Err(format!(
                "not using the image cache: {} is a symbolic link, and the cache stays inside the site",
                link.display()
            )),
            None => Ok(ImageCache {
                dir: PARTS.iter().fold(root.to_path_buf(), |dir, p| dir.join(p)),
            }),
        }
    }

    /// The file of the variant stored under `key`, when it is there whole.
    pub fn variant(&self, key: &str) -> Option<PathBuf> {
        let path = self.dir.join(format!("{key}.webp"));
        let meta = plain_file(&path)?;
        let mut header = [0; 12];
        std::io::Read::read_exact(&mut std::fs::File::open(&path).ok()?, &mut header).ok()?;
        is_whole_webp(&header, meta.len()).then_some(path)
    }

    /// Stores a variant; false when it could not be, which only costs
    /// making it again next time.
    pub fn put_variant(&self, key: &str, bytes: &[u8]) -> bool {
        self.put(&format!("{key}.webp"), bytes)
    }

    /// Whether the original with this SHA-256 decoded whole before.
    pub fn decoded(&self, hash: &str) -> bool {
        plain_file(&self.dir.join(format!("{hash}.decoded"))).is_some()
    }

    /// Remembers that the original with this SHA-256 decoded whole.
    pub fn mark_decoded(&self, hash: &str) {
        // Best effort, as the module says.
        let _ = self.put(&format!("{hash}.decoded"), b"");
    }

    /// Writes `name` whole or not at all: no partial entry is left behind.
    fn put(&self, name: &str, bytes: &[u8]) -> bool {
        crate::site_root::replace_cache_file(&self.dir.join(name), |tmp| {
            std::io::Write::write_all(tmp, bytes)
        })
        .is_ok()
    }
}

/// The metadata of `path` when it is a file itself: a link planted in the
/// cache is not followed out of the site.
fn plain_file(path: &Path) -> Option<std::fs::Metadata> {
    std::fs::symlink_metadata(path).ok().filter(|m| m.is_file())
}

/// Whether a file of `len` bytes starting with `header` is a RIFF WebP
/// file of exactly the length its header gives: a cut or foreign file in
/// the cache is not published.
fn is_whole_webp(header: &[u8; 12], len: u64) -> bool {
    let declared = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    &header[..4] == b"RIFF" && &header[8..] == b"WEBP" && u64::from(declared) + 8 == len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webp(payload: &[u8]) -> Vec<u8> {
        let mut bytes = b"RIFF".to_vec();
        bytes.extend(u32::try_from(payload.len() + 4).unwrap().to_le_bytes());
        bytes.extend(b"WEBP");
        bytes.extend(payload);
        bytes
    }

    #[test]
    fn a_stored_variant_reads_back_and_a_cut_one_does_not() {
        let site = tempfile::tempdir().unwrap();
        let cache = ImageCache::open(site.path()).unwrap();
        assert_eq!(cache.variant("k"), None);
        let whole = webp(b"VP8L....");
        assert!(cache.put_variant("k", &whole));
        let file = cache.variant("k").unwrap();
        assert_eq!(std::fs::read(file).unwrap(), whole);
        let cut = &whole[..whole.len() - 1];
        std::fs::write(site.path().join(".guidesite/cache/images/k.webp"), cut).unwrap();
        assert_eq!(cache.variant("k"), None);
    }

    #[test]
    fn decoded_marks_persist() {
        let site = tempfile::tempdir().unwrap();
        let cache = ImageCache::open(site.path()).unwrap();
        assert!(!cache.decoded("abc"));
        cache.mark_decoded("abc");
        assert!(ImageCache::open(site.path()).unwrap().decoded("abc"));
    }

    #[cfg(unix)]
    #[test]
    fn links_in_or_to_the_cache_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        let secret = webp(b"secret");
        std::fs::write(outside.path().join("s.webp"), &secret).unwrap();
        let site = tempfile::tempdir().unwrap();
        let cache = ImageCache::open(site.path()).unwrap();
        std::fs::create_dir_all(site.path().join(".guidesite/cache/images")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("s.webp"),
            site.path().join(".guidesite/cache/images/k.webp"),
        )
        .unwrap();
        assert_eq!(cache.variant("k"), None);

        let linked = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(linked.path().join(".guidesite/cache")).unwrap();
        std::os::unix::fs::symlink(
            outside.path(),
            linked.path().join(".guidesite/cache/images"),
        )
        .unwrap();
        let refused = ImageCache::open(linked.path()).unwrap_err();
        assert!(refused.contains("symbolic link"), "{refused}");
    }
}
