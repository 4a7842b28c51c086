//! What a published image is: its intrinsic size, read from its header
//! when the site loads, so that pages reserve its space before it arrives,
//! and its size on disk, which `image/too-large` weighs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;

/// An image asset's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// SHA-256 of the file, lowercase hex: what the portal may cache it by.
    pub hash: String,
}

/// The raster images of a site: measured, or why they could not be.
#[derive(Debug, Clone, Default)]
pub struct Images {
    pub measured: BTreeMap<String, ImageFacts>,
    /// Files named like an image that are not one (a text file saved as
    /// `.png`, a header cut short), with what is wrong.
    pub unreadable: BTreeMap<String, String>,
}

/// The raster formats whose headers are read (SVG has no intrinsic pixels).
const EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "gif", "webp"];

/// Whether an asset path names a raster image, by its extension.
fn is_raster(path: &str) -> bool {
    path.rsplit_once('.').is_some_and(|(_, ext)| {
        EXTENSIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(ext))
    })
}

/// Every raster image among `assets` (paths under `content_root`), read in
/// parallel.
pub fn measure<'a>(
    content_root: &Path,
    assets: impl IntoParallelIterator<Item = &'a String>,
) -> Images {
    let read: Vec<(String, Result<ImageFacts, String>)> = assets
        .into_par_iter()
        .filter(|path| is_raster(path))
        .map(|path| (path.clone(), facts(&content_root.join(path))))
        .collect();
    let mut images = Images::default();
    for (path, result) in read {
        match result {
            Ok(facts) => {
                images.measured.insert(path, facts);
            }
            Err(why) => {
                images.unreadable.insert(path, why);
            }
        }
    }
    images
}

/// Re-reads the images among `changed` into `images`; images no longer in
/// `assets` are dropped.
pub fn remeasure(
    images: &mut Images,
    content_root: &Path,
    assets: &BTreeSet<String>,
    changed: &BTreeSet<String>,
) {
    let stays = |path: &String| assets.contains(path) && !changed.contains(path);
    images.measured.retain(|path, _| stays(path));
    images.unreadable.retain(|path, _| stays(path));
    let present: Vec<&String> = changed.iter().filter(|p| assets.contains(*p)).collect();
    let again = measure(content_root, present);
    images.measured.extend(again.measured);
    images.unreadable.extend(again.unreadable);
}

/// The facts of the image at `path`, or what keeps them from being read.
fn facts(path: &Path) -> Result<ImageFacts, String> {
    let file = std::fs::read(path).map_err(|e| e.to_string())?;
    let reader = image::ImageReader::new(std::io::Cursor::new(file.as_slice()))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("its bytes are no image format guidesite knows (PNG, JPEG, GIF, WebP)".into());
    }
    let (width, height) = reader.into_dimensions().map_err(|e| e.to_string())?;
    Ok(ImageFacts {
        width,
        height,
        bytes: file.len() as u64,
        hash: crate::hash::sha256_hex(&file),
    })
}
