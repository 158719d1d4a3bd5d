//! `add`: `output = input + 1` on 2-D `f32` buffers.

use crate::buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
use crate::error::Error;
use crate::ffi::{self, ArgSpec, Pipeline};
use crate::pipelines::with_buffers;

/// `ADD`, the manifest's one `add` archive, from its generated entry.
macro_rules! add_archive {
    ($function:ident { argv: $argv:ident, metadata: $metadata:ident, arguments: $arguments:ident $(,)? } $(,)?) => {
        static ADD: Pipeline = Pipeline::shipped(
            stringify!($function),
            halide_pipelines_sys::$argv,
            halide_pipelines_sys::$metadata,
            &[
                ArgSpec::input::<f32>("input", 2),
                ArgSpec::output::<f32>("output", 2),
            ],
            halide_pipelines_sys::$arguments,
        );
    };
}
halide_pipelines_sys::shipped_add_pipelines!(add_archive!());

/// Computes `output[[i, j]] = input[[i, j]] + 1.0` over the output's whole shape.
///
/// `input` and `output` are ndarray arrays or views (described for this call,
/// never copied), or [`Buffer`] / [`BufferMut`] converted beforehand: the
/// cheapest way to call it many times on the same arrays. Errors of the
/// conversion name the argument, `input` or `output`.
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
/// add(&a, &mut b)?;
/// assert!(b.iter().all(|&v| v == 1.0));
///
/// // Converted once, for many calls:
/// let input = Buffer::try_from(a.view())?;
/// let mut output = BufferMut::try_from(b.view_mut())?;
/// add(&input, &mut output)?;
/// # Ok::<(), Error>(())
/// ```
pub fn add(input: &impl InputBuffer<f32, 2>, output: &mut impl OutputBuffer<f32, 2>) -> Result<(), Error> {
    with_buffers(input, output, add_buffers)
}

fn add_buffers(input: &Buffer<'_, f32, 2>, output: &mut BufferMut<'_, f32, 2>) -> Result<(), Error> {
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
