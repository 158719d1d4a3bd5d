//! Safe wrappers, one file per pipeline family. Each declares the signature it
//! expects of its archive (checked against the archive's metadata on first
//! use) and validates arguments before calling through [`crate::ffi`].

pub mod add;
pub(crate) mod bayer;
pub mod demosaic;
pub mod develop;
pub mod half;
pub mod packed;
pub mod packed_bayer;

use crate::buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
use crate::element::Element;
use crate::error::Error;

/// Runs `call` with a pipeline's `input` and `output` as buffers: the caller's
/// own [`Buffer`]/[`BufferMut`] as they are, arrays and views described for
/// this call. A conversion error names the argument, `input` or `output`.
#[inline]
pub(crate) fn with_buffers<TI: Element, const NI: usize, TO: Element, const NO: usize, R>(
    input: &impl InputBuffer<TI, NI>,
    output: &mut impl OutputBuffer<TO, NO>,
    call: impl FnOnce(&Buffer<'_, TI, NI>, &mut BufferMut<'_, TO, NO>) -> Result<R, Error>,
) -> Result<R, Error> {
    input.with_buffer("input", |input| {
        output.with_buffer_mut("output", |output| call(input, output))
    })
}
