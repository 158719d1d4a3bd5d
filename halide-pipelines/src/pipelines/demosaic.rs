//! Bayer demosaicing: a raw mosaic `(H, W)` to an RGB image `(H, W, 3)`.

use crate::buffer::{Buffer, BufferMut};
use crate::element::Element;
use crate::error::Error;
use crate::ffi::{self, Arg, ArgSpec, Pipeline};

/// The 2×2 colour filter tile at the top-left corner of the raw frame, read
/// row by row (`Rggb`: red at `[0, 0]`, blue at `[1, 1]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CfaPattern {
    /// `R G / G B`
    Rggb,
    /// `B G / G R`
    Bggr,
    /// `G R / B G`
    Grbg,
    /// `G B / R G`
    Gbrg,
}

impl CfaPattern {
    /// `(row, column)` of the red sample inside the 2×2 tile.
    pub fn red_position(self) -> (usize, usize) {
        match self {
            CfaPattern::Rggb => (0, 0),
            CfaPattern::Grbg => (0, 1),
            CfaPattern::Gbrg => (1, 0),
            CfaPattern::Bggr => (1, 1),
        }
    }
}

/// How missing colour samples are interpolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DemosaicAlgorithm {
    /// Bilinear interpolation of each colour plane (as `colour-demosaicing`'s
    /// `demosaicing_CFA_Bayer_bilinear`).
    Bilinear,
}

/// A sample type the demosaic pipelines are built for: `u8` and `u16`.
pub trait DemosaicSample: Element + sealed::Pipelines {}
impl DemosaicSample for u8 {}
impl DemosaicSample for u16 {}

mod sealed {
    use super::*;

    /// Picks the archive built for a sample type and algorithm.
    pub trait Pipelines {
        fn pipeline(algorithm: DemosaicAlgorithm) -> &'static Pipeline;
    }

    impl Pipelines for u8 {
        fn pipeline(algorithm: DemosaicAlgorithm) -> &'static Pipeline {
            match algorithm {
                DemosaicAlgorithm::Bilinear => &BILINEAR_U8,
            }
        }
    }

    impl Pipelines for u16 {
        fn pipeline(algorithm: DemosaicAlgorithm) -> &'static Pipeline {
            match algorithm {
                DemosaicAlgorithm::Bilinear => &BILINEAR_U16,
            }
        }
    }
}

/// The arguments every demosaic archive takes, after the user context.
const fn signature<T: Element>() -> [ArgSpec; 4] {
    [
        ArgSpec::input::<T>("input", 2),
        ArgSpec::scalar::<i32>("red_x"),
        ArgSpec::scalar::<i32>("red_y"),
        ArgSpec::output::<T>("output", 3),
    ]
}

static BILINEAR_U8: Pipeline = Pipeline::new(
    "demosaic_bilinear_u8",
    halide_pipelines_sys::demosaic_bilinear_u8_argv,
    halide_pipelines_sys::demosaic_bilinear_u8_metadata,
    &signature::<u8>(),
);
static BILINEAR_U16: Pipeline = Pipeline::new(
    "demosaic_bilinear_u16",
    halide_pipelines_sys::demosaic_bilinear_u16_argv,
    halide_pipelines_sys::demosaic_bilinear_u16_metadata,
    &signature::<u16>(),
);

/// Demosaics the raw Bayer frame `input` (shape `(H, W)`) into `output`
/// (shape `(H, W, 3)`, channels R, G, B), for any `H, W >= 2`.
///
/// The output may have any layout its strides describe: interleaved
/// (`Array3::zeros((H, W, 3))`, as `image::RgbImage`), planar (a `(3, H, W)`
/// array seen through `.permuted_axes([1, 2, 0])`), flipped or cropped; it is
/// written in place. Borders are handled by mirroring the frame about its edge
/// samples (without repeating them), which keeps the colour pattern intact.
///
/// ```
/// use halide_pipelines::{demosaic, Buffer, BufferMut, CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u16>::from_elem((4, 6), 1000);
/// let mut rgb = ndarray::Array3::<u16>::zeros((4, 6, 3));
/// demosaic(&Buffer::try_from(raw.view())?, &mut BufferMut::try_from(rgb.view_mut())?,
///          CfaPattern::Rggb, DemosaicAlgorithm::Bilinear)?;
/// assert!(rgb.iter().all(|&v| v == 1000));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic<T: DemosaicSample>(
    input: &Buffer<'_, T, 2>,
    output: &mut BufferMut<'_, T, 3>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error> {
    let [height, width] = input.shape();
    let [out_height, out_width, channels] = output.shape();
    for (axis, extent) in [(0, height), (1, width)] {
        if extent < 2 {
            return Err(Error::BadShape {
                argument: "input",
                axis,
                actual: extent,
                expected: "at least 2".into(),
            });
        }
    }
    for (axis, actual, expected) in [(0, out_height, height), (1, out_width, width)] {
        if actual != expected {
            return Err(Error::BadShape {
                argument: "output",
                axis,
                actual,
                expected: format!("equal to the input's extent {expected}"),
            });
        }
    }
    if channels != 3 {
        return Err(Error::BadShape {
            argument: "output",
            axis: 2,
            actual: channels,
            expected: "3 (R, G, B)".into(),
        });
    }
    let (red_row, red_column) = pattern.red_position();
    ffi::call(
        T::pipeline(algorithm),
        &mut [
            input.arg(),
            Arg::I32(red_column as i32),
            Arg::I32(red_row as i32),
            output.arg(),
        ],
    )
}
