//! Demosaic and develop straight from a packed sensor frame.
//!
//! Where the manifest ships a fused archive (`demosaic_packed_*`,
//! `develop_packed_*`: generators/packed_bayer.py) the bytes are unpacked
//! inside the pipeline, per strip, and nothing but the bytes and the output
//! touches memory. Every other variant unpacks into a scratch frame (one per
//! thread, kept for the next call) and runs the unpacked pipeline on it. Both
//! give exactly the results of [`unpack`] then [`demosaic`](crate::demosaic) /
//! [`develop`](crate::develop).

use std::cell::RefCell;

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::buffer::{Buffer, BufferMut, OutputBuffer};
use crate::element::Element;
use crate::error::Error;
use crate::ffi::{self, Arg, ArgSpec};
use crate::pipelines::bayer::{CfaPattern, Coverage, DemosaicAlgorithm, OutputLayout, check_rgb_of, shipped_archives};
use crate::pipelines::demosaic::demosaic_buffers;
use crate::pipelines::develop::{DevelopOutput, RawParams, develop_buffers, with_develop_args};
use crate::pipelines::packed::{PackedFrame, unpack};

/// The arguments of every fused demosaic archive, after the user context.
const fn demosaic_signature<T: Element>() -> [ArgSpec; 5] {
    [
        ArgSpec::input::<u8>("input", 2),
        ArgSpec::scalar::<i32>("red_x"),
        ArgSpec::scalar::<i32>("red_y"),
        ArgSpec::scalar::<i32>("format"),
        ArgSpec::output::<T>("output", 3),
    ]
}

/// The arguments of every fused develop archive, after the user context.
const fn develop_signature<T: Element>() -> [ArgSpec; 9] {
    [
        ArgSpec::input::<u8>("input", 2),
        ArgSpec::scalar::<i32>("red_x"),
        ArgSpec::scalar::<i32>("red_y"),
        ArgSpec::input::<f32>("black", 2),
        ArgSpec::input::<f32>("scale", 2),
        ArgSpec::input::<f32>("matrix", 2),
        ArgSpec::scalar::<i32>("transfer"),
        ArgSpec::scalar::<i32>("format"),
        ArgSpec::output::<T>("output", 3),
    ]
}

// The fused archives the manifest ships (a variant without one unpacks first).
halide_pipelines_sys::shipped_demosaic_packed_pipelines!(
    shipped_archives!(fn fused_demosaic, signature demosaic_signature;)
);
halide_pipelines_sys::shipped_develop_packed_pipelines!(
    shipped_archives!(fn fused_develop, signature develop_signature;)
);

/// Demosaics a packed Bayer frame into `output` (shape `(height, width, 3)`),
/// exactly as [`unpack`] then [`demosaic`](crate::demosaic) would, for every
/// algorithm, pattern and output layout. `pattern` is the frame's own (a
/// `BayerRG12p` camera: [`CfaPattern::Rggb`]).
///
/// Errors: a frame narrower or shorter than 2 samples is
/// [`Error::BadPackedFrame`] naming `width` or `height` (a Bayer mosaic has
/// whole 2×2 cells; odd sides are fine); an output of another shape is
/// [`Error::BadShape`] naming `output`, the axis and the frame's extent.
///
/// ```
/// use halide_pipelines::{demosaic_packed, CfaPattern, DemosaicAlgorithm, PackedFormat, PackedFrame};
/// // A 4x2 RAW12 frame: each row is two groups of 3 bytes, all samples 0x123.
/// let bytes = [0x12, 0x12, 0x33].repeat(4);
/// let frame = PackedFrame::new(&bytes, 4, 2, PackedFormat::Csi2Raw12)?;
/// let mut rgb = ndarray::Array3::<u16>::zeros((2, 4, 3));
/// demosaic_packed(&frame, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear)?;
/// assert!(rgb.iter().all(|&v| v == 0x123));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_packed(
    frame: &PackedFrame<'_>,
    output: &mut impl OutputBuffer<u16, 3>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error> {
    check_mosaic_frame(frame)?;
    output.with_buffer_mut("output", |output| {
        check_rgb_of(output.shape(), "frame", [frame.height(), frame.width()])?;
        match fused_demosaic(u16::HALIDE_TYPE, algorithm, OutputLayout::of(output.strides())) {
            Some(pipeline) => {
                let (red_row, red_column) = pattern.red_position();
                ffi::call(
                    pipeline,
                    [
                        frame.byte_rows().arg(),
                        Arg::I32(red_column as i32),
                        Arg::I32(red_row as i32),
                        Arg::I32(frame.format().code()),
                        output.arg(),
                    ],
                )
            }
            None => with_unpacked(frame, |raw| {
                demosaic_buffers(raw, output, Coverage::Frame, pattern, algorithm)
            }),
        }
    })
}

/// Develops a packed Bayer frame into `output` (shape `(height, width, 3)`),
/// exactly as [`unpack`] then [`develop`](crate::develop) would. Samples
/// are the format's own (a 12-bit format's white level is at most 4095); the
/// errors are [`demosaic_packed`]'s and [`develop`](crate::develop)'s.
///
/// ```
/// use halide_pipelines::{develop_packed, CfaPattern, DemosaicAlgorithm, PackedFormat, PackedFrame, RawParams};
/// // A 4x2 RAW10 frame at the white level: every sample 1023.
/// let bytes = [0xFF; 5].repeat(2);
/// let frame = PackedFrame::new(&bytes, 4, 2, PackedFormat::Csi2Raw10)?;
/// let params = RawParams::new().with_white_level(1023);
/// let mut srgb = ndarray::Array3::<u8>::zeros((2, 4, 3));
/// develop_packed(&frame, &mut srgb, CfaPattern::Bggr, DemosaicAlgorithm::Malvar2004, &params)?;
/// assert!(srgb.iter().all(|&v| v == 255));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn develop_packed<T: DevelopOutput>(
    frame: &PackedFrame<'_>,
    output: &mut impl OutputBuffer<T, 3>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
) -> Result<(), Error> {
    params.validate()?;
    check_mosaic_frame(frame)?;
    output.with_buffer_mut("output", |output| {
        check_rgb_of(output.shape(), "frame", [frame.height(), frame.width()])?;
        match fused_develop(T::HALIDE_TYPE, algorithm, OutputLayout::of(output.strides())) {
            Some(pipeline) => fused_develop_call(pipeline, frame, output, pattern, params),
            None => with_unpacked(frame, |raw| {
                develop_buffers(raw, output, Coverage::Frame, pattern, algorithm, params)
            }),
        }
    })
}

fn fused_develop_call<T: DevelopOutput>(
    pipeline: &ffi::Pipeline,
    frame: &PackedFrame<'_>,
    output: &mut BufferMut<'_, T, 3>,
    pattern: CfaPattern,
    params: &RawParams,
) -> Result<(), Error> {
    let input = frame.byte_rows();
    with_develop_args(params, pattern, |[red_x, red_y, black, scale, matrix, transfer]| {
        ffi::call(
            pipeline,
            [
                input.arg(),
                red_x,
                red_y,
                black,
                scale,
                matrix,
                transfer,
                Arg::I32(frame.format().code()),
                output.arg(),
            ],
        )
    })
}

/// A Bayer mosaic has at least one whole 2×2 cell.
fn check_mosaic_frame(frame: &PackedFrame<'_>) -> Result<(), Error> {
    for (field, extent, what) in [
        ("width", frame.width(), "samples per row"),
        ("height", frame.height(), "rows"),
    ] {
        if extent < 2 {
            return Err(Error::BadPackedFrame {
                field,
                problem: format!("{extent}; a Bayer mosaic has at least 2 {what} (one 2x2 cell)"),
            });
        }
    }
    Ok(())
}

thread_local! {
    /// Each thread's scratch frame: a stream's frames have one size, so after
    /// the first frame no call allocates. Released with the thread.
    static SCRATCH: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
}

/// Unpacks `frame` into this thread's scratch frame and runs `call` on it.
fn with_unpacked<R>(
    frame: &PackedFrame<'_>,
    call: impl FnOnce(&Buffer<'_, u16, 2>) -> Result<R, Error>,
) -> Result<R, Error> {
    // Taken out for the call, so nothing can observe it borrowed twice.
    let mut samples = SCRATCH.with(|scratch| std::mem::take(&mut *scratch.borrow_mut()));
    let shape = (frame.height(), frame.width());
    let len = shape.0 * shape.1;
    samples.resize(len, 0);
    let result = (|| {
        let mut raw = ArrayViewMut2::from_shape(shape, &mut samples[..len])
            .expect("the scratch frame holds height * width samples");
        unpack(frame, &mut raw)?;
        let raw = ArrayView2::from_shape(shape, &samples[..len]).expect("as above");
        call(&Buffer::try_from(raw)?)
    })();
    SCRATCH.with(|scratch| *scratch.borrow_mut() = samples);
    result
}
