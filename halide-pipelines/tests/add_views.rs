//! `add` on every kind of ndarray view, against ndarray's own arithmetic.

use halide_pipelines::{Buffer, BufferMut, add};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, ShapeBuilder, s};
use proptest::prelude::*;

/// How a view is cut out of its array: a step slice (negative steps reverse),
/// then optionally a transpose.
#[derive(Debug, Clone)]
struct Cut {
    row_start: usize,
    col_start: usize,
    row_step: isize,
    col_step: isize,
    transpose: bool,
}

fn cut() -> impl Strategy<Value = Cut> {
    let step = prop_oneof![Just(1isize), Just(-1), 2..4isize, -3..-1isize];
    (0..3usize, 0..3usize, step.clone(), step, any::<bool>()).prop_map(
        |(row_start, col_start, row_step, col_step, transpose)| Cut {
            row_start,
            col_start,
            row_step,
            col_step,
            transpose,
        },
    )
}

impl Cut {
    /// The array shape needed to cut a `shape` view this way.
    fn array_shape(&self, shape: (usize, usize)) -> (usize, usize) {
        let (rows, cols) = if self.transpose { (shape.1, shape.0) } else { shape };
        (
            self.row_start + rows * self.row_step.unsigned_abs() + 1,
            self.col_start + cols * self.col_step.unsigned_abs() + 2,
        )
    }

    fn view<'a>(&self, array: &'a Array2<f32>, shape: (usize, usize)) -> ArrayView2<'a, f32> {
        let (rows, cols) = if self.transpose { (shape.1, shape.0) } else { shape };
        let sliced = array.slice(slice_info(self, rows, cols));
        if self.transpose { sliced.reversed_axes() } else { sliced }
    }

    fn view_mut<'a>(&self, array: &'a mut Array2<f32>, shape: (usize, usize)) -> ArrayViewMut2<'a, f32> {
        let (rows, cols) = if self.transpose { (shape.1, shape.0) } else { shape };
        let sliced = array.slice_mut(slice_info(self, rows, cols));
        if self.transpose { sliced.reversed_axes() } else { sliced }
    }
}

fn slice_info(
    cut: &Cut,
    rows: usize,
    cols: usize,
) -> ndarray::SliceInfo<[ndarray::SliceInfoElem; 2], ndarray::Ix2, ndarray::Ix2> {
    let r0 = cut.row_start as isize;
    let c0 = cut.col_start as isize;
    s![
        r0..r0 + rows as isize * cut.row_step.abs();cut.row_step,
        c0..c0 + cols as isize * cut.col_step.abs();cut.col_step
    ]
}

fn ramp_value((i, j): (usize, usize)) -> f32 {
    (i * 1000 + j) as f32 * 0.25 - 7.0
}

fn ramp(shape: (usize, usize)) -> Array2<f32> {
    Array2::from_shape_fn(shape, ramp_value)
}

/// The same values in column-major memory order.
fn ramp_fortran(shape: (usize, usize)) -> Array2<f32> {
    Array2::from_shape_fn(shape.f(), ramp_value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn add_matches_ndarray_on_any_views(
        rows in 1..40usize,
        cols in 1..40usize,
        input_cut in cut(),
        output_cut in cut(),
        fortran_input in any::<bool>(),
    ) {
        let shape = (rows, cols);
        let source = if fortran_input {
            ramp_fortran(input_cut.array_shape(shape))
        } else {
            ramp(input_cut.array_shape(shape))
        };
        let input = input_cut.view(&source, shape);
        let expected = &input + 1.0;

        let mut destination = Array2::from_elem(output_cut.array_shape(shape), f32::NAN);
        add(&Buffer::try_from(input.view())?, &mut BufferMut::try_from(output_cut.view_mut(&mut destination, shape))?)?;
        prop_assert_eq!(output_cut.view(&destination, shape), expected.view());

        // Everything outside the output view is untouched.
        let written = output_cut.view(&destination, shape).iter().count();
        prop_assert_eq!(destination.iter().filter(|v| !v.is_nan()).count(), written);
    }

    #[test]
    fn add_reads_broadcast_inputs(rows in 1..30usize, cols in 1..30usize, along_rows in any::<bool>()) {
        let line = Array2::from_shape_fn(if along_rows { (1, cols) } else { (rows, 1) }, |(i, j)| (i + j) as f32);
        let input = line.broadcast((rows, cols)).unwrap();
        let mut output = Array2::<f32>::zeros((rows, cols));
        add(&Buffer::try_from(input)?, &mut BufferMut::try_from(output.view_mut())?)?;
        prop_assert_eq!(output, &input + 1.0);
    }

    #[test]
    fn input_larger_than_output_computes_the_output_region(rows in 1..20usize, cols in 1..20usize, extra in 0..5usize) {
        let source = ramp((rows + extra, cols + extra));
        let mut output = Array2::<f32>::zeros((rows, cols));
        add(&Buffer::try_from(source.view())?, &mut BufferMut::try_from(output.view_mut())?)?;
        prop_assert_eq!(output, &source.slice(s![..rows, ..cols]) + 1.0);
    }
}

#[test]
fn offset_view_into_a_larger_array() {
    let source = ramp((10, 12));
    let mut destination = Array2::<f32>::zeros((10, 12));
    let input = source.slice(s![3..7, 2..9]);
    add(
        &Buffer::try_from(input).unwrap(),
        &mut BufferMut::try_from(destination.slice_mut(s![5..9, 4..11])).unwrap(),
    )
    .unwrap();
    assert_eq!(destination.slice(s![5..9, 4..11]), &input + 1.0);
    assert_eq!(destination.iter().filter(|&&v| v != 0.0).count(), 4 * 7);
}

#[test]
fn single_rows_and_columns() {
    for shape in [(1, 1), (1, 57), (57, 1)] {
        let source = ramp(shape);
        let mut output = Array2::<f32>::zeros(shape);
        add(
            &Buffer::try_from(source.view()).unwrap(),
            &mut BufferMut::try_from(output.view_mut()).unwrap(),
        )
        .unwrap();
        assert_eq!(output, &source + 1.0, "{shape:?}");
    }
}

#[test]
fn empty_output_is_a_no_op() {
    let source = ramp((3, 3));
    for shape in [(0, 3), (3, 0), (0, 0)] {
        let mut output = Array2::<f32>::zeros(shape);
        add(
            &Buffer::try_from(source.view()).unwrap(),
            &mut BufferMut::try_from(output.view_mut()).unwrap(),
        )
        .unwrap();
    }
    let mut output = Array2::<f32>::zeros((3, 3));
    let empty = source.slice(s![..0, ..]);
    let error = add(
        &Buffer::try_from(empty).unwrap(),
        &mut BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        error,
        halide_pipelines::Error::EmptyInput {
            argument: "input",
            axis: 0,
            output: "output"
        }
    );
}
