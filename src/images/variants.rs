//! Narrower copies of a screenshot, for small screens: resized with a
//! Lanczos3 filter, which keeps one-pixel text strokes legible where
//! cheaper filters blur or drop them, and written as lossless WebP, which
//! adds no compression artefacts around text. Both steps use integer
//! arithmetic only, so the bytes are the same on every run and machine.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::ExtendedColorType;
use image::codecs::webp::WebPEncoder;

/// How variants are made: part of every variant's key, so a change here
/// renames them all (a browser never keeps an old rendering).
pub const RECIPE: &str = "lanczos3/webp-lossless/1";

/// An image decoded whole: 8-bit RGB, or RGBA when it has transparency.
pub struct Pixels {
    width: u32,
    height: u32,
    data: Vec<u8>,
    alpha: bool,
}

/// Decodes every pixel (the first frame of an animation), which finds a
/// file cut short that its header alone does not give away.
pub fn decode(bytes: &[u8]) -> Result<Pixels, String> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    // The decoder's default limits refuse more than 512 MiB of pixels: a
    // header may claim any size, and a few bytes can inflate to gigabytes.
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            "it has more pixels than guidesite decodes (512 MiB): save it smaller".to_string()
        }
        e => format!("its pixels cannot be read ({e}): the file is cut short or damaged"),
    })?;
    let (width, height) = (decoded.width(), decoded.height());
    let alpha = decoded.color().has_alpha();
    let data = if alpha {
        decoded.into_rgba8().into_raw()
    } else {
        decoded.into_rgb8().into_raw()
    };
    Ok(Pixels {
        width,
        height,
        data,
        alpha,
    })
}

/// `pixels` resized to `width` × `height`, as lossless WebP.
pub fn resized_webp(pixels: &Pixels, width: u32, height: u32) -> Result<Vec<u8>, String> {
    resized_webp_with(pixels, width, height, &mut Resizer::new())
}

fn resized_webp_with(
    pixels: &Pixels,
    width: u32,
    height: u32,
    resizer: &mut Resizer,
) -> Result<Vec<u8>, String> {
    let (pixel_type, color) = if pixels.alpha {
        (PixelType::U8x4, ExtendedColorType::Rgba8)
    } else {
        (PixelType::U8x3, ExtendedColorType::Rgb8)
    };
    let source = ImageRef::new(pixels.width, pixels.height, &pixels.data, pixel_type)
        .map_err(|e| e.to_string())?;
    let mut resized = Image::new(width, height, pixel_type);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize(&source, &mut resized, &options)
        .map_err(|e| e.to_string())?;
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .encode(resized.buffer(), width, height, color)
        .map_err(|e| e.to_string())?;
    Ok(webp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A screenshot-like picture: a light page, a dark top bar, panels, and
    /// rows of "text": one-pixel strokes in glyph-sized cells, the detail a
    /// bad filter loses.
    fn screenshot(width: u32, height: u32) -> Pixels {
        let mut data = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            for x in 0..width {
                let shade: u8 = if y < 48 {
                    0x22
                } else if x < 240 {
                    0xf0
                } else if (y / 22) % 2 == 1 && x > 280 && x < width - 40 {
                    // A text row: strokes in 9-px cells, varying per glyph.
                    let (cell, col) = (x / 9, x % 9);
                    let row = y % 22;
                    let glyph = (cell * 7 + y / 22 * 13) % 5;
                    let stroke = col == glyph + 1 || (row == 5 + glyph && col < 7);
                    if stroke { 0x20 } else { 0xff }
                } else {
                    0xff
                };
                data.extend([shade, shade, shade.saturating_add(8)]);
            }
        }
        Pixels {
            width,
            height,
            data,
            alpha: false,
        }
    }

    fn webp_pixels(webp: &[u8]) -> Vec<u8> {
        image::load_from_memory(webp)
            .unwrap()
            .into_rgb8()
            .into_raw()
    }

    /// The picture shrunk by averaging each output pixel's exact area of
    /// the original: the reference a resize is judged against.
    fn area_average(pixels: &Pixels, width: u32, height: u32) -> Vec<u8> {
        let (sx, sy) = (
            f64::from(pixels.width) / f64::from(width),
            f64::from(pixels.height) / f64::from(height),
        );
        let mut out = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            for x in 0..width {
                let mut sum = [0.0f64; 3];
                let mut weight = 0.0;
                let (x0, x1) = (f64::from(x) * sx, f64::from(x + 1) * sx);
                let (y0, y1) = (f64::from(y) * sy, f64::from(y + 1) * sy);
                for py in y0.floor() as u32..(y1.ceil() as u32).min(pixels.height) {
                    let wy = (f64::from(py + 1).min(y1) - f64::from(py).max(y0)).max(0.0);
                    for px in x0.floor() as u32..(x1.ceil() as u32).min(pixels.width) {
                        let wx = (f64::from(px + 1).min(x1) - f64::from(px).max(x0)).max(0.0);
                        let at = ((py * pixels.width + px) * 3) as usize;
                        for (total, &value) in sum.iter_mut().zip(&pixels.data[at..at + 3]) {
                            *total += f64::from(value) * wx * wy;
                        }
                        weight += wx * wy;
                    }
                }
                out.extend(sum.map(|s| (s / weight).round() as u8));
            }
        }
        out
    }

    fn psnr(a: &[u8], b: &[u8]) -> f64 {
        let mse = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        10.0 * (255.0f64.powi(2) / mse).log10()
    }

    fn resized_with(pixels: &Pixels, width: u32, height: u32, filter: ResizeAlg) -> Vec<u8> {
        let source =
            ImageRef::new(pixels.width, pixels.height, &pixels.data, PixelType::U8x3).unwrap();
        let mut resized = Image::new(width, height, PixelType::U8x3);
        Resizer::new()
            .resize(
                &source,
                &mut resized,
                &ResizeOptions::new().resize_alg(filter),
            )
            .unwrap();
        resized.into_vec()
    }

    /// Text in a variant stays readable. Judged against the exact area
    /// average of the original (each output pixel the mean of the source
    /// area it covers: no stroke lost, none invented), Lanczos3 keeps each
    /// glyph's strokes where they were: 31.4 dB PSNR on this text-heavy
    /// picture. Nearest-neighbour sampling, which drops or doubles strokes,
    /// gets 16.8 dB. 28 dB fails anything that aliases like it, with room
    /// for a filter as sharp as Lanczos3 to ring a little more.
    #[test]
    fn resized_text_stays_close_to_the_original() {
        let original = screenshot(1920, 1080);
        let (width, height) = (800, 450);
        let reference = area_average(&original, width, height);
        let variant = webp_pixels(&resized_webp(&original, width, height).unwrap());
        let ours = psnr(&variant, &reference);
        let nearest = psnr(
            &resized_with(&original, width, height, ResizeAlg::Nearest),
            &reference,
        );
        assert!(ours > 28.0, "Lanczos3 variant at {ours:.1} dB");
        assert!(
            nearest < 20.0,
            "nearest at {nearest:.1} dB: the picture tests nothing"
        );
    }

    /// Lossless: the WebP holds exactly the resized pixels.
    #[test]
    fn variants_are_lossless() {
        let original = screenshot(400, 300);
        let lanczos = ResizeAlg::Convolution(FilterType::Lanczos3);
        let webp = resized_webp(&original, 200, 150).unwrap();
        assert_eq!(
            webp_pixels(&webp),
            resized_with(&original, 200, 150, lanczos)
        );
    }

    /// Every SIMD path this CPU has gives the same bytes as plain Rust, so
    /// a variant is the same whichever machine made it.
    #[test]
    fn every_cpu_path_gives_the_same_bytes() {
        let mut original = screenshot(640, 360);
        let plain = {
            let mut resizer = Resizer::new();
            // SAFETY: `None` selects the portable code, which every CPU runs.
            unsafe { resizer.set_cpu_extensions(fast_image_resize::CpuExtensions::None) };
            resized_webp_with(&original, 300, 169, &mut resizer).unwrap()
        };
        assert_eq!(resized_webp(&original, 300, 169).unwrap(), plain);
        #[cfg(target_arch = "x86_64")]
        for simd in [
            fast_image_resize::CpuExtensions::Sse4_1,
            fast_image_resize::CpuExtensions::Avx2,
        ] {
            if simd.is_supported() {
                let mut resizer = Resizer::new();
                // SAFETY: used only where the CPU supports it.
                unsafe { resizer.set_cpu_extensions(simd) };
                let bytes = resized_webp_with(&original, 300, 169, &mut resizer).unwrap();
                assert_eq!(bytes, plain, "{simd:?}");
            }
        }
        // With transparency too.
        original.data = original
            .data
            .chunks(3)
            .enumerate()
            .flat_map(|(i, p)| [p[0], p[1], p[2], (i % 251) as u8])
            .collect();
        original.alpha = true;
        let mut resizer = Resizer::new();
        // SAFETY: as above.
        unsafe { resizer.set_cpu_extensions(fast_image_resize::CpuExtensions::None) };
        let plain = resized_webp_with(&original, 300, 169, &mut resizer).unwrap();
        assert_eq!(resized_webp(&original, 300, 169).unwrap(), plain);
    }

    /// A PNG whose header claims `width` × `height` over one row of data.
    fn bomb(width: u32, height: u32) -> Vec<u8> {
        fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            png.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
            let start = png.len();
            png.extend(kind);
            png.extend(data);
            let crc = crc32(&png[start..]);
            png.extend(crc.to_be_bytes());
        }
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut header = Vec::new();
        header.extend(width.to_be_bytes());
        header.extend(height.to_be_bytes());
        header.extend([8, 2, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &header);
        chunk(
            &mut png,
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        chunk(&mut png, b"IEND", &[]);
        png
    }

    #[test]
    fn a_header_claiming_a_huge_picture_is_refused_without_decoding_it() {
        let why = decode(&bomb(30_000, 30_000)).err().unwrap();
        assert!(why.contains("more pixels than guidesite decodes"), "{why}");
    }

    #[test]
    fn a_file_cut_short_is_refused_with_why() {
        let mut png = Vec::new();
        image::RgbImage::from_pixel(64, 64, image::Rgb([1, 2, 3]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(decode(&png).is_ok());
        let cut = &png[..png.len() - 30];
        let why = decode(cut).err().unwrap();
        assert!(why.contains("cut short"), "{why}");
    }
}
