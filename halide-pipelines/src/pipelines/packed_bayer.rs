//! Demosaic and develop straight from a packed sensor frame.
//!
//! Today these unpack into a scratch frame (one per thread, kept for the next
//! call) and run the unpacked pipelines on it: the results are those of
//! [`unpack`] then [`demosaic`](crate::demosaic) / [`develop`](crate::develop)
//! by construction, and a stream pays no allocation per frame. Reading the
//! bytes inside the demosaic's own tiles (no second pass over memory) will
//! change only the speed, not one result.

use std::cell::RefCell;

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::buffer::{Buffer, OutputBuffer};
use crate::error::{Error, ExpectedExtent};
use crate::pipelines::bayer::{CfaPattern, Coverage, DemosaicAlgorithm, check_channels};
use crate::pipelines::demosaic::demosaic_buffers;
use crate::pipelines::develop::{DevelopOutput, RawParams, develop_buffers};
use crate::pipelines::packed::{PackedFrame, unpack};

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
        check_output(frame, output.shape())?;
        with_unpacked(frame, |raw| {
            demosaic_buffers(raw, output, Coverage::Frame, pattern, algorithm)
        })
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
        check_output(frame, output.shape())?;
        with_unpacked(frame, |raw| {
            develop_buffers(raw, output, Coverage::Frame, pattern, algorithm, params)
        })
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

/// The output is the frame's `(height, width)` with 3 channels.
fn check_output(frame: &PackedFrame<'_>, output: [usize; 3]) -> Result<(), Error> {
    for (axis, extent) in [frame.height(), frame.width()].into_iter().enumerate() {
        if output[axis] != extent {
            return Err(Error::BadShape {
                argument: "output",
                axis,
                actual: output[axis],
                expected: ExpectedExtent::SameAs {
                    argument: "frame",
                    axis,
                    extent,
                },
            });
        }
    }
    check_channels(output[2])
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
