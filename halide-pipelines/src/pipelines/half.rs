//! Half-size previews: each 2×2 CFA cell of a raw mosaic `(H, W)` to one RGB
//! pixel of an `(H/2, W/2, 3)` image.

use crate::buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
use crate::element::{Element, HalideType};
use crate::error::{Error, ExpectedExtent};
use crate::ffi::{self, Arg, ArgSpec, Pipeline};
use crate::pipelines::bayer::{CfaPattern, check_channels};
use crate::pipelines::demosaic::DemosaicSample;
use crate::pipelines::with_buffers;

/// The arguments every half-size archive takes, after the user context.
const fn signature<T: Element>() -> [ArgSpec; 4] {
    [
        ArgSpec::input::<T>("input", 2),
        ArgSpec::scalar::<i32>("red_x"),
        ArgSpec::scalar::<i32>("red_y"),
        ArgSpec::output::<T>("output", 3),
    ]
}

/// `fn shipped(sample)`: the manifest's half-size archive for a sample type.
macro_rules! half_archives {
    ($( $function:ident {
        input_type: $input:ty,
        output_type: $output:ty,
        argv: $argv:ident,
        metadata: $metadata:ident,
        arguments: $arguments:ident
    } ),* $(,)?) => {
        fn shipped(sample: HalideType) -> Option<&'static Pipeline> {
            $(
                if sample == <$output as Element>::HALIDE_TYPE {
                    static PIPELINE: Pipeline = Pipeline::shipped(
                        stringify!($function),
                        halide_pipelines_sys::$argv,
                        halide_pipelines_sys::$metadata,
                        &signature::<$output>(),
                        halide_pipelines_sys::$arguments,
                    );
                    return Some(&PIPELINE);
                }
            )*
            None
        }
    };
}
halide_pipelines_sys::shipped_demosaic_half_pipelines!(half_archives!());

/// A half-size RGB preview of the raw Bayer frame `input` (shape `(H, W)`,
/// `H, W >= 2`) into `output` (shape `(H / 2, W / 2, 3)`, rounded down: an odd
/// last row or column is left out).
///
/// Each output pixel is one 2×2 cell of the mosaic, no interpolation: red and
/// blue are the cell's own samples, green the mean of its two greens rounded
/// half up, `(G1 + G2 + 1) >> 1`. It reads the frame once and writes a
/// quarter of the pixels, so it runs at the speed of memory: the cheapest
/// view of a stream (a viewfinder, a thumbnail, exposure and focus metering).
/// The image is the frame's at half resolution, each channel sampled at its
/// own position in the cell (no interpolation, so no blur and no zipper).
///
/// Any output layout works; interleaved and planar are the fast paths.
///
/// ```
/// use halide_pipelines::{demosaic_half, CfaPattern};
/// // One RGGB cell: R = 10, G = 20 and 23, B = 30.
/// let raw = ndarray::arr2(&[[10u16, 20], [23, 30]]);
/// let mut rgb = ndarray::Array3::<u16>::zeros((1, 1, 3));
/// demosaic_half(&raw, &mut rgb, CfaPattern::Rggb)?;
/// assert_eq!(rgb.as_slice().unwrap(), &[10, 22, 30]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_half<T: DemosaicSample>(
    input: &impl InputBuffer<T, 2>,
    output: &mut impl OutputBuffer<T, 3>,
    pattern: CfaPattern,
) -> Result<(), Error> {
    with_buffers(input, output, |input, output| half_buffers(input, output, pattern))
}

fn half_buffers<T: DemosaicSample>(
    input: &Buffer<'_, T, 2>,
    output: &mut BufferMut<'_, T, 3>,
    pattern: CfaPattern,
) -> Result<(), Error> {
    check_half_shapes(input.shape(), output.shape())?;
    let pipeline = shipped(T::HALIDE_TYPE).ok_or_else(|| Error::PipelineMismatch {
        pipeline: "demosaic_half",
        detail: format!(
            "no shipped archive for {} samples (generators/pipelines.toml)",
            T::HALIDE_TYPE
        ),
    })?;
    let (red_row, red_column) = pattern.red_position();
    ffi::call(
        pipeline,
        [
            input.arg(),
            Arg::I32(red_column as i32),
            Arg::I32(red_row as i32),
            output.arg(),
        ],
    )
}

/// An input of at least one whole cell, and an output of its whole cells.
fn check_half_shapes(input: [usize; 2], output: [usize; 3]) -> Result<(), Error> {
    for axis in 0..2 {
        if input[axis] < 2 {
            return Err(Error::BadShape {
                argument: "input",
                axis,
                actual: input[axis],
                expected: ExpectedExtent::AtLeast(2),
            });
        }
        if output[axis] != input[axis] / 2 {
            return Err(Error::BadShape {
                argument: "output",
                axis,
                actual: output[axis],
                expected: ExpectedExtent::HalfOf {
                    argument: "input",
                    axis,
                    extent: input[axis],
                },
            });
        }
    }
    check_channels(output[2])
}
