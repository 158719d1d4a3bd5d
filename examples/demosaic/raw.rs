//! Camera raw files: real sensor data read with rawloader, demosaiced in 16 bits, white-balanced and
//! written as an 8-bit sRGB PNG. Colours stay camera RGB: no colour matrix is applied.

use std::fmt::Write as _;
use std::path::Path;

use halide_pipelines::CfaPattern;
use ndarray::{Array2, Array3, ArrayView3, Axis, Zip};
use rawloader::{CFA, Orientation, RawImage, RawImageData};

use crate::imaging::{self, CROP};
use crate::{Cli, table_row};

/// The usable area of the sensor: rawloader's `crops` applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub top: usize,
    pub left: usize,
    pub height: usize,
    pub width: usize,
}

/// The usable area of a `width` x `height` sensor after `crops` (`[top, right, bottom, left]`, as
/// rawloader gives them), if at least 2x2 pixels remain.
pub fn usable_frame(width: usize, height: usize, crops: [usize; 4]) -> Result<Frame, String> {
    let [top, right, bottom, left] = crops;
    let remaining = |extent: usize, a: usize, b: usize| extent.checked_sub(a)?.checked_sub(b).filter(|&e| e >= 2);
    match (remaining(height, top, bottom), remaining(width, left, right)) {
        (Some(height), Some(width)) => Ok(Frame {
            top,
            left,
            height,
            width,
        }),
        _ => Err(format!(
            "the sensor's usable area is smaller than 2x2 pixels ({width}x{height} sensor, crops top {top}, right \
             {right}, bottom {bottom}, left {left})"
        )),
    }
}

/// The Bayer pattern of a frame cropped at (`top`, `left`): the sensor's own 2x2 tile, shifted.
/// Other filter arrays (X-Trans, 4-colour) are errors.
pub fn pattern_at(cfa: &CFA, top: usize, left: usize) -> Result<CfaPattern, String> {
    let unsupported = |name: &str| {
        format!(
            "unsupported CFA {}x{} \"{name}\" (only 2x2 Bayer patterns RGGB, BGGR, GRBG, GBRG are supported)",
            cfa.width, cfa.height
        )
    };
    if (cfa.width, cfa.height) != (2, 2) {
        return Err(unsupported(&cfa.name));
    }
    // rawloader's colour indices are RGBE (E: a 4th colour).
    let tile: String = [(0, 0), (0, 1), (1, 0), (1, 1)]
        .iter()
        .map(|&(row, column)| {
            ['R', 'G', 'B', 'E']
                .get(cfa.color_at(row, column))
                .copied()
                .unwrap_or('?')
        })
        .collect();
    let pattern: CfaPattern = tile.parse().map_err(|_| unsupported(&tile))?;
    Ok(pattern.shifted(top, left))
}

/// Black and white level of one position of the CFA tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels {
    pub black: u16,
    pub white: u16,
}

/// The levels of each position `[row % 2][column % 2]` of a frame cropped at (`top`, `left`), from
/// rawloader's per-colour levels (RGBE order). White must be above black.
pub fn tile_levels(
    cfa: &CFA,
    top: usize,
    left: usize,
    black: [u16; 4],
    white: [u16; 4],
) -> Result<[[Levels; 2]; 2], String> {
    let mut tile = [[Levels { black: 0, white: 0 }; 2]; 2];
    for (r, row) in tile.iter_mut().enumerate() {
        for (c, levels) in row.iter_mut().enumerate() {
            let colour = cfa.color_at(top + r, left + c).min(3);
            *levels = Levels {
                black: black[colour],
                white: white[colour],
            };
            if levels.white <= levels.black {
                return Err(format!(
                    "unusable levels for {}: white level {} is not above black level {}",
                    ["red", "green", "blue", "the 4th colour"][colour],
                    levels.white,
                    levels.black
                ));
            }
        }
    }
    Ok(tile)
}

/// Subtracts `black` and scales so that `white` becomes 65535 (rounded, clipped to 0..=65535).
pub fn scale_to_16_bits(value: u16, black: u16, white: u16) -> u16 {
    let range = u32::from(white.saturating_sub(black)).max(1);
    let value = u32::from(value.saturating_sub(black)).min(range);
    // At most 65535 * 65535 + 32767: fits u32, and the quotient fits u16.
    ((value * 65535 + range / 2) / range) as u16
}

/// The camera's white balance multipliers for R, G, B, relative to green. Missing (NaN) or
/// meaningless (zero, negative, infinite) coefficients count as 1.
pub fn white_balance(coefficients: [f32; 4]) -> [f32; 3] {
    let usable = |v: f32| if v.is_finite() && v > 0.0 { v } else { 1.0 };
    let [r, g, b, _] = coefficients.map(usable);
    [r / g, 1.0, b / g]
}

/// The sRGB transfer curve (IEC 61966-2-1): linear light in 0..=1 to the encoded value in 0..=1.
pub fn srgb_encode(linear: f32) -> f32 {
    let linear = linear.clamp(0.0, 1.0);
    if linear <= 0.003_130_8 {
        12.92 * linear
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    }
}

/// `srgb_encode` as a table from 16-bit linear values to 8-bit sRGB values.
pub fn srgb_table() -> Vec<u8> {
    (0..=u16::MAX)
        .map(|v| (srgb_encode(f32::from(v) / 65535.0) * 255.0).round() as u8)
        .collect()
}

/// White balance, clipping and the sRGB curve: linear 16-bit camera RGB to 8-bit sRGB-encoded RGB.
pub fn develop(rgb: ArrayView3<'_, u16>, white_balance: [f32; 3], table: &[u8]) -> Array3<u8> {
    let mut out = Array3::<u8>::zeros(rgb.dim());
    Zip::indexed(&mut out).and(&rgb).for_each(|(_, _, c), out, &v| {
        let balanced = (f32::from(v) * white_balance[c] + 0.5).min(65535.0) as u16;
        *out = table.get(usize::from(balanced)).copied().unwrap_or(u8::MAX);
    });
    out
}

/// `rgb` turned as the file's orientation tag says (a view: nothing is copied).
pub fn oriented(rgb: ArrayView3<'_, u8>, orientation: Orientation) -> ArrayView3<'_, u8> {
    // rawloader: (transpose, flip horizontally, flip vertically); flips come first.
    let (transpose, horizontal, vertical) = orientation.to_flips();
    let mut view = rgb;
    if horizontal {
        view.invert_axis(Axis(1));
    }
    if vertical {
        view.invert_axis(Axis(0));
    }
    if transpose {
        view.swap_axes(0, 1);
    }
    view
}

/// Decodes a camera raw file with rawloader. Its decoders catch their own panics on damaged files;
/// the default panic hook is silenced meanwhile so that only our one-line error is printed.
pub fn decode(path: &Path) -> Result<RawImage, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = rawloader::decode_file(path);
    std::panic::set_hook(hook);
    result.map_err(|e| {
        // Display is `RawLoaderError: "message\nplease send a sample..."`: keep the message.
        let text = e.to_string();
        let text = text.strip_prefix("RawLoaderError: \"").unwrap_or(&text);
        let first_line = text.lines().next().unwrap_or_default();
        first_line.trim_end_matches('"').trim_end_matches('.').to_string()
    })
}

/// Develops a decoded raw file with each chosen algorithm and writes the PNGs.
pub fn run(image: RawImage, path: &Path, cli: &Cli, decode_ms: f64) -> Result<(), String> {
    let name = path.display();
    let camera = format!("{} {}", image.clean_make, image.clean_model);
    let camera = camera.trim();
    say!(
        "input: {name} ({}, read with rawloader in {decode_ms:.0} ms)",
        if camera.is_empty() { "camera raw" } else { camera }
    );
    let samples = match &image.data {
        RawImageData::Integer(samples) => samples,
        RawImageData::Float(_) => {
            return Err(format!(
                "{name}: floating-point raw data is not supported (only integer samples)"
            ));
        }
    };
    if image.cpp != 1 || !image.cfa.is_valid() {
        return Err(match image.cpp {
            1 => format!("{name}: a monochrome sensor (no colour filter array): nothing to demosaic"),
            3 => format!("{name}: already demosaiced (3 samples per pixel, a linear raw): nothing to demosaic"),
            n => format!("{name}: {n} samples per pixel: not a Bayer mosaic"),
        });
    }
    if image.width.checked_mul(image.height) != Some(samples.len()) {
        return Err(format!(
            "{name}: rawloader returned {} samples for a {}x{} sensor",
            samples.len(),
            image.width,
            image.height
        ));
    }
    let frame = usable_frame(image.width, image.height, image.crops).map_err(|e| format!("{name}: {e}"))?;
    let pattern = pattern_at(&image.cfa, frame.top, frame.left).map_err(|e| format!("{name}: {e}"))?;
    let levels = tile_levels(&image.cfa, frame.top, frame.left, image.blacklevels, image.whitelevels)
        .map_err(|e| format!("{name}: {e}"))?;
    let balance = white_balance(image.wb_coeffs);

    say!(
        "sensor: {}x{}, usable {}x{} from (x, y) = ({}, {}); CFA {} there (the file's own pattern)",
        image.width,
        image.height,
        frame.width,
        frame.height,
        frame.left,
        frame.top,
        pattern
    );
    let [r, g, b, _] = [0, 1, 2, 3].map(|colour| (image.blacklevels[colour], image.whitelevels[colour]));
    say!(
        "levels (R, G, B): black {} {} {}, white {} {} {}; scaled to 0..65535",
        r.0,
        g.0,
        b.0,
        r.1,
        g.1,
        b.1
    );
    say!(
        "white balance (R, G, B): {:.3} {:.3} {:.3} (camera's as-shot, relative to green)",
        balance[0],
        balance[1],
        balance[2]
    );
    if !matches!(image.orientation, Orientation::Normal | Orientation::Unknown) {
        say!("orientation: {:?} (applied to the output)", image.orientation);
    }
    if let Some(pattern) = cli.pattern {
        say!(
            "note: --pattern {} ignored: a raw file's own CFA pattern is used",
            pattern
        );
    }

    let raw = Array2::from_shape_fn((frame.height, frame.width), |(y, x)| {
        let Levels { black, white } = levels[y % 2][x % 2];
        let sample = samples
            .get((frame.top + y) * image.width + frame.left + x)
            .copied()
            .unwrap_or(0);
        scale_to_16_bits(sample, black, white)
    });
    let algorithms = cli.algorithms(crate::AlgorithmArg::Menon2007);
    let pixels = frame.width * frame.height;
    let table = srgb_table();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = if stem.is_empty() { "raw".to_string() } else { stem };

    // Start Halide's thread pool on a tiny frame first, so that the timings are of the demosaicing alone.
    let warm_up = Array2::<u16>::zeros((16, 16));
    for &algorithm in &algorithms {
        imaging::timed_demosaic(warm_up.view(), pattern, algorithm, 0)?;
    }
    say!("\n{}", table_row(&["algorithm", "time (ms)", "MP/s"]));
    let mut developed = Vec::new();
    let mut written = String::new();
    for &algorithm in &algorithms {
        let (rgb, time) = imaging::timed_demosaic(raw.view(), pattern, algorithm, 0)?;
        let algorithm_name = imaging::algorithm_name(algorithm);
        say!(
            "{}",
            table_row(&[
                algorithm_name.clone(),
                format!("{:.1}", time.as_secs_f64() * 1e3),
                format!("{:.1}", imaging::megapixels_per_second(pixels, time)),
            ])
        );
        let file = if algorithms.len() == 1 {
            format!("{stem}.png")
        } else {
            format!("{stem}-{algorithm_name}.png")
        };
        let srgb = develop(rgb.view(), balance, &table);
        drop(rgb);
        let view = oriented(srgb.view(), image.orientation);
        imaging::write_png(&cli.output.join(&file), view)?;
        let (height, width, _) = view.dim();
        let _ = writeln!(
            written,
            "  {file:<24} {width}x{height}, 8-bit sRGB: white-balanced camera RGB, not colour-managed"
        );
        developed.push(srgb);
    }
    say!(
        "\ntime: one call each, on the 16-bit frame; threads: {}.",
        cli.threads_description()
    );
    if developed.len() > 1 {
        let views: Vec<_> = developed
            .iter()
            .map(|rgb| oriented(rgb.view(), image.orientation))
            .collect();
        let crop = imaging::most_detailed_crop(views[0], CROP);
        imaging::write_png(
            &cli.output.join("comparison.png"),
            imaging::side_by_side(&views, crop).view(),
        )?;
        let columns: Vec<_> = algorithms.iter().map(|&a| imaging::algorithm_name(a)).collect();
        let _ = writeln!(
            written,
            "  {:<24} the most detailed {}x{} crop, at (x, y) = ({}, {}), enlarged {}x: {}",
            "comparison.png",
            crop.size,
            crop.size,
            crop.x,
            crop.y,
            imaging::ZOOM,
            columns.join(" | ")
        );
    }
    let folder = std::fs::canonicalize(&cli.output).unwrap_or_else(|_| cli.output.clone());
    say!("\nwrote to {}:\n{}", folder.display(), written.trim_end());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn crops_give_the_usable_frame() {
        let frame = usable_frame(100, 80, [3, 4, 5, 6]);
        assert_eq!(
            frame,
            Ok(Frame {
                top: 3,
                left: 6,
                height: 72,
                width: 90
            })
        );
        assert!(usable_frame(100, 80, [40, 0, 39, 0]).is_err()); // 1 row left
        assert!(usable_frame(100, 80, [0, 60, 0, 60]).is_err()); // more than the width
        assert!(usable_frame(100, 80, [0, usize::MAX, 0, 1]).is_err());
    }

    #[test]
    fn the_pattern_follows_the_crop_origin() {
        let cfa = CFA::new("RGGB");
        assert_eq!(pattern_at(&cfa, 0, 0), Ok(CfaPattern::Rggb));
        assert_eq!(pattern_at(&cfa, 0, 1), Ok(CfaPattern::Grbg)); // one column cropped
        assert_eq!(pattern_at(&cfa, 1, 0), Ok(CfaPattern::Gbrg)); // one row cropped
        assert_eq!(pattern_at(&cfa, 1, 1), Ok(CfaPattern::Bggr));
        assert_eq!(pattern_at(&cfa, 8, 18), Ok(CfaPattern::Rggb));
        assert_eq!(pattern_at(&CFA::new("GBRG"), 51, 3), Ok(CfaPattern::Grbg)); // one row and one column off: R and B swap
        // The pattern agrees with rawloader's colour at the crop's origin and with the mosaic we simulate.
        for name in ["RGGB", "BGGR", "GRBG", "GBRG"] {
            let cfa = CFA::new(name);
            for (top, left) in [(0, 0), (1, 0), (0, 1), (3, 5), (10, 7)] {
                let pattern = pattern_at(&cfa, top, left).unwrap();
                for (r, c) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    assert_eq!(
                        cfa.color_at(top + r, left + c),
                        imaging::cfa_channel(pattern, r, c),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn other_filter_arrays_are_refused() {
        let xtrans = CFA::new("GGRGGBGGBGGRBRGRBGGGBGGRGGRGGBRBGBRG");
        let error = pattern_at(&xtrans, 0, 0).unwrap_err();
        assert!(
            error.starts_with("unsupported CFA 6x6") && error.contains("only 2x2 Bayer"),
            "{error}"
        );
        assert!(pattern_at(&CFA::new("RGEB"), 0, 0).is_err());
    }

    #[test]
    fn levels_follow_the_colours_of_the_tile() {
        let cfa = CFA::new("RGGB");
        let tile = tile_levels(&cfa, 1, 0, [10, 20, 30, 0], [1000, 2000, 3000, 0]);
        let level = |black, white| Levels { black, white };
        assert_eq!(
            tile,
            Ok([[level(20, 2000), level(30, 3000)], [level(10, 1000), level(20, 2000)]])
        );
        assert!(tile_levels(&cfa, 0, 0, [10, 20, 30, 0], [1000, 20, 3000, 0]).is_err());
    }

    #[test]
    fn black_to_zero_and_white_to_full_scale() {
        assert_eq!(scale_to_16_bits(0, 512, 16383), 0);
        assert_eq!(scale_to_16_bits(512, 512, 16383), 0);
        assert_eq!(scale_to_16_bits(16383, 512, 16383), 65535);
        assert_eq!(scale_to_16_bits(16000, 512, 4095), 65535); // above white: clipped
        assert_eq!(scale_to_16_bits(2048, 0, 4096), 32768);
        assert_eq!(scale_to_16_bits(1, 0, 2), 32768);
        assert_eq!(scale_to_16_bits(u16::MAX, 0, u16::MAX), u16::MAX);
        assert_eq!(scale_to_16_bits(7, 9, 9), 0); // no range: never divides by zero
    }

    #[test]
    fn white_balance_is_relative_to_green() {
        assert_eq!(white_balance([2048.0, 1024.0, 1536.0, f32::NAN]), [2.0, 1.0, 1.5]);
        assert_eq!(white_balance([f32::NAN; 4]), [1.0, 1.0, 1.0]);
        assert_eq!(white_balance([2.0, f32::NAN, 0.0, 1.0]), [2.0, 1.0, 1.0]);
    }

    #[test]
    fn the_srgb_curve() {
        assert_eq!(srgb_encode(0.0), 0.0);
        assert!((srgb_encode(1.0) - 1.0).abs() < 1e-6);
        assert!((srgb_encode(0.18) - 0.4614).abs() < 1e-3); // mid grey
        assert!((srgb_encode(0.002) - 0.02584).abs() < 1e-5); // the linear toe
        let (below, above) = (srgb_encode(0.003_130_8), srgb_encode(0.003_130_9));
        assert!((above - below).abs() < 1e-5, "continuous where the pieces meet");
        assert_eq!(srgb_encode(-1.0), 0.0);
        assert!((srgb_encode(2.0) - 1.0).abs() < 1e-6);
        let table = srgb_table();
        assert_eq!((table.len(), table[0], table[65535]), (65536, 0, 255));
        assert_eq!(table[32768], 188);
        assert!(table.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn develop_balances_and_clips() {
        let rgb = array![[[0u16, 0, 0], [65535, 65535, 65535], [20000, 40000, 30000]]];
        let out = develop(rgb.view(), [2.0, 1.0, 0.5], &srgb_table());
        assert_eq!(out, array![[[0u8, 0, 0], [255, 255, 188], [205, 205, 132]]]);
    }

    #[test]
    fn orientation_turns_the_image() {
        // 2 rows x 3 columns, values 0..6 in reading order.
        let rgb = Array3::from_shape_fn((2, 3, 3), |(y, x, _)| (y * 3 + x) as u8);
        let grey = |view: ArrayView3<'_, u8>| view.index_axis(Axis(2), 0).to_owned();
        assert_eq!(
            grey(oriented(rgb.view(), Orientation::Normal)),
            array![[0, 1, 2], [3, 4, 5]]
        );
        assert_eq!(
            grey(oriented(rgb.view(), Orientation::Rotate90)),
            array![[3, 0], [4, 1], [5, 2]]
        );
        assert_eq!(
            grey(oriented(rgb.view(), Orientation::Rotate270)),
            array![[2, 5], [1, 4], [0, 3]]
        );
        assert_eq!(
            grey(oriented(rgb.view(), Orientation::Rotate180)),
            array![[5, 4, 3], [2, 1, 0]]
        );
        assert_eq!(
            grey(oriented(rgb.view(), Orientation::HorizontalFlip)),
            array![[2, 1, 0], [5, 4, 3]]
        );
        assert_eq!(
            grey(oriented(rgb.view(), Orientation::Transpose)),
            array![[0, 3], [1, 4], [2, 5]]
        );
    }
}
