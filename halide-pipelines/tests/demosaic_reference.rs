//! `demosaic_to_array` against a plain f64 reference of each algorithm.
//!
//! The reference (module `reference`) is a direct translation of the whole-array
//! numpy code of the Python package colour-demosaicing 0.2.7
//! (`bayer/masks.py` and `bayer/demosaicing/{bilinear,malvar2004,menon2007}.py`):
//! the same masks, the same convolutions in f64, the same `np.where`
//! selections in the same order. It knows nothing of the crate's Halide code.
//!
//! Its one intended deviation from colour is the border: every convolution here
//! mirrors the frame about its edge samples without repeating them (index -1
//! reads index 1, index n reads n - 2), as the crate does, where colour repeats
//! the edge sample (scipy's default `mode="reflect"`) or zero-pads (Menon's
//! `d_H`, `d_V`). Bilinear and Malvar2004 are linear filters of the mosaic, so
//! mirroring each convolution's input is mirroring the frame: they must match
//! the crate exactly on the whole frame, borders included, down to 2-row and
//! 2-column frames. Menon2007's later stages mirror their own inputs here,
//! where the crate mirrors the mosaic once, so it is compared more than
//! [`BORDER`] pixels away from the edges, within a tolerance.

use halide_pipelines::{CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic_to_array};
use ndarray::{Array2, Array3};

/// Pixels excluded from Menon2007's comparison on every side of the frame.
const BORDER: usize = 10;

/// Frame sizes tried for Menon2007: even, and odd in both directions.
const SIZES: [(usize, usize); 2] = [(48, 64), (37, 53)];

/// Frame sizes compared whole: even and odd, and the thinnest frames (2 rows
/// or 2 columns, where a 5x5 kernel mirrors past the far edge too).
const WHOLE_FRAME_SIZES: [(usize, usize); 12] = [
    (48, 64),
    (37, 53),
    (2, 2),
    (2, 3),
    (3, 2),
    (2, 9),
    (9, 2),
    (3, 3),
    (3, 7),
    (7, 3),
    (4, 5),
    (5, 4),
];

#[path = "common/colour_reference.rs"]
mod reference;
#[path = "common/split_mix.rs"]
mod split_mix;
use split_mix::Rng;

/// colour's name of a pattern: the tile read row by row, in upper case.
fn pattern_name(pattern: CfaPattern) -> String {
    pattern.to_string().to_uppercase()
}

fn reference_rgb(cfa: &reference::Plane, pattern: CfaPattern, algorithm: DemosaicAlgorithm) -> [reference::Plane; 3] {
    let pattern = &pattern_name(pattern);
    match algorithm {
        DemosaicAlgorithm::Bilinear => reference::bilinear(cfa, pattern),
        DemosaicAlgorithm::Malvar2004 => reference::malvar2004(cfa, pattern),
        DemosaicAlgorithm::Menon2007 => reference::menon2007(cfa, pattern),
        other => panic!("no reference for {other:?}"),
    }
}

/// The sample types the pipelines are built for.
trait Sample: DemosaicSample + Into<f64> {
    const MAX: u16;
    fn from_u16(value: u16) -> Self;
}

impl Sample for u8 {
    const MAX: u16 = u8::MAX as u16;
    fn from_u16(value: u16) -> Self {
        u8::try_from(value).unwrap()
    }
}

impl Sample for u16 {
    const MAX: u16 = u16::MAX;
    fn from_u16(value: u16) -> Self {
        value
    }
}

/// Test frames.
#[derive(Debug, Clone, Copy)]
enum Data {
    /// Every sample independent and uniform over the type's whole range.
    Noise,
    /// Each colour a smooth field (mid-grey plus three random sinusoids with
    /// periods of 5 to 40 pixels) with mild noise (±1% of the range), sampled
    /// through the CFA.
    Smooth,
}

fn frame<T: Sample>(data: Data, shape: (usize, usize), pattern: CfaPattern, rng: &mut Rng) -> Array2<T> {
    let max = f64::from(T::MAX);
    match data {
        Data::Noise => Array2::from_shape_fn(shape, |_| T::from_u16(rng.below_or_equal(T::MAX))),
        Data::Smooth => {
            // Per colour: (amplitude, row frequency, column frequency, phase) of each wave.
            let waves: Vec<Vec<(f64, f64, f64, f64)>> = (0..3)
                .map(|_| {
                    (0..3)
                        .map(|_| {
                            let period = 5.0 + 35.0 * rng.next_f64();
                            let angle = std::f64::consts::TAU * rng.next_f64();
                            let frequency = std::f64::consts::TAU / period;
                            let amplitude = max * (0.05 + 0.1 * rng.next_f64());
                            let phase = std::f64::consts::TAU * rng.next_f64();
                            (amplitude, frequency * angle.sin(), frequency * angle.cos(), phase)
                        })
                        .collect()
                })
                .collect();
            let name = pattern_name(pattern);
            let tile = name.as_bytes();
            Array2::from_shape_fn(shape, |(y, x)| {
                let channel = match tile[2 * (y % 2) + x % 2] {
                    b'R' => 0,
                    b'G' => 1,
                    _ => 2,
                };
                let mut value = 0.5 * max;
                for &(amplitude, fy, fx, phase) in &waves[channel] {
                    value += amplitude * (fy * y as f64 + fx * x as f64 + phase).sin();
                }
                value += max * 0.01 * (2.0 * rng.next_f64() - 1.0);
                T::from_u16(value.round().clamp(0.0, max) as u16)
            })
        }
    }
}

/// How one pipeline run compares with the reference on the interior samples.
#[derive(Debug, Default)]
struct Agreement {
    samples: usize,
    within_tolerance: usize,
    exact: usize,
    max_difference: f64,
    /// `(row, column, channel, pipeline's value, rounded reference)` of a
    /// sample with the largest difference.
    worst: Option<(usize, usize, usize, f64, f64)>,
}

impl Agreement {
    fn fraction_within(&self) -> f64 {
        self.within_tolerance as f64 / self.samples as f64
    }

    fn add(&mut self, other: &Agreement) {
        self.samples += other.samples;
        self.within_tolerance += other.within_tolerance;
        self.exact += other.exact;
        if other.max_difference > self.max_difference || self.worst.is_none() {
            self.max_difference = other.max_difference;
            self.worst = other.worst;
        }
    }
}

/// Runs the pipeline on `raw` and compares with the reference rounded to
/// nearest and clamped, more than `border` pixels from the edges (0: all).
fn compare<T: Sample>(
    raw: &Array2<T>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    tolerance: f64,
    border: usize,
) -> Agreement {
    let rgb: Array3<T> = demosaic_to_array(raw.view(), pattern, algorithm).unwrap();
    let expected = reference_rgb(&raw.mapv(Into::into), pattern, algorithm);
    let (height, width) = raw.dim();
    assert_eq!(rgb.dim(), (height, width, 3));
    let max = f64::from(T::MAX);
    let mut agreement = Agreement::default();
    for row in border..height - border {
        for col in border..width - border {
            for (channel, plane) in expected.iter().enumerate() {
                let actual: f64 = rgb[[row, col, channel]].into();
                let wanted = plane[[row, col]].round().clamp(0.0, max);
                let difference = (actual - wanted).abs();
                agreement.samples += 1;
                agreement.within_tolerance += usize::from(difference <= tolerance);
                agreement.exact += usize::from(difference == 0.0);
                if difference > agreement.max_difference || agreement.worst.is_none() {
                    agreement.max_difference = difference;
                    agreement.worst = Some((row, col, channel, actual, wanted));
                }
            }
        }
    }
    agreement
}

/// What one comparison requires of the pipeline.
#[derive(Debug, Clone, Copy)]
struct Requirement {
    /// The frame sizes tried.
    sizes: &'static [(usize, usize)],
    /// Pixels left out on every side (0: the whole frame).
    border: usize,
    /// Largest difference, in LSB, that counts as agreeing.
    tolerance: f64,
    /// Fraction of the compared samples that must agree, per run.
    min_fraction: f64,
}

/// Exactly the reference, on the whole frame.
const EXACT_WHOLE_FRAME: Requirement = Requirement {
    sizes: &WHOLE_FRAME_SIZES,
    border: 0,
    tolerance: 0.0,
    min_fraction: 1.0,
};

/// Compares every pattern, frame size and both sample types with the
/// reference; every run must have at least `min_fraction` of its compared
/// samples within `tolerance` LSB of the rounded reference. Prints a summary
/// per sample type (see it with `--nocapture`).
fn check(algorithm: DemosaicAlgorithm, data: Data, requirement: Requirement, seed: u64) {
    fn for_type<T: Sample>(
        algorithm: DemosaicAlgorithm,
        data: Data,
        requirement: Requirement,
        rng: &mut Rng,
        failures: &mut Vec<String>,
    ) {
        let Requirement {
            sizes,
            border,
            tolerance,
            min_fraction,
        } = requirement;
        let type_name = std::any::type_name::<T>();
        let mut total = Agreement::default();
        for &pattern in CfaPattern::ALL {
            for &shape in sizes {
                let raw = frame::<T>(data, shape, pattern, rng);
                let agreement = compare(&raw, pattern, algorithm, tolerance, border);
                if agreement.fraction_within() < min_fraction {
                    failures.push(format!(
                        "{algorithm:?} {data:?} {type_name} {pattern:?} {shape:?}: {:.3}% of samples within \
                         {tolerance} LSB (< {:.3}%), max difference {} at (row, col, channel, pipeline, reference) \
                         {:?}",
                        100.0 * agreement.fraction_within(),
                        100.0 * min_fraction,
                        agreement.max_difference,
                        agreement.worst.unwrap(),
                    ));
                }
                total.add(&agreement);
            }
        }
        println!(
            "{algorithm:?} {data:?} {type_name}: {} samples ({border}-pixel border left out), {:.3}% exact, {:.3}% \
             within {tolerance} LSB, max difference {} at (row, col, channel, pipeline, reference) {:?}",
            total.samples,
            100.0 * total.exact as f64 / total.samples as f64,
            100.0 * total.fraction_within(),
            total.max_difference,
            total.worst.unwrap(),
        );
    }

    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    for_type::<u8>(algorithm, data, requirement, &mut rng, &mut failures);
    for_type::<u16>(algorithm, data, requirement, &mut rng, &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Menon2007 away from the borders: within 2 LSB on 99% of the samples.
const MENON_INTERIOR: Requirement = Requirement {
    sizes: &SIZES,
    border: BORDER,
    tolerance: 2.0,
    min_fraction: 0.99,
};

#[test]
fn bilinear_matches_reference_exactly_on_the_whole_frame() {
    check(DemosaicAlgorithm::Bilinear, Data::Noise, EXACT_WHOLE_FRAME, 0x0B11_1AEA);
}

#[test]
fn bilinear_matches_reference_exactly_on_the_whole_smooth_frame() {
    check(
        DemosaicAlgorithm::Bilinear,
        Data::Smooth,
        EXACT_WHOLE_FRAME,
        0x5300_0B11,
    );
}

#[test]
fn malvar2004_matches_reference_exactly_on_the_whole_frame() {
    check(
        DemosaicAlgorithm::Malvar2004,
        Data::Noise,
        EXACT_WHOLE_FRAME,
        0x0BA1_BA20,
    );
}

#[test]
fn malvar2004_matches_reference_exactly_on_the_whole_smooth_frame() {
    check(
        DemosaicAlgorithm::Malvar2004,
        Data::Smooth,
        EXACT_WHOLE_FRAME,
        0x5300_7420,
    );
}

#[test]
fn menon2007_matches_reference_within_2_lsb_on_99_percent_of_samples() {
    check(DemosaicAlgorithm::Menon2007, Data::Noise, MENON_INTERIOR, 0x3E20_2007);
}

#[test]
fn menon2007_matches_reference_within_2_lsb_on_99_percent_of_smooth_samples() {
    check(DemosaicAlgorithm::Menon2007, Data::Smooth, MENON_INTERIOR, 0x5300_3E20);
}

/// The reference itself: every algorithm reproduces a plane `a + b·row +
/// c·column` (the same in all three colours) exactly away from the borders,
/// for every pattern. Catches a misplaced mask or a sign error in a kernel.
#[test]
fn reference_reproduces_a_linear_ramp() {
    let shape = (24, 30);
    let ramp = Array2::from_shape_fn(shape, |(row, col)| 100.0 + 3.0 * row as f64 - 2.0 * col as f64);
    // Mlri has no reference here: its oracle is the NumPy one in
    // generators/quality/mlri.py, compared by compare_with_colour.py.
    for &algorithm in DemosaicAlgorithm::ALL.iter().filter(|&&a| a != DemosaicAlgorithm::Mlri) {
        for &pattern in CfaPattern::ALL {
            let rgb = reference_rgb(&ramp, pattern, algorithm);
            for (channel, plane) in rgb.iter().enumerate() {
                for row in BORDER..shape.0 - BORDER {
                    for col in BORDER..shape.1 - BORDER {
                        let (got, want) = (plane[[row, col]], ramp[[row, col]]);
                        assert!(
                            (got - want).abs() < 1e-9,
                            "{algorithm:?} {pattern:?} channel {channel} at ({row}, {col}): {got} != {want}"
                        );
                    }
                }
            }
        }
    }
}
