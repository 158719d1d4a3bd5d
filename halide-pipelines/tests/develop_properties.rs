//! Properties of `develop` that hold without any reference: a grey card comes
//! out neutral, highlights clip exactly, black levels follow the frame, the
//! output layout changes no bit, and bad parameters are errors that name them.

use halide_pipelines::{
    BufferMut, CfaPattern, DemosaicAlgorithm, DevelopOutput, Error, RawParams, Transfer, demosaic_to_array, develop,
    develop_to_array,
};
use ndarray::{Array2, Array3, s};
use proptest::prelude::*;

#[path = "common/develop_formulas.rs"]
mod develop_formulas;
use develop_formulas::{colour, srgb};

#[path = "common/x86_variant.rs"]
mod x86_variant;
use x86_variant::choose_variant;

/// A seeded xorshift frame of values in `0..=max`.
fn random_frame(shape: (usize, usize), max: u16, seed: u64) -> Array2<u16> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Array2::from_shape_simple_fn(shape, || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % (u64::from(max) + 1)) as u16
    })
}

fn any_pattern() -> impl Strategy<Value = CfaPattern> {
    prop::sample::select(CfaPattern::ALL.to_vec())
}

fn any_algorithm() -> impl Strategy<Value = DemosaicAlgorithm> {
    prop::sample::select(DemosaicAlgorithm::ALL.to_vec())
}

fn neutral<T: DevelopOutput + Into<f64>>(
    (black, white, gains, grey, pattern, algorithm, transfer): (
        [u16; 4],
        u16,
        [f32; 3],
        f64,
        CfaPattern,
        DemosaicAlgorithm,
        Transfer,
    ),
    full: f64,
) -> Result<(), TestCaseError> {
    choose_variant();
    // A grey card: each site at the raw value that white balance maps to `grey`.
    let raw = Array2::from_shape_fn((10, 13), |(row, column)| {
        let black = f64::from(black[2 * (row % 2) + column % 2]);
        let gain = f64::from(gains[colour(pattern, row, column)]);
        (black + grey / gain * (f64::from(white) - black)).round() as u16
    });
    // What each site's rounded raw value develops to: the card is grey up to
    // the raw rounding, at most half a raw step per site, which the
    // gradient-corrected algorithms can amplify (Malvar2004's taps sum to 2.5
    // in absolute value): 3 half steps.
    let step = 1.5 / f64::from(white - black.iter().max().unwrap());
    let params = RawParams::new()
        .with_black_levels(black)
        .with_white_level(white)
        .with_white_balance(gains)
        .with_transfer(transfer);
    let rgb: Array3<T> = develop_to_array(raw.view(), pattern, algorithm, &params).unwrap();
    let encode = |linear: f64| match transfer {
        Transfer::Linear => linear * full,
        Transfer::Srgb => srgb(linear) * full,
        other => panic!("no reference for {other:?}"),
    };
    let max_gain = f64::from(gains.iter().cloned().fold(0.0, f32::max));
    let low = encode((grey - step * max_gain).max(0.0)).round() - 1.0;
    let high = encode((grey + step * max_gain).min(1.0)).round() + 1.0;
    for pixel in rgb.rows() {
        let values: Vec<f64> = pixel.iter().map(|&v| v.into()).collect();
        for &value in &values {
            prop_assert!(
                (low..=high).contains(&value),
                "{values:?} not neutral grey {grey} (expected {low}..={high})"
            );
        }
    }
    Ok(())
}

fn grey_card_cases() -> impl Strategy<Value = ([u16; 4], u16, [f32; 3], f64, CfaPattern, DemosaicAlgorithm, Transfer)> {
    (
        prop::array::uniform4(0u16..2000),
        2100u16..=65535,
        // Gains of 1 or more (relative to the least sensitive channel, as
        // cameras give them): every site of the card is within black..white.
        prop::array::uniform3(1.0f32..4.0),
        0.0f64..=1.0,
        any_pattern(),
        any_algorithm(),
        prop::sample::select(vec![Transfer::Linear, Transfer::Srgb]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_grey_card_comes_out_neutral_at_any_levels_u8(case in grey_card_cases()) {
        neutral::<u8>(case, 255.0)?;
    }

    #[test]
    fn a_grey_card_comes_out_neutral_at_any_levels_u16(case in grey_card_cases()) {
        neutral::<u16>(case, 65535.0)?;
    }
}

#[test]
fn values_at_and_above_white_clip_to_full_scale_exactly() {
    choose_variant();
    for white in [1023u16, 4095, 16383, 65535] {
        // At white, and anywhere above it up to the type's top.
        let above = random_frame((21, 30), u16::MAX - white, u64::from(white)).mapv(|extra| white + extra);
        for &algorithm in DemosaicAlgorithm::ALL {
            for &pattern in CfaPattern::ALL {
                for transfer in [Transfer::Linear, Transfer::Srgb] {
                    // Gains of at least 1: a clipped sample stays clipped.
                    let params = RawParams::new()
                        .with_black_levels([60, 64, 64, 68])
                        .with_white_level(white)
                        .with_white_balance([1.9, 1.0, 1.4])
                        .with_transfer(transfer);
                    let rgb: Array3<u8> = develop_to_array(above.view(), pattern, algorithm, &params).unwrap();
                    assert!(
                        rgb.iter().all(|&v| v == 255),
                        "{algorithm:?} {pattern:?} {transfer:?} white {white}"
                    );
                    let rgb: Array3<u16> = develop_to_array(above.view(), pattern, algorithm, &params).unwrap();
                    assert!(
                        rgb.iter().all(|&v| v == 65535),
                        "{algorithm:?} {pattern:?} {transfer:?} white {white}"
                    );
                }
            }
        }
    }
}

#[test]
fn nothing_overshoots_on_a_12_bit_frame_with_hard_edges() {
    choose_variant();
    // A 12-bit checkerboard of black and white blocks: the gradient-corrected
    // algorithms overshoot at such edges, and the output must clip, not wrap.
    let raw = Array2::from_shape_fn(
        (40, 44),
        |(row, column)| if (row / 5 + column / 7) % 2 == 0 { 4095 } else { 64 },
    );
    let params = RawParams::new().with_black_levels([64; 4]).with_white_level(4095);
    for &algorithm in DemosaicAlgorithm::ALL {
        let developed: Array3<u16> = develop_to_array(raw.view(), CfaPattern::Rggb, algorithm, &params).unwrap();
        // The same frame scaled to 16 bits by hand, through the plain demosaic (clamped to u16).
        let scaled = raw.mapv(|v| ((f64::from(v) - 64.0) / 4031.0 * 65535.0).round() as u16);
        let plain = demosaic_to_array(scaled.view(), CfaPattern::Rggb, algorithm).unwrap();
        let worst = developed
            .iter()
            .zip(&plain)
            .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
            .max()
            .unwrap();
        assert!(
            worst <= 1,
            "{algorithm:?}: develop differs from the clamped demosaic by {worst}"
        );
        assert!(developed.iter().any(|&v| v == 65535) && developed.iter().any(|&v| v == 0));
    }
}

#[test]
fn black_levels_follow_the_frame_when_it_is_cropped() {
    choose_variant();
    let raw = random_frame((100, 110), 4095, 11).mapv(|v| v.max(40));
    let black = [40u16, 52, 61, 73];
    for &algorithm in DemosaicAlgorithm::ALL {
        // Away from the borders, where mirroring differs between the two
        // frames: further than each output reads (Mlri: 37 pixels).
        let margin: isize = if algorithm == DemosaicAlgorithm::Mlri { 40 } else { 10 };
        let params = RawParams::new()
            .with_black_levels(black)
            .with_white_level(4095)
            .with_white_balance([1.8, 1.0, 1.3]);
        let reference: Array3<u16> = develop_to_array(raw.view(), CfaPattern::Rggb, algorithm, &params).unwrap();
        for (row, column) in [(1usize, 0usize), (0, 1), (1, 1)] {
            let cropped = raw.slice(s![row.., column..]);
            // The crop's site (i, j) is the frame's (i + row, j + column).
            let shifted = [0, 1, 2, 3].map(|site| {
                let (i, j) = (site / 2, site % 2);
                black[2 * ((i + row) % 2) + (j + column) % 2]
            });
            let params = params.with_black_levels(shifted);
            let pattern = CfaPattern::Rggb.shifted(row, column);
            let rgb: Array3<u16> = develop_to_array(cropped, pattern, algorithm, &params).unwrap();
            let inner = rgb.slice(s![margin..-margin, margin..-margin, ..]);
            let (row, column) = (row as isize, column as isize);
            let expected = reference.slice(s![row + margin..-margin, column + margin..-margin, ..]);
            let inner = inner.slice(s![..expected.dim().0, ..expected.dim().1, ..]);
            assert_eq!(inner, expected, "{algorithm:?} cropped by ({row}, {column})");
        }
    }
}

#[test]
fn output_layout_does_not_change_a_bit() {
    choose_variant();
    let params = RawParams::new()
        .with_black_levels([64; 4])
        .with_white_level(4095)
        .with_white_balance([2.0, 1.0, 1.5])
        .with_color_matrix([[1.6, -0.4, -0.2], [-0.2, 1.4, -0.2], [0.0, -0.5, 1.5]])
        .with_transfer(Transfer::Srgb);
    for (height, width) in [(2, 2), (5, 3), (33, 70)] {
        let raw = random_frame((height, width), 4095, (height * width) as u64);
        for &algorithm in DemosaicAlgorithm::ALL {
            for &pattern in CfaPattern::ALL {
                let interleaved: Array3<u8> = develop_to_array(raw.view(), pattern, algorithm, &params).unwrap();

                let mut planar = Array3::<u8>::zeros((3, height, width));
                develop(
                    &raw,
                    &mut planar.view_mut().permuted_axes([1, 2, 0]),
                    pattern,
                    algorithm,
                    &params,
                )
                .unwrap();
                let planar = planar.permuted_axes([1, 2, 0]);

                let mut flipped = Array3::<u8>::zeros((height, width, 3));
                let mut view = BufferMut::try_from(flipped.slice_mut(s![..;-1, ..;-1, ..;-1])).unwrap();
                develop(&raw, &mut view, pattern, algorithm, &params).unwrap();
                let flipped = flipped.slice_move(s![..;-1, ..;-1, ..;-1]);

                let case = format!("{algorithm:?} {pattern:?} {height}x{width}");
                assert_eq!(planar, interleaved, "planar, {case}");
                assert_eq!(flipped, interleaved, "flipped, {case}");
            }
        }
    }
}

#[test]
fn strided_and_reversed_inputs_read_the_same_frame() {
    choose_variant();
    let big = random_frame((40, 60), 4095, 3);
    let params = RawParams::new()
        .with_black_levels([64; 4])
        .with_white_level(4095)
        .with_transfer(Transfer::Srgb);
    let every_other = big.slice(s![..;2, ..;2]);
    let dense = every_other.to_owned();
    for &algorithm in DemosaicAlgorithm::ALL {
        let expected: Array3<u16> = develop_to_array(dense.view(), CfaPattern::Bggr, algorithm, &params).unwrap();
        let strided: Array3<u16> = develop_to_array(every_other, CfaPattern::Bggr, algorithm, &params).unwrap();
        assert_eq!(strided, expected, "{algorithm:?}");
    }
}

fn bad_parameter(params: &RawParams) -> (String, String) {
    let raw = Array2::<u16>::zeros((4, 4));
    let mut rgb = Array3::<u8>::zeros((4, 4, 3));
    match develop(&raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear, params) {
        Err(Error::BadParameter { parameter, problem }) => (parameter.to_string(), problem),
        other => panic!("expected BadParameter, got {other:?}"),
    }
}

#[test]
fn bad_parameters_are_errors_that_name_them() {
    choose_variant();
    let (parameter, problem) = bad_parameter(
        &RawParams::new()
            .with_black_levels([64, 64, 4095, 64])
            .with_white_level(4095),
    );
    assert_eq!(parameter, "white_level");
    assert_eq!(
        problem,
        "4095 must be above every black level, but black_levels[2] is 4095"
    );
    let (parameter, _) = bad_parameter(&RawParams::new().with_black_levels([600; 4]).with_white_level(512));
    assert_eq!(parameter, "white_level");

    let (parameter, problem) = bad_parameter(&RawParams::new().with_white_balance([2.0, f32::NAN, 1.0]));
    assert_eq!(
        (parameter.as_str(), problem.as_str()),
        ("white_balance[1]", "NaN is not a gain: expected a finite number >= 0")
    );
    let (parameter, _) = bad_parameter(&RawParams::new().with_white_balance([-0.5, 1.0, 1.0]));
    assert_eq!(parameter, "white_balance[0]");
    let (parameter, _) = bad_parameter(&RawParams::new().with_white_balance([1.0, 1.0, f32::INFINITY]));
    assert_eq!(parameter, "white_balance[2]");

    let mut matrix = [[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    matrix[2][1] = f32::NEG_INFINITY;
    let (parameter, problem) = bad_parameter(&RawParams::new().with_color_matrix(matrix));
    assert_eq!(
        (parameter.as_str(), problem.as_str()),
        ("color_matrix[2][1]", "-inf: expected a finite number")
    );
    matrix[2][1] = f32::NAN;
    let error = develop(
        &Array2::<u16>::zeros((4, 4)),
        &mut Array3::<u16>::zeros((4, 4, 3)),
        CfaPattern::Rggb,
        DemosaicAlgorithm::Menon2007,
        &RawParams::new().with_color_matrix(matrix),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "parameter `color_matrix[2][1]`: NaN: expected a finite number"
    );

    // Shapes are checked as for demosaic, naming the argument.
    let error = develop(
        &Array2::<u16>::zeros((4, 4)),
        &mut Array3::<u8>::zeros((4, 5, 3)),
        CfaPattern::Rggb,
        DemosaicAlgorithm::Bilinear,
        &RawParams::new(),
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            Error::BadShape {
                argument: "output",
                axis: 1,
                actual: 5,
                ..
            }
        ),
        "{error:?}"
    );
}
