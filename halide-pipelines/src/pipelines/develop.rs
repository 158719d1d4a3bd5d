//! Raw development in one pass: black and white levels, white balance,
//! demosaic, colour matrix and transfer curve, fused into one Halide pipeline.

use ndarray::{Array2, Array3};

use crate::buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
use crate::element::Element;
use crate::error::{Error, Parameter};
use crate::ffi::{self, Arg, ArgSpec};
use crate::pipelines::bayer::{
    CfaPattern, Coverage, DemosaicAlgorithm, OutputLayout, pick_archive, shipped_archives, to_array,
};
use crate::pipelines::with_buffers;

/// How linear values are encoded in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Transfer {
    /// No curve: output values are proportional to light (for editing,
    /// further processing, HDR merging).
    #[default]
    Linear,
    /// The sRGB curve of IEC 61966-2-1 (linear below 0.0031308, a 1/2.4
    /// power above): for display and for 8-bit files.
    Srgb,
}

/// What turns a sensor's mosaic into a picture: the parameters of [`develop`].
///
/// Built with [`RawParams::new`] and its setters; the defaults develop a
/// full-range 16-bit mosaic as it is (black 0, white 65535, gains 1, no
/// matrix, linear output). Values are checked by [`develop`], which names the
/// parameter that is out of its domain.
///
/// ```
/// use halide_pipelines::{RawParams, Transfer};
/// let params = RawParams::new()
///     .with_black_levels([64, 64, 64, 64])
///     .with_white_level(4095)
///     .with_white_balance([2.1, 1.0, 1.6])
///     .with_transfer(Transfer::Srgb);
/// assert_eq!(params.white_level(), 4095);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawParams {
    black_levels: [u16; 4],
    white_level: u16,
    white_balance: [f32; 3],
    color_matrix: Option<[[f32; 3]; 3]>,
    transfer: Transfer,
}

impl Default for RawParams {
    fn default() -> Self {
        RawParams {
            black_levels: [0; 4],
            white_level: u16::MAX,
            white_balance: [1.0; 3],
            color_matrix: None,
            transfer: Transfer::Linear,
        }
    }
}

impl RawParams {
    /// The defaults: black 0, white 65535, gains 1, no matrix, [`Transfer::Linear`].
    #[must_use]
    pub fn new() -> Self {
        RawParams::default()
    }

    /// The black level of each site of the frame's top-left 2×2 tile, in
    /// raster order: `[row 0 col 0, row 0 col 1, row 1 col 0, row 1 col 1]`
    /// (as DNG's `BlackLevel` with a 2×2 repeat, and rawloader's `blacklevels`
    /// for an RGGB crop). They follow the frame, not the colours: a frame
    /// cropped by one row swaps the rows.
    #[must_use]
    pub fn with_black_levels(mut self, levels: [u16; 4]) -> Self {
        self.black_levels = levels;
        self
    }

    /// The sensor's saturation value, above every black level: 1023, 4095,
    /// 16383 for 10-, 12- and 14-bit data in `u16`. It becomes the output's
    /// full scale (255 or 65535), and samples above it clip.
    #[must_use]
    pub fn with_white_level(mut self, level: u16) -> Self {
        self.white_level = level;
        self
    }

    /// Gains for R, G and B, applied to each site's colour after the black
    /// and white levels and before the demosaic. Highlights clip after white
    /// balance: a sample whose gained value exceeds white is white.
    #[must_use]
    pub fn with_white_balance(mut self, gains: [f32; 3]) -> Self {
        self.white_balance = gains;
        self
    }

    /// A 3×3 matrix applied to the linear RGB after the demosaic (for example
    /// camera RGB to linear sRGB): output channel `i` is `Σ_j matrix[i][j] ·
    /// rgb[j]`, then clipped to [0, 1].
    #[must_use]
    pub fn with_color_matrix(mut self, matrix: [[f32; 3]; 3]) -> Self {
        self.color_matrix = Some(matrix);
        self
    }

    /// Removes the matrix set with [`RawParams::with_color_matrix`].
    #[must_use]
    pub fn without_color_matrix(mut self) -> Self {
        self.color_matrix = None;
        self
    }

    /// How the output encodes light: [`Transfer::Linear`] (the default) or [`Transfer::Srgb`].
    #[must_use]
    pub fn with_transfer(mut self, transfer: Transfer) -> Self {
        self.transfer = transfer;
        self
    }

    /// The black levels, in the frame's raster order.
    #[must_use]
    pub fn black_levels(&self) -> [u16; 4] {
        self.black_levels
    }

    /// The white level.
    #[must_use]
    pub fn white_level(&self) -> u16 {
        self.white_level
    }

    /// The R, G, B gains.
    #[must_use]
    pub fn white_balance(&self) -> [f32; 3] {
        self.white_balance
    }

    /// The colour matrix, if one is set.
    #[must_use]
    pub fn color_matrix(&self) -> Option<[[f32; 3]; 3]> {
        self.color_matrix
    }

    /// The transfer curve.
    #[must_use]
    pub fn transfer(&self) -> Transfer {
        self.transfer
    }

    /// Every value in its domain, or the first that is not.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        for (site, &black) in self.black_levels.iter().enumerate() {
            if self.white_level <= black {
                return Err(Error::BadParameter {
                    parameter: Parameter::WhiteLevel,
                    problem: format!(
                        "{} must be above every black level, but black_levels[{site}] is {black}",
                        self.white_level
                    ),
                });
            }
        }
        for (channel, &gain) in self.white_balance.iter().enumerate() {
            if !gain.is_finite() || gain < 0.0 {
                return Err(Error::BadParameter {
                    parameter: Parameter::WhiteBalance(channel),
                    problem: format!("{gain} is not a gain: expected a finite number >= 0"),
                });
            }
        }
        if let Some(matrix) = &self.color_matrix {
            for (row, values) in matrix.iter().enumerate() {
                for (column, &value) in values.iter().enumerate() {
                    if !value.is_finite() {
                        return Err(Error::BadParameter {
                            parameter: Parameter::ColorMatrix(row, column),
                            problem: format!("{value}: expected a finite number"),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Per site of the frame's 2×2 tile (`[row][column]`): the black level,
    /// and the scale that maps black..white to 0..1 times the site's gain.
    fn site_levels(&self, pattern: CfaPattern) -> (Array2<f32>, Array2<f32>) {
        let (red_row, red_column) = pattern.red_position();
        let black = Array2::from_shape_fn((2, 2), |(row, column)| f32::from(self.black_levels[2 * row + column]));
        let scale = Array2::from_shape_fn((2, 2), |(row, column)| {
            let channel = match (row == red_row, column == red_column) {
                (true, true) => 0,
                (false, false) => 2,
                _ => 1,
            };
            let range = f64::from(self.white_level) - f64::from(self.black_levels[2 * row + column]);
            (f64::from(self.white_balance[channel]) / range) as f32
        });
        (black, scale)
    }

    /// The matrix as the pipeline reads it: the identity when none is set.
    fn matrix(&self) -> Array2<f32> {
        let matrix = self
            .color_matrix
            .unwrap_or([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
        Array2::from_shape_fn((3, 3), |(row, column)| matrix[row][column])
    }
}

/// An output sample type of [`develop`]: `u8` (display, 8-bit files) and
/// `u16` (editing).
pub trait DevelopOutput: Element + sealed::Sealed {}
impl DevelopOutput for u8 {}
impl DevelopOutput for u16 {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
}

/// The arguments every develop archive takes, after the user context.
const fn signature<T: Element>() -> [ArgSpec; 8] {
    [
        ArgSpec::input::<u16>("input", 2),
        ArgSpec::scalar::<i32>("red_x"),
        ArgSpec::scalar::<i32>("red_y"),
        ArgSpec::input::<f32>("black", 2),
        ArgSpec::input::<f32>("scale", 2),
        ArgSpec::input::<f32>("matrix", 2),
        ArgSpec::scalar::<i32>("transfer"),
        ArgSpec::output::<T>("output", 3),
    ]
}

// Every develop archive of the manifest: interleaved and any layout (planar
// output takes the `any` one); MLRI's for any layout only.
halide_pipelines_sys::shipped_develop_pipelines!(shipped_archives!(fn shipped, signature signature;));

/// Develops the raw Bayer frame `input` (shape `(H, W)`, `u16` samples of any
/// bit depth up to 16) into the RGB image `output` (shape `(H, W, 3)`, `u8`
/// or `u16`), in one pass over memory.
///
/// In this order, per sample (the arithmetic is float32 or exact fixed point
/// inside; the result is within 1 of a float64 computation):
/// 1. subtract the site's black level and divide by `white − black`;
/// 2. multiply by the white-balance gain of the site's colour and clip to
///    [0, 1] (highlights clip after white balance);
/// 3. demosaic with `algorithm`, in that linear domain;
/// 4. apply the colour matrix if one is set, and clip to [0, 1];
/// 5. apply the transfer ([`Transfer::Linear`] or [`Transfer::Srgb`]);
/// 6. round to the output type's full scale (255 or 65535).
///
/// Inputs and outputs are as for [`demosaic`](crate::demosaic): arrays, views
/// or [`Buffer`] / [`BufferMut`], any output layout (interleaved is the fast
/// path). Errors name the argument (`input`, `output`) or the parameter.
///
/// ```
/// use halide_pipelines::{develop, CfaPattern, DemosaicAlgorithm, RawParams, Transfer};
/// // A 12-bit frame, black level 64, lit at 1/4 of the range after black.
/// let raw = ndarray::Array2::<u16>::from_elem((4, 6), 64 + 1008);
/// let mut rgb = ndarray::Array3::<u8>::zeros((4, 6, 3));
/// let params = RawParams::new().with_black_levels([64; 4]).with_white_level(4095).with_transfer(Transfer::Srgb);
/// develop(&raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007, &params)?;
/// // sRGB of a quarter of full scale is 0.537: 137 of 255.
/// assert!(rgb.iter().all(|&v| v == 137));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn develop<T: DevelopOutput>(
    input: &impl InputBuffer<u16, 2>,
    output: &mut impl OutputBuffer<T, 3>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
) -> Result<(), Error> {
    params.validate()?;
    with_buffers(input, output, |input, output| {
        develop_buffers(input, output, Coverage::Frame, pattern, algorithm, params)
    })
}

/// Develops one region of the raw frame `input` (shape `(H, W)`): `output`
/// (shape `(h, w, 3)`) receives exactly the pixels `[origin[0] .. origin[0] +
/// h) × [origin[1] .. origin[1] + w)` of what [`develop`] computes for the
/// whole frame, bit for bit, reading only the input the region needs. As
/// [`demosaic_region`](crate::demosaic_region): `pattern` is the whole frame's,
/// a region outside the frame is [`Error::BadShape`] naming `output`.
///
/// ```
/// use halide_pipelines::{develop, develop_region, CfaPattern, DemosaicAlgorithm, RawParams};
/// use ndarray::{s, Array2, Array3};
/// let raw = Array2::<u16>::from_shape_fn((40, 60), |(r, c)| ((r * 53 + c * 29) % 1024) as u16);
/// let params = RawParams::new().with_white_level(1023);
/// let mut whole = Array3::<u8>::zeros((40, 60, 3));
/// develop(&raw, &mut whole, CfaPattern::Rggb, DemosaicAlgorithm::Malvar2004, &params)?;
/// let mut tile = Array3::<u8>::zeros((10, 15, 3));
/// develop_region(&raw, &mut tile, [30, 45], CfaPattern::Rggb, DemosaicAlgorithm::Malvar2004, &params)?;
/// assert_eq!(tile, whole.slice(s![30.., 45.., ..]));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn develop_region<T: DevelopOutput>(
    input: &impl InputBuffer<u16, 2>,
    output: &mut impl OutputBuffer<T, 3>,
    origin: [usize; 2],
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
) -> Result<(), Error> {
    params.validate()?;
    with_buffers(input, output, |input, output| {
        develop_buffers(input, output, Coverage::Region(origin), pattern, algorithm, params)
    })
}

pub(crate) fn develop_buffers<T: DevelopOutput>(
    input: &Buffer<'_, u16, 2>,
    output: &mut BufferMut<'_, T, 3>,
    coverage: Coverage,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
) -> Result<(), Error> {
    if !coverage.check(input.shape(), output.shape())? {
        return Ok(());
    }
    let pipeline = pick_archive::<T>("develop", shipped, algorithm, OutputLayout::of(output.strides()))?;
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
                coverage.output_arg(output),
            ],
        )
    })
}

/// Calls `call` with what every develop archive takes between its input and
/// its output: `red_x`, `red_y`, `black`, `scale`, `matrix`, `transfer`.
pub(crate) fn with_develop_args(
    params: &RawParams,
    pattern: CfaPattern,
    call: impl FnOnce([Arg<'_>; 6]) -> Result<(), Error>,
) -> Result<(), Error> {
    let (black, scale) = params.site_levels(pattern);
    let matrix = params.matrix();
    let black = Buffer::try_from(black.view())?;
    let scale = Buffer::try_from(scale.view())?;
    let matrix = Buffer::try_from(matrix.view())?;
    let (red_row, red_column) = pattern.red_position();
    let transfer = match params.transfer {
        Transfer::Linear => 0,
        Transfer::Srgb => 1,
    };
    call([
        Arg::I32(red_column as i32),
        Arg::I32(red_row as i32),
        black.arg(),
        scale.arg(),
        matrix.arg(),
        Arg::I32(transfer),
    ])
}

/// [`develop`] into a new interleaved `(H, W, 3)` array of `T` (`u8` or
/// `u16`: name it, `develop_to_array::<u8>(..)`). Errors call `raw` `input`.
///
/// ```
/// use halide_pipelines::{develop_to_array, CfaPattern, DemosaicAlgorithm, RawParams};
/// let raw = ndarray::Array2::<u16>::from_elem((6, 8), 1023);
/// let params = RawParams::new().with_white_level(1023);
/// let rgb = develop_to_array::<u16>(&raw, CfaPattern::Gbrg, DemosaicAlgorithm::Bilinear, &params)?;
/// assert!(rgb.iter().all(|&v| v == u16::MAX));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn develop_to_array<T: DevelopOutput>(
    raw: impl InputBuffer<u16, 2>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
) -> Result<Array3<T>, Error> {
    to_array(raw, |input, rgb| develop(input, rgb, pattern, algorithm, params))
}
