//! `develop` against a plain f64 reference: the chain of `develop`'s
//! documentation written out in f64 (levels, gains, clip, the demosaic of
//! `common/colour_reference.rs`, matrix, clip, sRGB curve, rounding), knowing
//! nothing of the Halide code.
//!
//! Bilinear and Malvar2004 are compared on the whole frame (the reference
//! mirrors their convolutions as the crate mirrors the frame): every sample
//! within 1. Menon2007 mirrors its later stages differently (see
//! `demosaic_reference`), so it is compared more than [`BORDER`] pixels from
//! the edges: at least 99.9% of samples within 1.

use halide_pipelines::{CfaPattern, DemosaicAlgorithm, DevelopOutput, RawParams, Transfer, develop_to_array};
use ndarray::{Array2, Array3};

#[path = "common/develop_formulas.rs"]
mod develop_formulas;
#[path = "common/colour_reference.rs"]
mod reference;
#[path = "common/split_mix.rs"]
mod split_mix;
use develop_formulas::{colour, srgb};
use split_mix::Rng;

const BORDER: usize = 10;

/// `develop`'s documented chain in f64, before rounding, in output units.
fn reference_develop(
    raw: &Array2<u16>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
    full: f64,
) -> Array3<f64> {
    let black = params.black_levels();
    let white = f64::from(params.white_level());
    let gains = params.white_balance();
    let linear = Array2::from_shape_fn(raw.dim(), |(row, column)| {
        let black = f64::from(black[2 * (row % 2) + column % 2]);
        let gain = f64::from(gains[colour(pattern, row, column)]);
        ((f64::from(raw[[row, column]]) - black) / (white - black) * gain).clamp(0.0, 1.0)
    });
    let name = pattern.to_string().to_uppercase();
    let [r, g, b] = match algorithm {
        DemosaicAlgorithm::Bilinear => reference::bilinear(&linear, &name),
        DemosaicAlgorithm::Malvar2004 => reference::malvar2004(&linear, &name),
        DemosaicAlgorithm::Menon2007 => reference::menon2007(&linear, &name),
        other => panic!("no reference for {other:?}"),
    };
    let identity = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let matrix = params.color_matrix().unwrap_or(identity);
    Array3::from_shape_fn((raw.nrows(), raw.ncols(), 3), |(row, column, channel)| {
        let rgb = [r[[row, column]], g[[row, column]], b[[row, column]]];
        let mixed: f64 = (0..3).map(|k| f64::from(matrix[channel][k]) * rgb[k]).sum();
        let value = mixed.clamp(0.0, 1.0);
        let encoded = match params.transfer() {
            Transfer::Linear => value,
            Transfer::Srgb => srgb(value),
            other => panic!("no reference for {other:?}"),
        };
        encoded * full
    })
}

/// A 12-bit frame: smooth colour fields with mild noise, a few clipped
/// highlights and crushed shadows, above per-site black levels.
fn frame(shape: (usize, usize), black: [u16; 4], rng: &mut Rng) -> Array2<u16> {
    let waves: Vec<(f64, f64, f64, f64)> = (0..4)
        .map(|_| {
            let period = 5.0 + 35.0 * rng.next_f64();
            let angle = std::f64::consts::TAU * rng.next_f64();
            let frequency = std::f64::consts::TAU / period;
            (
                0.15 + 0.2 * rng.next_f64(),
                frequency * angle.sin(),
                frequency * angle.cos(),
                rng.next_f64() * 6.0,
            )
        })
        .collect();
    Array2::from_shape_fn(shape, |(row, column)| {
        let mut level = 0.35;
        for &(amplitude, fy, fx, phase) in &waves {
            level += amplitude * (fy * row as f64 + fx * column as f64 + phase).sin();
        }
        level += 0.02 * (2.0 * rng.next_f64() - 1.0);
        let black = f64::from(black[2 * (row % 2) + column % 2]);
        (black + level * (4095.0 - black)).round().clamp(0.0, 4200.0) as u16
    })
}

fn check<T: DevelopOutput + Into<f64>>(algorithm: DemosaicAlgorithm, full: f64) {
    let mut rng = Rng(0x5eed ^ full as u64);
    let black = [64, 60, 66, 62];
    let whole_frame = algorithm != DemosaicAlgorithm::Menon2007;
    let sizes: &[(usize, usize)] = if whole_frame {
        &[(48, 64), (37, 53), (2, 2), (3, 7), (9, 2)]
    } else {
        &[(48, 64), (37, 53)]
    };
    for &shape in sizes {
        let raw = frame(shape, black, &mut rng);
        for &pattern in CfaPattern::ALL {
            for transfer in [Transfer::Linear, Transfer::Srgb] {
                for matrix in [None, Some([[1.7, -0.5, -0.2], [-0.25, 1.45, -0.2], [0.05, -0.6, 1.55]])] {
                    let mut params = RawParams::new()
                        .with_black_levels(black)
                        .with_white_level(4095)
                        .with_white_balance([2.1, 1.0, 1.6])
                        .with_transfer(transfer);
                    if let Some(matrix) = matrix {
                        params = params.with_color_matrix(matrix);
                    }
                    let rgb: Array3<T> = develop_to_array(raw.view(), pattern, algorithm, &params).unwrap();
                    let expected = reference_develop(&raw, pattern, algorithm, &params, full);
                    let border = if whole_frame { 0 } else { BORDER };
                    let (height, width) = shape;
                    let (mut samples, mut within, mut worst) = (0usize, 0usize, 0.0f64);
                    for row in border..height - border {
                        for column in border..width - border {
                            for channel in 0..3 {
                                let ours: f64 = rgb[[row, column, channel]].into();
                                let difference = (ours - expected[[row, column, channel]].round()).abs();
                                samples += 1;
                                within += usize::from(difference <= 1.0);
                                worst = worst.max(difference);
                            }
                        }
                    }
                    let case = format!(
                        "{algorithm:?} to {full} {pattern:?} {transfer:?} matrix {} {height}x{width}",
                        matrix.is_some()
                    );
                    if whole_frame {
                        assert_eq!(within, samples, "{case}: largest difference {worst}");
                    } else {
                        let fraction = within as f64 / samples as f64;
                        assert!(
                            fraction >= 0.999,
                            "{case}: {:.4}% within 1, largest difference {worst}",
                            100.0 * fraction
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn bilinear_develops_as_the_reference_on_the_whole_frame() {
    check::<u8>(DemosaicAlgorithm::Bilinear, 255.0);
    check::<u16>(DemosaicAlgorithm::Bilinear, 65535.0);
}

#[test]
fn malvar2004_develops_as_the_reference_on_the_whole_frame() {
    check::<u8>(DemosaicAlgorithm::Malvar2004, 255.0);
    check::<u16>(DemosaicAlgorithm::Malvar2004, 65535.0);
}

#[test]
fn menon2007_develops_as_the_reference_inside_the_border() {
    check::<u8>(DemosaicAlgorithm::Menon2007, 255.0);
    check::<u16>(DemosaicAlgorithm::Menon2007, 65535.0);
}
