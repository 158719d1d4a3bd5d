//! `demosaic` on arbitrary `u8`/`u16` mosaic views (steps, reversals,
//! transposes, broadcast, also to huge extents, overlapping strides) and
//! arbitrary `(H', W', C')` output views (every axis permutation and flip,
//! steps, padding: the interleaved, planar and "any" pipelines), for every
//! pattern and algorithm.
//!
//! The outcome must be exactly the documented one:
//! - an input extent beyond `i32::MAX`: `Buffer::try_from` fails with `ExtentTooLarge`
//!   (and the view passed to the pipeline directly fails the same, naming `input`);
//! - `BadShape` naming the first bad argument and axis (input extents below 2,
//!   then output extents different from the input's, then channels other than 3);
//! - otherwise `Ok`, with an output equal bit for bit to `demosaic_to_array` of
//!   a dense copy of the input (layouts and input strides change no bit), and,
//!   for `Bilinear`, to a plain Rust bilinear demosaic.
//!
//! In every case no backing element outside the output view changes, nothing
//! inside it changes on an error, and the input's backing does not change.
#![no_main]

use arbitrary::Arbitrary;
use halide_pipelines::{
    Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, Error, ExpectedExtent, demosaic,
    demosaic_to_array,
};
use halide_pipelines_fuzz::{Backing, InputSpec, Plain, ViewSpec, feature, stride_class};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, Array3, ArrayView2, Ix2, Ix3};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Sample {
    U8,
    U16,
}

#[derive(Arbitrary, Debug)]
struct Case {
    sample: Sample,
    pattern: u8,
    algorithm: u8,
    /// Height and width of the mosaic.
    input_shape: [u8; 2],
    /// Per output axis `(selector, extent)`: the input's extent (3 for the
    /// channels) unless `selector > 208` (about 1 in 5), then `extent`.
    output_shape: [(u8, u8); 3],
    input: InputSpec<2>,
    output: ViewSpec<3>,
    /// Mosaic samples, repeated over the input's backing; empty: a hash of the position.
    samples: Vec<u16>,
}

/// Height 0..=40 (two 32-row strips), width 0..=72 (past the widest u8 vector).
fn input_shape(bytes: [u8; 2]) -> [usize; 2] {
    [usize::from(bytes[0] % 41), usize::from(bytes[1] % 73)]
}

/// The pipeline the crate picks for these output strides (as `OutputLayout::of`).
fn layout_class(strides: [isize; 3]) -> usize {
    match strides {
        [_, 3, 1] => 0,
        [_, 1, _] => 1,
        _ => 2,
    }
}

/// Below 2, 2, small, below `big`, `big` and beyond, huge.
fn extent_class(extent: usize, big: usize) -> usize {
    match extent {
        0 | 1 => 0,
        2 => 1,
        3..8 => 2,
        _ if extent < big => 3,
        ..256 => 4,
        _ => 5,
    }
}

fn outcome_class(outcome: &Outcome) -> usize {
    match outcome {
        Outcome::Conversion(_) => 0,
        Outcome::Call(Ok(())) => 1,
        Outcome::Call(Err(Error::BadShape { argument, axis, .. })) => {
            2 + axis + if *argument == "input" { 0 } else { 2 }
        }
        Outcome::Call(Err(_)) => 7,
    }
}

/// What the sample types need here beyond the crate's trait.
trait TestSample: DemosaicSample + Plain + Eq + std::fmt::Debug {
    /// A fuzzer value as a sample (u8: both bytes folded in).
    fn from_u16(value: u16) -> Self;
    /// A value known to be in range.
    fn narrow(value: u32) -> Self;
    fn to_u32(self) -> u32;
}

impl TestSample for u8 {
    fn from_u16(value: u16) -> Self {
        value as u8 ^ (value >> 8) as u8
    }
    fn narrow(value: u32) -> Self {
        value as u8
    }
    fn to_u32(self) -> u32 {
        self.into()
    }
}

impl TestSample for u16 {
    fn from_u16(value: u16) -> Self {
        value
    }
    fn narrow(value: u32) -> Self {
        value as u16
    }
    fn to_u32(self) -> u32 {
        self.into()
    }
}

fn hash(k: usize, salt: u64) -> u16 {
    let mut x = (k as u64 ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x >> 32) as u16
}

/// Output backing element `k` before the call: a per-position pattern, so a
/// stray write of any one value is unlikely to go unnoticed.
fn sentinel<T: TestSample>(k: usize) -> T {
    T::from_u16(hash(k, 0x5EED))
}

fuzz_target!(|case: Case| {
    match case.sample {
        Sample::U8 => run::<u8>(&case),
        Sample::U16 => run::<u16>(&case),
    }
});

/// What the conversions and the call did.
#[derive(Debug)]
enum Outcome {
    /// `Buffer::try_from(input)` failed; `demosaic` was not called.
    Conversion(Error),
    /// What `demosaic` returned.
    Call(Result<(), Error>),
}

fn run<T: TestSample>(case: &Case) {
    let pattern = CfaPattern::ALL[usize::from(case.pattern) % 4];
    let algorithm = DemosaicAlgorithm::ALL[usize::from(case.algorithm) % DemosaicAlgorithm::ALL.len()];
    let [height, width] = case.input.shape(input_shape(case.input_shape));
    let pick = |(selector, extent): (u8, u8), default: usize, modulus: u8| {
        if selector > 208 {
            usize::from(extent % modulus)
        } else {
            default
        }
    };
    let output_shape = [
        pick(case.output_shape[0], height.min(41), 42),
        pick(case.output_shape[1], width.min(73), 74),
        pick(case.output_shape[2], 3, 6),
    ];
    let too_large_axis = [height, width].iter().position(|&extent| extent > i32::MAX as usize);
    let expected_error = match too_large_axis {
        Some(axis) => Some(Error::ExtentTooLarge {
            argument: "view",
            axis,
            extent: [height, width][axis],
        }),
        // A broadcast frame can have more samples than a Halide buffer holds.
        None if height as u128 * width as u128 > i32::MAX as u128 => Some(Error::TooManyElements {
            argument: "view",
            elements: height as u128 * width as u128,
        }),
        None => expected_error([height, width], output_shape),
    };

    let input_value = |k: usize| match case.samples.len() {
        0 => T::from_u16(hash(k, 1)),
        n => T::from_u16(case.samples[k % n]),
    };
    let input_backing = Backing::new(
        case.input.backing_len([height, width]),
        case.input.view.fence,
        input_value,
    );
    let mut output_backing = Backing::new(case.output.backing_len(output_shape), case.output.fence, sentinel::<T>);
    let covered = case.output.covered(&mut output_backing, output_shape);

    let (outcome, dense, layout) = case.input.with_view(&input_backing, [height, width], |input| {
        let input = input.into_dimensionality::<Ix2>().unwrap();
        // A dense copy for the reference, only when the call can succeed (a
        // broadcast input may be huge).
        let dense = expected_error
            .is_none()
            .then(|| Array2::from_shape_vec((height, width), input.iter().copied().collect()).unwrap());
        let output = case.output.view_mut(&mut output_backing, output_shape);
        let output = output.into_dimensionality::<Ix3>().unwrap();
        let (input_strides, output_strides) = (input.strides(), output.strides());
        feature(&[1, stride_class(input_strides[0]), stride_class(input_strides[1])]);
        let output_strides = [output_strides[0], output_strides[1], output_strides[2]];
        feature(&[
            2,
            output_strides
                .map(stride_class)
                .iter()
                .fold(0, |code, class| code * 4 + class),
        ]);
        let layout = layout_class(output_strides);
        let input = match Buffer::try_from(input) {
            Ok(input) => input,
            Err(error) => {
                // Passed directly, the view is converted the same way and
                // named after the pipeline's argument; nothing is written.
                let mut output = output;
                let direct = demosaic(&input, &mut output, pattern, algorithm)
                    .expect_err("a view whose conversion fails was accepted");
                assert_eq!(direct.to_string(), error.to_string().replace("`view`", "`input`"));
                return (Outcome::Conversion(error), dense, layout);
            }
        };
        let mut output = BufferMut::try_from(output).expect("a small output view is a valid BufferMut");
        (
            Outcome::Call(demosaic(&input, &mut output, pattern, algorithm)),
            dense,
            layout,
        )
    });

    // Successful calls per algorithm, layout, sample type and frame parity
    // and size (the fuzzer keeps inputs reaching a new combination).
    let outcome_class = outcome_class(&outcome);
    feature(&[5, outcome_class]);
    if matches!(outcome, Outcome::Call(Ok(()))) {
        feature(&[3, algorithm as usize, layout]);
        feature(&[6, algorithm as usize, case.sample as usize]);
        feature(&[
            4,
            height % 2,
            width % 2,
            extent_class(height, 32),
            extent_class(width, 64),
        ]);
    }

    let case_text = format!(
        "{algorithm:?} {pattern:?} {} input {height}x{width}, output {output_shape:?}: {outcome:?}",
        std::any::type_name::<T>()
    );
    let written = match (&outcome, expected_error) {
        (Outcome::Call(Ok(())), None) => {
            let dense = dense.expect("made when no error is expected");
            let output = case.output.view(&output_backing, output_shape);
            let output = output.into_dimensionality::<Ix3>().unwrap();
            let reference = demosaic_to_array(dense.view(), pattern, algorithm).expect("dense demosaic");
            if let Some(((index, actual), want)) = output.indexed_iter().zip(&reference).find(|((_, a), w)| a != w) {
                panic!(
                    "output{index:?} is {actual:?}, the dense interleaved demosaic gives {want:?}; output strides \
                     {:?}; {case_text}",
                    output.strides()
                );
            }
            if algorithm == DemosaicAlgorithm::Bilinear {
                let plain = bilinear(dense.view(), pattern);
                if let Some(((index, actual), want)) = reference.indexed_iter().zip(&plain).find(|((_, a), w)| a != w) {
                    panic!("output{index:?} is {actual:?}, the plain Rust bilinear gives {want:?}; {case_text}");
                }
            }
            true
        }
        (Outcome::Conversion(error) | Outcome::Call(Err(error)), Some(expected)) => {
            assert_eq!(*error, expected, "{case_text}");
            false
        }
        (_, expected) => panic!("expected {expected:?}; {case_text}"),
    };

    for (k, (&value, &inside)) in output_backing.iter().zip(&covered).enumerate() {
        if !(inside && written) {
            assert_eq!(
                value,
                sentinel::<T>(k),
                "output backing element {k} (inside the view: {inside}) was overwritten; {case_text}"
            );
        }
    }
    for (k, &value) in input_backing.iter().enumerate() {
        assert_eq!(value, input_value(k), "input backing element {k} changed");
    }
}

/// The documented shape checks, in the documented order.
fn expected_error([height, width]: [usize; 2], [out_height, out_width, channels]: [usize; 3]) -> Option<Error> {
    for (axis, extent) in [(0, height), (1, width)] {
        if extent < 2 {
            return Some(Error::BadShape {
                argument: "input",
                axis,
                actual: extent,
                expected: ExpectedExtent::AtLeast(2),
            });
        }
    }
    for (axis, actual, expected) in [(0, out_height, height), (1, out_width, width)] {
        if actual != expected {
            return Some(Error::BadShape {
                argument: "output",
                axis,
                actual,
                expected: ExpectedExtent::SameAs {
                    argument: "input",
                    axis,
                    extent: expected,
                },
            });
        }
    }
    (channels != 3).then(|| Error::BadShape {
        argument: "output",
        axis: 2,
        actual: channels,
        expected: ExpectedExtent::Exactly(3),
    })
}

/// Index `i` mirrored about the edge samples without repeating them (-1 -> 1, n -> n - 2).
fn mirror(i: isize, n: usize) -> usize {
    let n = n as isize;
    let i = if i < 0 { -i } else { i };
    (if i >= n { 2 * (n - 1) - i } else { i }) as usize
}

/// colour-demosaicing's bilinear demosaic, with the crate's mirrored border and
/// rounding (means rounded half up), written per pixel in plain Rust.
fn bilinear<T: TestSample>(raw: ArrayView2<'_, T>, pattern: CfaPattern) -> Array3<T> {
    let (height, width) = raw.dim();
    let (red_row, red_col) = pattern.red_position();
    let at = |i: usize, j: usize, di: isize, dj: isize| {
        raw[[mirror(i as isize + di, height), mirror(j as isize + dj, width)]].to_u32()
    };
    let mean = |values: &[u32]| {
        let n = values.len() as u32;
        T::narrow((values.iter().sum::<u32>() + n / 2) / n)
    };
    let mut rgb = Array3::from_elem((height, width, 3), T::default());
    for i in 0..height {
        for j in 0..width {
            let red_row_here = i % 2 == red_row;
            let red_col_here = j % 2 == red_col;
            let centre = raw[[i, j]];
            let cross = || mean(&[at(i, j, -1, 0), at(i, j, 1, 0), at(i, j, 0, -1), at(i, j, 0, 1)]);
            let diagonal = || mean(&[at(i, j, -1, -1), at(i, j, -1, 1), at(i, j, 1, -1), at(i, j, 1, 1)]);
            let horizontal = || mean(&[at(i, j, 0, -1), at(i, j, 0, 1)]);
            let vertical = || mean(&[at(i, j, -1, 0), at(i, j, 1, 0)]);
            let [r, g, b] = match (red_row_here, red_col_here) {
                (true, true) => [centre, cross(), diagonal()],
                (true, false) => [horizontal(), centre, vertical()],
                (false, true) => [vertical(), centre, horizontal()],
                (false, false) => [diagonal(), cross(), centre],
            };
            rgb[[i, j, 0]] = r;
            rgb[[i, j, 1]] = g;
            rgb[[i, j, 2]] = b;
        }
    }
    rgb
}
