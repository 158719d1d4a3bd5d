//! Camera raw files: real sensor data read with rawloader and developed by one `develop` call per
//! algorithm (black and white levels, white balance, demosaic, camera-to-sRGB matrix, sRGB curve,
//! 8-bit output), written as PNG. The sensor data goes to the pipeline as a view of rawloader's own
//! buffer: no pixel is touched in Rust.

use std::fmt::Write as _;
use std::path::Path;

use halide_pipelines::{CfaPattern, RawParams, Transfer};
use ndarray::{ArrayView2, ArrayView3, Axis, s};
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

/// The camera's white balance multipliers for R, G, B, relative to green. Missing (NaN) or
/// meaningless (zero, negative, infinite) coefficients count as 1.
pub fn white_balance(coefficients: [f32; 4]) -> [f32; 3] {
    let usable = |v: f32| if v.is_finite() && v > 0.0 { v } else { 1.0 };
    let [r, g, b, _] = coefficients.map(usable);
    [r / g, 1.0, b / g]
}

/// CIE XYZ from linear sRGB (D65), IEC 61966-2-1.
const SRGB_TO_XYZ: [[f64; 3]; 3] = [
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
];

/// The inverse of a 3×3 matrix, if it has one.
fn inverse(m: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let cofactor = |r: usize, c: usize| {
        let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
        let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
        m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]
    };
    let determinant: f64 = (0..3).map(|c| m[0][c] * cofactor(0, c)).sum();
    if !determinant.is_finite() || determinant.abs() < 1e-12 {
        return None;
    }
    // The adjugate (transposed cofactors) over the determinant.
    Some([0, 1, 2].map(|r| [0, 1, 2].map(|c| cofactor(c, r) / determinant)))
}

/// Linear sRGB from white-balanced camera RGB, from the file's XYZ-to-camera matrix (`xyz_to_cam`,
/// rows R, G, B, E; any scale: rawloader gives its camera table's x10000 values as they are), as
/// dcraw does: the camera's response to the sRGB primaries (`xyz_to_cam · SRGB_TO_XYZ`), each row
/// scaled to sum to 1 (sRGB white is the white-balanced camera's (1, 1, 1)), inverted. `None` when
/// the camera has no matrix (all zero) or it cannot be inverted.
pub fn camera_to_srgb(xyz_to_cam: [[f32; 3]; 4]) -> Option<[[f32; 3]; 3]> {
    let mut camera_from_srgb = [[0.0f64; 3]; 3];
    for (row, out) in camera_from_srgb.iter_mut().enumerate() {
        *out = [0, 1, 2].map(|c| (0..3).map(|k| f64::from(xyz_to_cam[row][k]) * SRGB_TO_XYZ[k][c]).sum());
        let sum: f64 = out.iter().sum();
        if !sum.is_finite() || sum.abs() < 1e-12 {
            return None;
        }
        *out = out.map(|v| v / sum);
    }
    let matrix = inverse(camera_from_srgb)?;
    Some(matrix.map(|row| row.map(|v| v as f32)))
}

/// The development parameters of a frame cropped at (`top`, `left`): per-site black levels in the
/// frame's raster order, one white level (the lowest of the tile's: every site clips at or before
/// its own), the camera's white balance and colour matrix, and the sRGB curve.
pub fn raw_params(levels: &[[Levels; 2]; 2], wb_coeffs: [f32; 4], xyz_to_cam: [[f32; 3]; 4]) -> RawParams {
    let sites = [levels[0][0], levels[0][1], levels[1][0], levels[1][1]];
    let white = sites.iter().map(|levels| levels.white).min().unwrap_or(u16::MAX);
    let params = RawParams::new()
        .with_black_levels(sites.map(|levels| levels.black))
        .with_white_level(white)
        .with_white_balance(white_balance(wb_coeffs))
        .with_transfer(Transfer::Srgb);
    match camera_to_srgb(xyz_to_cam) {
        Some(matrix) => params.with_color_matrix(matrix),
        None => params,
    }
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
    let params = raw_params(&levels, image.wb_coeffs, image.xyz_to_cam);

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
    let black = params.black_levels();
    say!(
        "levels: black {} {} / {} {} (the 2x2 sites, row by row), white {}",
        black[0],
        black[1],
        black[2],
        black[3],
        params.white_level()
    );
    let balance = params.white_balance();
    say!(
        "white balance (R, G, B): {:.3} {:.3} {:.3} (camera's as-shot, relative to green)",
        balance[0],
        balance[1],
        balance[2]
    );
    match params.color_matrix() {
        Some(matrix) => say!(
            "colour: camera RGB to linear sRGB [{}], then the sRGB curve",
            matrix
                .map(|row| format!("{:.3} {:.3} {:.3}", row[0], row[1], row[2]))
                .join("; ")
        ),
        None => say!("colour: the camera has no colour matrix: white-balanced camera RGB, then the sRGB curve"),
    }
    if !matches!(image.orientation, Orientation::Normal | Orientation::Unknown) {
        say!("orientation: {:?} (applied to the output)", image.orientation);
    }
    if let Some(pattern) = cli.pattern {
        say!(
            "note: --pattern {} ignored: a raw file's own CFA pattern is used",
            pattern
        );
    }

    // rawloader's buffer as it is, the usable area a strided view of it: nothing is copied.
    let sensor =
        ArrayView2::from_shape((image.height, image.width), samples.as_slice()).map_err(|e| format!("{name}: {e}"))?;
    let raw = sensor.slice(s![
        frame.top..frame.top + frame.height,
        frame.left..frame.left + frame.width
    ]);
    let algorithms = cli.algorithms(crate::AlgorithmArg::Menon2007);
    let pixels = frame.width * frame.height;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = if stem.is_empty() { "raw".to_string() } else { stem };

    // Start Halide's thread pool on a tiny frame first, so that the timings are of the development alone.
    let warm_up = ndarray::Array2::<u16>::zeros((16, 16));
    for &algorithm in &algorithms {
        imaging::timed_develop(warm_up.view(), pattern, algorithm, &params)?;
    }
    say!("\n{}", table_row(&["algorithm", "time (ms)", "MP/s"]));
    let mut developed = Vec::new();
    let mut written = String::new();
    for &algorithm in &algorithms {
        let (srgb, time) = imaging::timed_develop(raw, pattern, algorithm, &params)?;
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
        let view = oriented(srgb.view(), image.orientation);
        imaging::write_png(&cli.output.join(&file), view)?;
        let (height, width, _) = view.dim();
        let colour = if params.color_matrix().is_some() {
            "sRGB through the camera's colour matrix"
        } else {
            "white-balanced camera RGB, not colour-managed"
        };
        let _ = writeln!(written, "  {file:<24} {width}x{height}, 8-bit sRGB: {colour}");
        developed.push(srgb);
    }
    say!(
        "\ntime: one `develop` call each (levels to sRGB, 8-bit output); threads: {}.",
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
#[path = "synthetic_dng.rs"]
mod synthetic_dng;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};

    fn srgb(linear: f64) -> f64 {
        if linear <= 0.0031308 {
            12.92 * linear
        } else {
            1.055 * linear.powf(1.0 / 2.4) - 0.055
        }
    }

    /// The whole raw path on a DNG written here: a grey scene (a smooth ramp) seen through an RGGB
    /// sensor with a white balance to undo and a colour matrix that is the identity (the camera
    /// records linear sRGB). rawloader decodes it, `run` develops and writes the PNG, and the PNG
    /// must be that grey through the sRGB curve, and exactly what `develop` gives for the file's
    /// parameters.
    #[test]
    fn a_synthetic_dng_develops_to_its_grey_scene() {
        let (width, height, black, white) = (52u32, 40u32, 256u16, 4095u16);
        let neutral = [4050u32, 10000, 6547]; // AsShotNeutral: gains R 2.469, B 1.527
        let grey = |x: u32, y: u32| 0.05 + 0.9 * f64::from(x + y) / f64::from(width + height);
        let samples: Vec<u16> = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| {
                let channel = [[0, 1], [1, 2]][(y % 2) as usize][(x % 2) as usize];
                let response = f64::from(neutral[channel]) / 10000.0; // the camera's response to white
                (f64::from(black) + grey(x, y) * response * f64::from(white - black)).round() as u16
            })
            .collect();
        // XYZ to camera = XYZ to linear sRGB: camera to sRGB is the identity.
        let xyz_to_srgb = [32405, -15372, -4985, -9693, 18760, 416, 556, -2040, 10572];
        let dng = synthetic_dng::write(&synthetic_dng::DngSpec {
            width,
            height,
            samples: &samples,
            cfa: [0, 1, 1, 2],
            black,
            white,
            xyz_to_cam: xyz_to_srgb,
            as_shot_neutral: neutral,
        });
        let folder = std::env::temp_dir().join(format!("halide-pipelines-dng-test-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("grey.dng");
        std::fs::write(&path, dng).unwrap();

        let image = decode(&path).unwrap();
        let cli = <crate::Cli as clap::Parser>::try_parse_from([
            "demosaic".as_ref(),
            "--algorithm".as_ref(),
            "bilinear".as_ref(),
            "--output".as_ref(),
            folder.as_os_str(),
            path.as_os_str(),
        ])
        .unwrap();
        let levels = tile_levels(&image.cfa, 0, 0, image.blacklevels, image.whitelevels).unwrap();
        let params = raw_params(&levels, image.wb_coeffs, image.xyz_to_cam);
        run(image, &path, &cli, 0.0).unwrap();
        let png = ::image::open(folder.join("grey.png")).unwrap().to_rgb8();
        std::fs::remove_dir_all(&folder).unwrap();

        let expected_matrix = params.color_matrix().unwrap();
        for (i, row) in expected_matrix.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                assert!((v - f32::from(u8::from(i == j))).abs() < 1e-3, "{expected_matrix:?}");
            }
        }
        let raw = ndarray::Array2::from_shape_vec((height as usize, width as usize), samples).unwrap();
        let direct = halide_pipelines::develop_to_array::<u8>(
            &raw,
            CfaPattern::Rggb,
            halide_pipelines::DemosaicAlgorithm::Bilinear,
            &params,
        )
        .unwrap();
        assert_eq!(png.dimensions(), (width, height));
        for (x, y, pixel) in png.enumerate_pixels() {
            let direct_pixel = [0, 1, 2].map(|c| direct[[y as usize, x as usize, c]]);
            assert_eq!(pixel.0, direct_pixel, "the PNG is develop's output, at ({x}, {y})");
            // Bilinear reproduces the linear ramp exactly, but at the border, where the mirrored
            // neighbours all lie on one side of it.
            if x == 0 || y == 0 || x == width - 1 || y == height - 1 {
                continue;
            }
            let expected = (255.0 * srgb(grey(x, y))).round();
            for value in pixel.0 {
                assert!(
                    (f64::from(value) - expected).abs() <= 2.0,
                    "({x}, {y}): {:?}, expected grey {expected}",
                    pixel.0
                );
            }
        }
    }

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
    fn the_camera_matrix_keeps_grey_grey_and_inverts_the_files_matrix() {
        // A camera that records linear sRGB: its XYZ-to-camera matrix is SRGB_TO_XYZ's inverse, and
        // camera to sRGB is the identity (at any scale of the file's matrix).
        let xyz_to_srgb = inverse(SRGB_TO_XYZ).unwrap().map(|row| row.map(|v| v as f32 * 10000.0));
        let xyz_to_cam = [xyz_to_srgb[0], xyz_to_srgb[1], xyz_to_srgb[2], [0.0; 3]];
        let identity = camera_to_srgb(xyz_to_cam).unwrap();
        for (i, row) in identity.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                assert!((v - f32::from(u8::from(i == j))).abs() < 1e-4, "{identity:?}");
            }
        }
        // A real camera's matrix (rawloader's for a Canon EOS 5D Mark II, scaled by 10000).
        let canon = [
            [4716.0, 603.0, -830.0],
            [-7798.0, 15474.0, 2480.0],
            [-1496.0, 1937.0, 6651.0],
            [0.0; 3],
        ]
        .map(|row| row.map(|v: f32| v / 10000.0));
        let matrix = camera_to_srgb(canon).unwrap();
        for row in matrix {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        // The diagonal dominates, as for every camera: red stays mostly red, and so on.
        for (i, row) in matrix.iter().enumerate() {
            assert!(
                row[i] > 1.0 && row.iter().enumerate().all(|(j, &v)| j == i || v < 0.5),
                "{matrix:?}"
            );
        }
        assert_eq!(camera_to_srgb([[0.0; 3]; 4]), None);
    }

    #[test]
    fn white_balance_is_relative_to_green() {
        assert_eq!(white_balance([2048.0, 1024.0, 1536.0, f32::NAN]), [2.0, 1.0, 1.5]);
        assert_eq!(white_balance([f32::NAN; 4]), [1.0, 1.0, 1.0]);
        assert_eq!(white_balance([2.0, f32::NAN, 0.0, 1.0]), [2.0, 1.0, 1.0]);
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
