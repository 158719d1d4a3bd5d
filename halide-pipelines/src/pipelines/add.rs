//! `add`: `output = input + 1` on 2-D `f32` buffers.

use crate::buffer::{Buffer, BufferMut};
use crate::error::Error;
use crate::ffi::{self, ArgSpec, Pipeline};

static ADD: Pipeline = Pipeline::new(
    "add",
    halide_pipelines_sys::add_argv,
    halide_pipelines_sys::add_metadata,
    &[ArgSpec::input::<f32>("input", 2), ArgSpec::output::<f32>("output", 2)],
);

/// Computes `output[[i, j]] = input[[i, j]] + 1.0` over the output's whole shape.
///
/// The output's shape is the region computed. The input must cover it (be at
/// least as large on both axes); otherwise Halide reports
/// [`Error::AccessOutOfBounds`] with its own message. An empty output is a
/// no-op; an empty input with a non-empty output is [`Error::EmptyInput`].
///
/// ```
/// use halide_pipelines::{add, Buffer, BufferMut, Error};
/// let a = ndarray::Array2::<f32>::zeros((480, 640));
/// let mut b = ndarray::Array2::<f32>::zeros((480, 640));
/// let input = Buffer::try_from(a.view())?;
/// let mut output = BufferMut::try_from(b.view_mut())?;
/// add(&input, &mut output)?;
/// assert!(b.iter().all(|&v| v == 1.0));
/// # Ok::<(), Error>(())
/// ```
pub fn add(input: &Buffer<'_, f32, 2>, output: &mut BufferMut<'_, f32, 2>) -> Result<(), Error> {
    if output.raw.is_empty() {
        return Ok(());
    }
    if let Some(axis) = input.raw.empty_axis() {
        return Err(Error::EmptyInput {
            argument: "input",
            axis,
            output: "output",
        });
    }
    ffi::call(&ADD, [input.arg(), output.arg()])
}
