//! Bayer demosaicing: a raw mosaic `(H, W)` to an RGB image `(H, W, 3)`.

use ndarray::Array3;

use crate::buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
use crate::element::Element;
use crate::error::Error;
use crate::ffi::{self, Arg, ArgSpec};
use crate::pipelines::bayer::{
    CfaPattern, Coverage, DemosaicAlgorithm, OutputLayout, pick_archive, shipped_archives, to_array,
};
use crate::pipelines::with_buffers;

/// A sample type the demosaic pipelines are built for: `u8` and `u16`.
pub trait DemosaicSample: Element + sealed::Sealed {}
impl DemosaicSample for u8 {}
impl DemosaicSample for u16 {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
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

// Every demosaic archive of the manifest (MLRI ships one for any layout).
halide_pipelines_sys::shipped_demosaic_pipelines!(shipped_archives!(fn shipped, signature signature;));

/// Demosaics the raw Bayer frame `input` (shape `(H, W)`) into `output`
/// (shape `(H, W, 3)`, channels R, G, B), for any `H, W >= 2`.
///
/// `input` and `output` are ndarray arrays or views (described for this call,
/// never copied), or [`Buffer`] / [`BufferMut`] converted beforehand: the
/// cheapest way to use the same arrays in many calls. Errors name the
/// argument, `input` or `output`.
///
/// Results are rounded to nearest and clamped to the sample type's range
/// (the full 16 bits for `u16`).
///
/// The output may have any layout its strides describe, and is written in
/// place: interleaved (`Array3::zeros((H, W, 3))`, as `image::RgbImage`) and
/// planar (a `(3, H, W)` array seen through `.permuted_axes([1, 2, 0])`) are
/// the fast paths; flipped, transposed or otherwise strided views work too.
///
/// Borders are handled by mirroring the frame about its edge samples (without
/// repeating them), which keeps the colour pattern intact. `colour-demosaicing`
/// repeats the edge sample instead, so results differ from it within a few
/// pixels of the edges.
///
/// ```
/// use halide_pipelines::{demosaic, Buffer, BufferMut, CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u16>::from_elem((4, 6), 1000);
/// let mut rgb = ndarray::Array3::<u16>::zeros((4, 6, 3));
/// demosaic(&raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear)?;
/// assert!(rgb.iter().all(|&v| v == 1000));
///
/// // Planar output: a (3, H, W) array seen as (H, W, 3).
/// let mut planes = ndarray::Array3::<u16>::zeros((3, 4, 6));
/// demosaic(&raw, &mut planes.view_mut().permuted_axes([1, 2, 0]), CfaPattern::Rggb,
///          DemosaicAlgorithm::Malvar2004)?;
///
/// // Converted once, for many calls:
/// let input = Buffer::try_from(raw.view())?;
/// let mut output = BufferMut::try_from(rgb.view_mut())?;
/// demosaic(&input, &mut output, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007)?;
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic<T: DemosaicSample>(
    input: &impl InputBuffer<T, 2>,
    output: &mut impl OutputBuffer<T, 3>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error> {
    with_buffers(input, output, |input, output| {
        demosaic_buffers(input, output, Coverage::Frame, pattern, algorithm)
    })
}

/// Demosaics one region of the raw frame `input` (shape `(H, W)`): `output`
/// (shape `(h, w, 3)`) receives exactly the pixels `[origin[0] .. origin[0] +
/// h) × [origin[1] .. origin[1] + w)` of what [`demosaic`] computes for the
/// whole frame, bit for bit, for every algorithm.
///
/// The region is computed from its real neighbours in `input` (only the rows
/// and columns it needs are read) and mirrored only at the frame's own edges;
/// `pattern` is the whole frame's. So a large frame can be split into tiles
/// over threads, processes or machines without seams: the tiles' mosaic
/// equals the whole. A region that does not fit in the frame is
/// [`Error::BadShape`] naming `output` and the axis; an empty one does nothing.
///
/// Tiles cost the pipeline little; where they are written can cost more. A
/// square tile written into a view of one large frame writes short row
/// segments far apart, which a memory-bound algorithm (Bilinear) pays for:
/// 1.2–1.3× the whole-frame call for 1024×1024 tiles of a 12 MP frame,
/// against 0.92–0.97× for the same tiles each written into an array of its
/// own, or for bands of whole rows (BENCHMARKS.md, "Tiles").
///
/// ```
/// use halide_pipelines::{demosaic, demosaic_region, CfaPattern, DemosaicAlgorithm};
/// use ndarray::{s, Array2, Array3};
/// let raw = Array2::<u16>::from_shape_fn((64, 80), |(r, c)| ((r * 31 + c * 17) % 4096) as u16);
/// let mut whole = Array3::<u16>::zeros((64, 80, 3));
/// demosaic(&raw, &mut whole, CfaPattern::Grbg, DemosaicAlgorithm::Menon2007)?;
///
/// let mut tile = Array3::<u16>::zeros((16, 24, 3));
/// demosaic_region(&raw, &mut tile, [21, 40], CfaPattern::Grbg, DemosaicAlgorithm::Menon2007)?;
/// assert_eq!(tile, whole.slice(s![21..37, 40..64, ..]));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_region<T: DemosaicSample>(
    input: &impl InputBuffer<T, 2>,
    output: &mut impl OutputBuffer<T, 3>,
    origin: [usize; 2],
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error> {
    with_buffers(input, output, |input, output| {
        demosaic_buffers(input, output, Coverage::Region(origin), pattern, algorithm)
    })
}

pub(crate) fn demosaic_buffers<T: DemosaicSample>(
    input: &Buffer<'_, T, 2>,
    output: &mut BufferMut<'_, T, 3>,
    coverage: Coverage,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error> {
    if !coverage.check(input.shape(), output.shape())? {
        return Ok(());
    }
    let (red_row, red_column) = pattern.red_position();
    let pipeline = pick_archive::<T>("demosaic", shipped, algorithm, OutputLayout::of(output.strides()))?;
    ffi::call(
        pipeline,
        [
            input.arg(),
            Arg::I32(red_column as i32),
            Arg::I32(red_row as i32),
            coverage.output_arg(output),
        ],
    )
}

/// Demosaics `raw` (shape `(H, W)`: an array, a view or a [`Buffer`]) into a
/// new interleaved `(H, W, 3)` array. Errors call `raw` `input`, as
/// [`demosaic`] does.
///
/// ```
/// use halide_pipelines::{demosaic_to_array, CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u8>::from_elem((6, 8), 40);
/// let rgb = demosaic_to_array(&raw, CfaPattern::Grbg, DemosaicAlgorithm::Malvar2004)?;
/// assert_eq!(rgb.dim(), (6, 8, 3));
/// assert!(rgb.iter().all(|&v| v == 40));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_to_array<T: DemosaicSample>(
    raw: impl InputBuffer<T, 2>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<Array3<T>, Error> {
    to_array(raw, |input, rgb| demosaic(input, rgb, pattern, algorithm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_ships_an_archive_for_every_sample_algorithm_and_layout() {
        for &algorithm in DemosaicAlgorithm::ALL {
            for layout in [OutputLayout::Interleaved, OutputLayout::Planar, OutputLayout::Any] {
                assert!(pick_archive::<u8>("demosaic", shipped, algorithm, layout).is_ok());
                assert!(pick_archive::<u16>("demosaic", shipped, algorithm, layout).is_ok());
            }
        }
        // Not a demosaic sample type: an error, never a wrong archive.
        let error = pick_archive::<f32>("demosaic", shipped, DemosaicAlgorithm::Bilinear, OutputLayout::Any);
        assert!(matches!(
            error,
            Err(Error::PipelineMismatch {
                pipeline: "demosaic",
                ..
            })
        ));
    }
}
