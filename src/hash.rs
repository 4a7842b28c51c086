//! The one content hash: SHA-256 in lowercase hex, which names the
//! stylesheet, versions the embeds and identifies images in the manifest.

use std::fmt::Write;

use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}
