//! Image helpers of the `demosaic` example that do not depend on where the image came from: simulating
//! a Bayer mosaic, timing the pipelines, scoring, picking and enlarging a crop, and writing PNGs.

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use halide_pipelines::{
    Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, RawParams, demosaic, demosaic_to_array,
    develop_to_array,
};
use image::{ExtendedColorType, ImageFormat};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, s};

/// Pixels left out around the edges when scoring and when looking for a detailed crop: demosaicing
/// libraries treat borders differently, and the photo's edges say little about the interior.
pub const BORDER: usize = 10;
/// Side of the square crop in `comparison.png`, before enlarging.
pub const CROP: usize = 80;
/// Nearest-neighbour enlargement of the crop.
pub const ZOOM: usize = 4;
/// White pixels between the columns of `comparison.png`.
pub const GAP: usize = 4;

/// The lower-case name used on the command line and for file names (`menon2007`).
pub fn algorithm_name(algorithm: DemosaicAlgorithm) -> String {
    format!("{algorithm:?}").to_lowercase()
}

/// The channel (0 = R, 1 = G, 2 = B) a Bayer sensor with `pattern` records at `(row, column)`: the
/// top-left colour of the pattern of a crop starting there.
pub fn cfa_channel(pattern: CfaPattern, row: usize, column: usize) -> usize {
    match pattern.shifted(row, column) {
        CfaPattern::Rggb => 0,
        CfaPattern::Bggr => 2,
        CfaPattern::Grbg | CfaPattern::Gbrg => 1,
    }
}

/// What a Bayer sensor with `pattern` would have recorded of `rgb`: one sample per pixel.
pub fn mosaic(rgb: ArrayView3<'_, u8>, pattern: CfaPattern) -> Array2<u8> {
    let (height, width, _) = rgb.dim();
    Array2::from_shape_fn((height, width), |(y, x)| rgb[[y, x, cfa_channel(pattern, y, x)]])
}

/// A mosaic shown in colour: each pixel's one sample in its own channel, the other two black.
pub fn colourise(raw: ArrayView2<'_, u8>, pattern: CfaPattern) -> Array3<u8> {
    let (height, width) = raw.dim();
    Array3::from_shape_fn((height, width, 3), |(y, x, c)| {
        if c == cfa_channel(pattern, y, x) {
            raw[[y, x]]
        } else {
            0
        }
    })
}

/// Demosaics `raw` once to warm up (thread pool start-up, first touch of the output), then `calls`
/// more times into the same output; returns the result and the fastest of the timed calls.
pub fn timed_demosaic<T: DemosaicSample>(
    raw: ArrayView2<'_, T>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    calls: usize,
) -> Result<(Array3<T>, Duration), String> {
    let failed = |e: halide_pipelines::Error| format!("demosaicing with {} failed: {e}", algorithm_name(algorithm));
    let start = Instant::now();
    let mut rgb = demosaic_to_array(raw, pattern, algorithm).map_err(failed)?;
    let mut best = start.elapsed();
    if calls > 0 {
        best = Duration::MAX;
        let input = Buffer::try_from(raw).map_err(failed)?;
        let mut output = BufferMut::try_from(rgb.view_mut()).map_err(failed)?;
        for _ in 0..calls {
            let start = Instant::now();
            demosaic(&input, &mut output, pattern, algorithm).map_err(failed)?;
            best = best.min(start.elapsed());
        }
    }
    Ok((rgb, best))
}

/// Develops `raw` to 8-bit sRGB with `params` in one call, and times it.
pub fn timed_develop(
    raw: ArrayView2<'_, u16>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
) -> Result<(Array3<u8>, Duration), String> {
    let start = Instant::now();
    let rgb = develop_to_array::<u8>(raw, pattern, algorithm, params)
        .map_err(|e| format!("developing with {} failed: {e}", algorithm_name(algorithm)))?;
    Ok((rgb, start.elapsed()))
}

/// Megapixels per second for a frame of `pixels` processed in `time`.
pub fn megapixels_per_second(pixels: usize, time: Duration) -> f64 {
    pixels as f64 / 1e6 / time.as_secs_f64().max(1e-9)
}

/// Peak signal-to-noise ratio in dB of `test` against `reference` (8-bit, every channel), leaving
/// out `border` pixels on each side. Identical images give infinity.
pub fn psnr(reference: ArrayView3<'_, u8>, test: ArrayView3<'_, u8>, border: usize) -> f64 {
    let (height, width, _) = reference.dim();
    let border = if height > 2 * border && width > 2 * border {
        border
    } else {
        0
    };
    let inner = s![border..height - border, border..width - border, ..];
    let (reference, test) = (reference.slice(inner), test.slice(inner));
    let squared: f64 = reference
        .iter()
        .zip(test.iter())
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    let mse = squared / reference.len().max(1) as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// The border to leave out of an image of `height` x `width` so that at least `keep` pixels remain
/// each way: [`BORDER`], or none for small images.
pub fn border_for(height: usize, width: usize, keep: usize) -> usize {
    if height >= keep + 2 * BORDER && width >= keep + 2 * BORDER {
        BORDER
    } else {
        0
    }
}

/// A square region of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    /// Column of the top-left pixel.
    pub x: usize,
    /// Row of the top-left pixel.
    pub y: usize,
    /// Width and height.
    pub size: usize,
}

/// The `size` x `size` window (smaller for small images) with the most detail: the largest sum of
/// squared differences between horizontal and vertical neighbours, over all channels. Fine texture
/// and sharp edges are where demosaicing algorithms differ. Windows stay `border` pixels (or less,
/// for small images) away from the edges. A flat image gives the centre.
pub fn most_detailed_crop(rgb: ArrayView3<'_, u8>, size: usize) -> Crop {
    let (height, width, channels) = rgb.dim();
    let size = size.min(height).min(width);
    let border = border_for(height, width, size);
    // Summed-area table of the gradient energy: sums[y][x] = energy of the pixels above and left of (y, x).
    let mut sums = Array2::<u64>::zeros((height + 1, width + 1));
    for y in 0..height {
        let mut row_sum = 0u64;
        for x in 0..width {
            let mut energy = 0u64;
            for c in 0..channels {
                let here = i64::from(rgb[[y, x, c]]);
                if x + 1 < width {
                    energy += (i64::from(rgb[[y, x + 1, c]]) - here).pow(2) as u64;
                }
                if y + 1 < height {
                    energy += (i64::from(rgb[[y + 1, x, c]]) - here).pow(2) as u64;
                }
            }
            row_sum += energy;
            sums[[y + 1, x + 1]] = sums[[y, x + 1]] + row_sum;
        }
    }
    let window =
        |y: usize, x: usize| sums[[y + size, x + size]] + sums[[y, x]] - sums[[y, x + size]] - sums[[y + size, x]];
    let mut best = (
        0,
        Crop {
            x: (width - size) / 2,
            y: (height - size) / 2,
            size,
        },
    );
    for y in border..=height - size - border {
        for x in border..=width - size - border {
            let energy = window(y, x);
            if energy > best.0 {
                best = (energy, Crop { x, y, size });
            }
        }
    }
    best.1
}

/// The crop of each image, enlarged `ZOOM` times (nearest neighbour), side by side with `GAP` white
/// pixels between them.
pub fn side_by_side(images: &[ArrayView3<'_, u8>], crop: Crop) -> Array3<u8> {
    let side = crop.size * ZOOM;
    let columns = images.len();
    let width = columns * side + columns.saturating_sub(1) * GAP;
    let mut out = Array3::<u8>::from_elem((side, width, 3), 255);
    for (i, image) in images.iter().enumerate() {
        let left = i * (side + GAP);
        for y in 0..side {
            for x in 0..side {
                for c in 0..3 {
                    out[[y, left + x, c]] = image[[crop.y + y / ZOOM, crop.x + x / ZOOM, c]];
                }
            }
        }
    }
    out
}

/// Writes an `(H, W, 3)` RGB array (any memory layout) as an 8-bit PNG.
pub fn write_png(path: &Path, rgb: ArrayView3<'_, u8>) -> Result<(), String> {
    let (height, width, _) = rgb.dim();
    let too_large = || {
        format!(
            "cannot write {}: {width}x{height} is too large for a PNG",
            path.display()
        )
    };
    let width_u32 = u32::try_from(width).map_err(|_| too_large())?;
    let height_u32 = u32::try_from(height).map_err(|_| too_large())?;
    let bytes: Cow<'_, [u8]> = rgb
        .as_slice()
        .map_or_else(|| Cow::Owned(rgb.iter().copied().collect()), Cow::Borrowed);
    image::save_buffer_with_format(
        path,
        &bytes,
        width_u32,
        height_u32,
        ExtendedColorType::Rgb8,
        ImageFormat::Png,
    )
    .map_err(|e| {
        format!(
            "cannot write {}: {}",
            path.display(),
            crate::without_os_error(&e.to_string())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn cfa_channels_follow_the_pattern() {
        let tile = |pattern| [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(y, x)| cfa_channel(pattern, y, x));
        assert_eq!(tile(CfaPattern::Rggb), [0, 1, 1, 2]);
        assert_eq!(tile(CfaPattern::Bggr), [2, 1, 1, 0]);
        assert_eq!(tile(CfaPattern::Grbg), [1, 0, 2, 1]);
        assert_eq!(tile(CfaPattern::Gbrg), [1, 2, 0, 1]);
        assert_eq!(cfa_channel(CfaPattern::Grbg, 4, 7), 0);
    }

    #[test]
    fn mosaic_samples_one_channel_per_pixel() {
        let rgb = Array3::from_shape_fn((2, 3, 3), |(y, x, c)| (100 * c + 10 * y + x) as u8);
        let raw = mosaic(rgb.view(), CfaPattern::Rggb);
        assert_eq!(raw, ndarray::array![[0, 101, 2], [110, 211, 112]]);
        let colour = colourise(raw.view(), CfaPattern::Rggb);
        assert_eq!(colour.slice(s![1, 1, ..]).to_vec(), vec![0, 0, 211]);
    }

    #[test]
    fn psnr_of_known_errors() {
        let a = Array3::<u8>::from_elem((30, 30, 3), 100);
        assert_eq!(psnr(a.view(), a.view(), BORDER), f64::INFINITY);
        let mut b = a.clone();
        b.fill(110); // MSE 100: 10 log10(65025 / 100)
        assert!((psnr(a.view(), b.view(), BORDER) - 28.1308).abs() < 1e-3);
        b.fill(100);
        b[[0, 0, 0]] = 0; // in the border: ignored
        assert_eq!(psnr(a.view(), b.view(), BORDER), f64::INFINITY);
    }

    #[test]
    fn the_crop_finds_the_texture_and_stays_inside() {
        let mut rgb = Array3::<u8>::from_elem((200, 300, 3), 128);
        for y in 100..140 {
            for x in 200..240 {
                rgb[[y, x, 1]] = if (x + y) % 2 == 0 { 0 } else { 255 };
            }
        }
        let crop = most_detailed_crop(rgb.view(), CROP);
        assert_eq!(crop.size, CROP);
        assert!(
            crop.x <= 200 && crop.x + CROP >= 240 && crop.y <= 100 && crop.y + CROP >= 140,
            "{crop:?}"
        );
        // Flat: the centre. Tiny: the whole image.
        let flat = Array3::<u8>::zeros((100, 120, 3));
        assert_eq!(most_detailed_crop(flat.view(), CROP), Crop { x: 20, y: 10, size: 80 });
        let tiny = Array3::<u8>::zeros((2, 5, 3));
        assert_eq!(most_detailed_crop(tiny.view(), CROP), Crop { x: 1, y: 0, size: 2 });
    }

    #[test]
    fn side_by_side_enlarges_with_gaps() {
        let a = Array3::<u8>::from_shape_fn((3, 3, 3), |(y, x, _)| (y * 3 + x) as u8);
        let out = side_by_side(&[a.view(), a.view()], Crop { x: 1, y: 1, size: 2 });
        assert_eq!(out.dim(), (2 * ZOOM, 2 * (2 * ZOOM) + GAP, 3));
        assert_eq!(out[[0, 0, 0]], 4);
        assert_eq!(out[[ZOOM, ZOOM, 2]], 8);
        assert_eq!(out[[0, 2 * ZOOM, 0]], 255);
        assert_eq!(out[[ZOOM, 2 * ZOOM + GAP + ZOOM - 1, 1]], 7);
    }

    #[test]
    fn demosaicing_a_flat_mosaic_gives_the_same_grey() -> Result<(), String> {
        let raw = Array2::<u16>::from_elem((6, 8), 1234);
        for &algorithm in DemosaicAlgorithm::ALL {
            let (rgb, _) = timed_demosaic(raw.view(), CfaPattern::Gbrg, algorithm, 1)?;
            assert!(rgb.iter().all(|&v| v == 1234), "{}", algorithm_name(algorithm));
        }
        Ok(())
    }
}
