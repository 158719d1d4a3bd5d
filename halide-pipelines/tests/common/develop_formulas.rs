//! The formulas `develop` documents, written plainly for its tests.
#![allow(dead_code)]

use halide_pipelines::CfaPattern;

/// IEC 61966-2-1's sRGB curve of a linear value in [0, 1].
pub fn srgb(linear: f64) -> f64 {
    if linear <= 0.0031308 {
        12.92 * linear
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    }
}

/// The colour (0 R, 1 G, 2 B) of frame site (row, column) under `pattern`.
pub fn colour(pattern: CfaPattern, row: usize, column: usize) -> usize {
    let (red_row, red_column) = pattern.red_position();
    match (row % 2 == red_row, column % 2 == red_column) {
        (true, true) => 0,
        (false, false) => 2,
        _ => 1,
    }
}
