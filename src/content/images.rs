//! What a published image is: its intrinsic size, read from its header
//! when the site loads, so that pages reserve its space before it arrives,
//! and its size on disk, which `image/too-large` weighs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;

/// An image asset's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageFacts {
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
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

/// The facts of every raster image among `assets` (paths under
/// `content_root`), read in parallel; a file whose header does not read is
/// left out (the page then shows it without a reserved size).
pub fn measure<'a>(
    content_root: &Path,
    assets: impl IntoParallelIterator<Item = &'a String>,
) -> BTreeMap<String, ImageFacts> {
    assets
        .into_par_iter()
        .filter(|path| is_raster(path))
        .filter_map(|path| Some((path.clone(), facts(&content_root.join(path))?)))
        .collect()
}

/// Re-reads the images among `changed` into `images`; images no longer in
/// `assets` are dropped.
pub fn remeasure(
    images: &mut BTreeMap<String, ImageFacts>,
    content_root: &Path,
    assets: &BTreeSet<String>,
    changed: &BTreeSet<String>,
) {
    images.retain(|path, _| assets.contains(path) && !changed.contains(path));
    let present: Vec<&String> = changed.iter().filter(|p| assets.contains(*p)).collect();
    images.extend(measure(content_root, present));
}

fn facts(path: &Path) -> Option<ImageFacts> {
    let bytes = std::fs::metadata(path).ok()?.len();
    let reader = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?;
    let (width, height) = reader.into_dimensions().ok()?;
    Some(ImageFacts {
        width,
        height,
        bytes,
    })
}
