//! `add` on arbitrary input and output views (any shape including 0 and 1,
//! steps, reversals, offsets, transposes, Fortran order, broadcast (also to
//! huge extents) and overlapping inputs), each cut out of a larger backing
//! allocation.
//!
//! The outcome must be exactly the documented one:
//! - an input extent beyond `i32::MAX`: `Buffer::try_from` fails with `ExtentTooLarge`
//!   (and the view passed to the pipeline directly fails the same, naming `input`);
//! - empty output: `Ok`, nothing written;
//! - empty input (non-empty output): `EmptyInput` naming the input's first empty axis;
//! - input extents whose product exceeds `i32::MAX` (broadcast): `TooManyElements` at conversion;
//! - output larger than the input on some axis: `AccessOutOfBounds` with Halide's message;
//! - otherwise `Ok` with `output[[i, j]] == input[[i, j]] + 1.0` (bit for bit) over the output's shape.
//!
//! In every case no backing element outside the output view changes (each
//! holds its own NaN bit pattern, which `input + 1` never produces), and the
//! input's backing does not change at all.
#![no_main]

use arbitrary::Arbitrary;
use halide_pipelines::{Buffer, BufferMut, Error, add};
use halide_pipelines_fuzz::{Backing, Fence, InputSpec, ViewSpec, feature, stride_class};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, Ix2, s};

#[derive(Arbitrary, Debug)]
struct Case {
    input_shape: [u8; 2],
    output_shape: [u8; 2],
    input: InputSpec<2>,
    output: ViewSpec<2>,
}

/// Extents 0..=71: 0 and 1, below and above every vector width, across the
/// 64-row parallel split.
fn extent(byte: u8) -> usize {
    usize::from(byte % 72)
}

/// 0, 1, below the narrowest vector, below the 64-row split, beyond, huge.
fn extent_class(extent: usize) -> usize {
    match extent {
        0 | 1 => extent,
        2..4 => 2,
        4..64 => 3,
        64..256 => 4,
        _ => 5,
    }
}

fn fence_class(fence: Fence) -> usize {
    fence as usize
}

fn outcome_class(outcome: &Outcome) -> usize {
    match outcome {
        Outcome::Conversion(Error::TooManyElements { .. }) => 4,
        Outcome::Conversion(_) => 0,
        Outcome::Call(Ok(())) => 1,
        Outcome::Call(Err(Error::EmptyInput { .. })) => 2,
        Outcome::Call(Err(Error::AccessOutOfBounds { .. })) => 3,
        Outcome::Call(Err(_)) => 5,
    }
}

/// Input element `k`: distinct, finite, exactly representable.
fn input_value(k: usize) -> f32 {
    k as f32 * 0.5 - 100.25
}

/// Output backing element `k` before the call: a signalling NaN whose payload
/// is `k` (never the result of adding 1 to a finite number).
fn sentinel(k: usize) -> f32 {
    f32::from_bits(0x7fa0_0000 | (k as u32 & 0x001f_ffff))
}

/// What the conversion of the input and the call did.
#[derive(Debug)]
enum Outcome {
    /// `Buffer::try_from(input)` failed; `add` was not called.
    Conversion(Error),
    /// What `add` returned.
    Call(Result<(), Error>),
}

fuzz_target!(|case: Case| {
    let input_shape = case.input.shape(case.input_shape.map(extent));
    let output_shape = case.output_shape.map(extent);
    let [rows, cols] = output_shape;

    let input_backing = Backing::new(case.input.backing_len(input_shape), case.input.view.fence, input_value);
    let mut output_backing = Backing::new(case.output.backing_len(output_shape), case.output.fence, sentinel);
    let covered = case.output.covered(&mut output_backing, output_shape);

    let (outcome, expected) = case.input.with_view(&input_backing, input_shape, |input| {
        let input = input.into_dimensionality::<Ix2>().unwrap();
        // The input region the output reads (a broadcast input may be huge).
        // Not `to_owned()`: on an empty view with unusual strides it trips a
        // debug assertion of ndarray 0.17 (fuzz builds have debug assertions on).
        let region = input.slice(s![..rows.min(input_shape[0]), ..cols.min(input_shape[1])]);
        let expected = Array2::from_shape_vec(region.raw_dim(), region.iter().copied().collect()).unwrap();
        let output = case.output.view_mut(&mut output_backing, output_shape);
        let output = output.into_dimensionality::<Ix2>().unwrap();
        let (input_strides, output_strides) = (input.strides(), output.strides());
        feature(&[1, stride_class(input_strides[0]), stride_class(input_strides[1])]);
        feature(&[2, stride_class(output_strides[0]), stride_class(output_strides[1])]);
        feature(&[3, stride_class(input_strides[1]), stride_class(output_strides[1])]);
        let input = match Buffer::try_from(input) {
            Ok(input) => input,
            Err(error) => {
                // Passed directly, the view is converted the same way and
                // named after the pipeline's argument; nothing is written.
                let mut output = output;
                let direct = add(&input, &mut output).expect_err("a view whose conversion fails was accepted");
                assert_eq!(direct.to_string(), error.to_string().replace("`view`", "`input`"));
                return (Outcome::Conversion(error), expected);
            }
        };
        let mut output = BufferMut::try_from(output).expect("a small output view is a valid BufferMut");
        (Outcome::Call(add(&input, &mut output)), expected)
    });

    feature(&[4, extent_class(rows), extent_class(cols)]);
    feature(&[
        7,
        input_shape[0].cmp(&rows) as usize,
        input_shape[1].cmp(&cols) as usize,
    ]);
    feature(&[5, fence_class(case.input.view.fence), fence_class(case.output.fence)]);
    feature(&[6, outcome_class(&outcome)]);

    let output_empty = rows == 0 || cols == 0;
    let covers = input_shape[0] >= rows && input_shape[1] >= cols;
    let case_text = format!("input {input_shape:?}, output {output_shape:?}: {outcome:?}");
    let written = match &outcome {
        Outcome::Conversion(error) => {
            // Only broadcast inputs made huge can fail the conversion: an axis
            // beyond i32::MAX first, else more elements than Halide allows.
            let elements = input_shape.iter().map(|&extent| extent as u128).product::<u128>();
            let expected = match input_shape.iter().position(|&extent| extent > i32::MAX as usize) {
                Some(axis) => Error::ExtentTooLarge {
                    argument: "view",
                    axis,
                    extent: input_shape[axis],
                },
                None if elements > i32::MAX as u128 => Error::TooManyElements {
                    argument: "view",
                    elements,
                },
                None => panic!("the conversion failed: {case_text}"),
            };
            assert_eq!(*error, expected, "{case_text}");
            false
        }
        Outcome::Call(_) if input_shape.iter().any(|&extent| extent > i32::MAX as usize) => {
            panic!("an input extent beyond i32::MAX was accepted: {case_text}")
        }
        Outcome::Call(_) if input_shape.iter().map(|&extent| extent as u128).product::<u128>() > i32::MAX as u128 => {
            panic!("an input with more than i32::MAX elements was accepted: {case_text}")
        }
        Outcome::Call(Ok(())) if output_empty => false,
        Outcome::Call(Ok(())) => {
            assert!(
                covers,
                "add succeeded with an input smaller than the output: {case_text}"
            );
            assert!(
                input_shape.iter().map(|&extent| extent as u128).product::<u128>() <= i32::MAX as u128,
                "add succeeded with input extents whose product exceeds i32::MAX: {case_text}"
            );
            let output = case.output.view(&output_backing, output_shape);
            for ((index, &actual), &input) in output.indexed_iter().zip(&expected) {
                let want = input + 1.0;
                assert_eq!(
                    actual.to_bits(),
                    want.to_bits(),
                    "output{index:?} is {actual}, expected {input} + 1 = {want}; {case_text}"
                );
            }
            true
        }
        Outcome::Call(Err(error)) => {
            assert!(!output_empty, "an empty output must be a no-op: {case_text}");
            if let Some(axis) = input_shape.iter().position(|&extent| extent == 0) {
                let expected = Error::EmptyInput {
                    argument: "input",
                    axis,
                    output: "output",
                };
                assert_eq!(*error, expected, "{case_text}");
            } else {
                assert!(!covers, "add failed although the input covers the output: {case_text}");
                assert!(
                    matches!(error, Error::AccessOutOfBounds { message } if !message.is_empty()),
                    "expected AccessOutOfBounds with Halide's message: {case_text}"
                );
            }
            false
        }
    };

    // Guards: outside the output view nothing changes; inside it, nothing
    // changes unless the call succeeded.
    for (k, (&value, &inside)) in output_backing.iter().zip(&covered).enumerate() {
        if !(inside && written) {
            assert_eq!(
                value.to_bits(),
                sentinel(k).to_bits(),
                "output backing element {k} (inside the view: {inside}) was overwritten with {value}; {case_text}"
            );
        }
    }
    for (k, &value) in input_backing.iter().enumerate() {
        assert_eq!(
            value.to_bits(),
            input_value(k).to_bits(),
            "input backing element {k} changed"
        );
    }
});
