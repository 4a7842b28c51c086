//! The site's images: what each published image is (its intrinsic size,
//! read when the site loads, so that pages reserve its space before it
//! arrives; its size on disk, which `image/too-large` weighs), the narrower
//! variants a page offers in its `srcset`, and making them.

mod cache;
pub mod svg;
mod variants;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use image::ImageFormat;
use rayon::prelude::*;

pub use cache::ImageCache;

/// An image asset's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// SHA-256 of the file, lowercase hex: what the portal may cache it by.
    pub hash: String,
    /// Its narrower copies, narrowest first; none for an image no wider
    /// than the narrowest configured width, or an animation (a still
    /// variant would stop it).
    pub variants: Vec<Variant>,
}

/// A resized copy of an image, published beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    /// Its path in the output, beside the original:
    /// `tiktok/members.<12 hex>.800w.webp`.
    pub path: String,
    /// SHA-256 of what it is made from and how, lowercase hex: its name in
    /// the cache, and the start of its published name.
    key: String,
}

/// The raster images of a site: measured, or why they could not be.
#[derive(Debug, Clone, Default)]
pub struct Images {
    pub measured: BTreeMap<String, ImageFacts>,
    /// Files named like an image that are not one (a text file saved as
    /// `.png`, a header or data cut short), with what is wrong.
    pub unreadable: BTreeMap<String, String>,
    /// SVGs that would run script or fetch something when shown, with
    /// what and where: never published.
    pub refused: BTreeMap<String, String>,
    /// Variants made while measuring that the cache could not keep, by
    /// output path.
    made: HashMap<String, Vec<u8>>,
}

/// How a site's images are measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measure<'a> {
    /// `images.widths`, ascending.
    pub widths: &'a [u32],
    pub cache: Option<&'a ImageCache>,
    /// Whether missing variants are made now (`build`), or only when asked
    /// for ([`Images::variant_bytes`], `serve`), or never (`check`).
    pub make_variants: bool,
}

/// The raster formats read, by extension.
const RASTERS: [&str; 5] = ["png", "jpg", "jpeg", "gif", "webp"];

/// What kind of image an asset path names, by its extension.
#[derive(Clone, Copy)]
enum Kind {
    Raster,
    Svg,
}

fn kind(path: &str) -> Option<Kind> {
    let (_, ext) = path.rsplit_once('.')?;
    if RASTERS.iter().any(|known| known.eq_ignore_ascii_case(ext)) {
        Some(Kind::Raster)
    } else if ext.eq_ignore_ascii_case("svg") {
        Some(Kind::Svg)
    } else {
        None
    }
}

/// A measured image and the variants made for it.
type Measured = (ImageFacts, Vec<(String, Vec<u8>)>);

/// Why an image is not published as it is.
enum Problem {
    /// Not an image a browser can show: `link/broken` at each link to it.
    Unreadable(String),
    /// An SVG with script or external references: `html/dropped`.
    Refused(String),
}

/// Every raster image among `assets` (paths under `content_root`), read in
/// parallel.
pub fn measure<'a>(
    content_root: &Path,
    assets: impl IntoParallelIterator<Item = &'a String>,
    how: Measure,
) -> Images {
    let read: Vec<(String, Result<Option<Measured>, Problem>)> = assets
        .into_par_iter()
        .filter_map(|path| Some((path, kind(path)?)))
        .map(|(path, kind)| {
            let outcome = match kind {
                Kind::Raster => inspect(content_root, path, how)
                    .map(Some)
                    .map_err(Problem::Unreadable),
                Kind::Svg => inspect_svg(&content_root.join(path)),
            };
            (path.clone(), outcome)
        })
        .collect();
    let mut images = Images::default();
    for (path, result) in read {
        match result {
            Ok(Some((facts, made))) => {
                images.measured.insert(path, facts);
                images.made.extend(made);
            }
            Ok(None) => {}
            Err(Problem::Unreadable(why)) => {
                images.unreadable.insert(path, why);
            }
            Err(Problem::Refused(why)) => {
                images.refused.insert(path, why);
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
    how: Measure,
) {
    let stays = |path: &String| assets.contains(path) && !changed.contains(path);
    images.measured.retain(|path, _| stays(path));
    images.unreadable.retain(|path, _| stays(path));
    images.refused.retain(|path, _| stays(path));
    let present: Vec<&String> = changed.iter().filter(|p| assets.contains(*p)).collect();
    let again = measure(content_root, present, how);
    images.measured.extend(again.measured);
    images.unreadable.extend(again.unreadable);
    images.refused.extend(again.refused);
    images.made.extend(again.made);
}

/// Where a variant's bytes are.
pub enum VariantSource<'a> {
    /// A whole file in the cache.
    Cached(PathBuf),
    Bytes(Cow<'a, [u8]>),
}

impl Images {
    /// The bytes of the variant published at `path`, if it is one (see
    /// [`Images::variant_source`]).
    pub fn variant_bytes(
        &self,
        content_root: &Path,
        cache: Option<&ImageCache>,
        path: &str,
    ) -> Option<Result<Vec<u8>, String>> {
        let (original, variant) = self.measured.iter().find_map(|(original, facts)| {
            let variant = facts.variants.iter().find(|v| v.path == path)?;
            Some((original, variant))
        })?;
        let source = self.variant_source(content_root, cache, original, variant);
        Some(source.and_then(|source| match source {
            VariantSource::Cached(file) => std::fs::read(file).map_err(|e| e.to_string()),
            VariantSource::Bytes(bytes) => Ok(bytes.into_owned()),
        }))
    }

    /// Where the bytes of `variant` of the image at `original` are: made
    /// earlier, cached, or made now (which is how `serve` makes them, when
    /// a page first asks).
    pub fn variant_source(
        &self,
        content_root: &Path,
        cache: Option<&ImageCache>,
        original: &str,
        variant: &Variant,
    ) -> Result<VariantSource<'_>, String> {
        if let Some(bytes) = self.made.get(&variant.path) {
            return Ok(VariantSource::Bytes(Cow::Borrowed(bytes)));
        }
        if let Some(file) = cache.and_then(|c| c.variant(&variant.key)) {
            return Ok(VariantSource::Cached(file));
        }
        let bytes = std::fs::read(content_root.join(original))
            .map_err(|e| e.to_string())
            .and_then(|bytes| variants::decode(&bytes))
            .and_then(|pixels| variants::resized_webp(&pixels, variant.width, variant.height))?;
        if let Some(cache) = cache {
            cache.put_variant(&variant.key, &bytes);
        }
        Ok(VariantSource::Bytes(Cow::Owned(bytes)))
    }
}

/// The facts of the image at `path`, and the variants made for it, or what
/// keeps them from being read. Its pixels are decoded only when the cache
/// has not seen them decode, or a variant must be made.
fn inspect(content_root: &Path, path: &str, how: Measure) -> Result<Measured, String> {
    let file = std::fs::read(content_root.join(path)).map_err(|e| e.to_string())?;
    let reader = image::ImageReader::new(std::io::Cursor::new(file.as_slice()))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let Some(format) = reader.format() else {
        return Err("its bytes are no image format guidesite knows (PNG, JPEG, GIF, WebP)".into());
    };
    let (width, height) = reader.into_dimensions().map_err(|e| e.to_string())?;
    let hash = crate::hash::sha256_hex(&file);
    let variants = if is_animated(format, &file) {
        Vec::new()
    } else {
        plan(path, &hash, width, height, how.widths)
    };
    let missing: Vec<&Variant> = match (how.make_variants, how.cache) {
        (false, _) => Vec::new(),
        (true, None) => variants.iter().collect(),
        (true, Some(cache)) => variants
            .iter()
            .filter(|v| cache.variant(&v.key).is_none())
            .collect(),
    };
    let decoded_before = how.cache.is_some_and(|c| c.decoded(&hash));
    let mut made = Vec::with_capacity(missing.len());
    if !decoded_before || !missing.is_empty() {
        let pixels = variants::decode(&file)?;
        if let Some(cache) = how.cache {
            cache.mark_decoded(&hash);
        }
        for variant in missing {
            let bytes = variants::resized_webp(&pixels, variant.width, variant.height)?;
            // Kept in memory only when the cache cannot keep it.
            if !how
                .cache
                .is_some_and(|c| c.put_variant(&variant.key, &bytes))
            {
                made.push((variant.path.clone(), bytes));
            }
        }
    }
    let facts = ImageFacts {
        width,
        height,
        bytes: file.len() as u64,
        hash,
        variants,
    };
    Ok((facts, made))
}

/// An SVG's facts when it may be published and states its size; `None`
/// when it states none (a page cannot reserve its space, but shows it).
fn inspect_svg(path: &Path) -> Result<Option<Measured>, Problem> {
    let file = std::fs::read(path).map_err(|e| Problem::Unreadable(e.to_string()))?;
    let size = svg::inspect(&file).map_err(|e| match e {
        svg::SvgError::Unreadable(why) => Problem::Unreadable(format!("not a readable SVG: {why}")),
        unsafe_svg => Problem::Refused(unsafe_svg.to_string()),
    })?;
    let (Some(width), Some(height)) = (size.width, size.height) else {
        return Ok(None);
    };
    let facts = ImageFacts {
        width,
        height,
        bytes: file.len() as u64,
        hash: crate::hash::sha256_hex(&file),
        variants: Vec::new(),
    };
    Ok(Some((facts, Vec::new())))
}

/// Whether the file holds more than one frame: an animated GIF, PNG or WebP.
fn is_animated(format: ImageFormat, file: &[u8]) -> bool {
    use image::AnimationDecoder;
    let cursor = std::io::Cursor::new(file);
    match format {
        ImageFormat::Gif => image::codecs::gif::GifDecoder::new(cursor)
            .is_ok_and(|gif| gif.into_frames().take(2).count() > 1),
        ImageFormat::Png => image::codecs::png::PngDecoder::new(cursor)
            .is_ok_and(|png| png.is_apng().unwrap_or(false)),
        ImageFormat::WebP => {
            image::codecs::webp::WebPDecoder::new(cursor).is_ok_and(|webp| webp.has_animation())
        }
        _ => false,
    }
}

/// The variants of an image `width` × `height` at `path`: one per
/// configured width narrower than it (never enlarged).
fn plan(path: &str, hash: &str, width: u32, height: u32, widths: &[u32]) -> Vec<Variant> {
    let stem = path.rsplit_once('.').map_or(path, |(stem, _)| stem);
    widths
        .iter()
        .filter(|&&w| w < width)
        .map(|&w| {
            let key =
                crate::hash::sha256_hex(format!("{}\n{hash}\n{w}", variants::RECIPE).as_bytes());
            let scaled =
                (u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width);
            Variant {
                width: w,
                height: u32::try_from(scaled).unwrap_or(u32::MAX).max(1),
                path: format!("{stem}.{}.{w}w.webp", &key[..12]),
                key,
            }
        })
        .collect()
}
