//! Bayer demosaicing: a raw mosaic `(H, W)` to an RGB image `(H, W, 3)`.

use std::fmt;
use std::str::FromStr;

use crate::buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
use crate::element::Element;
use crate::error::{Error, ExpectedExtent};
use crate::ffi::{self, Arg, ArgSpec, Pipeline};
use crate::pipelines::with_buffers;
use ndarray::Array3;

/// The 2×2 colour filter tile at the top-left corner of the raw frame, read
/// row by row (`Rggb`: red at `[0, 0]`, blue at `[1, 1]`).
///
/// Its text form is the tile's colours in lower case (`"rggb"`): [`Display`]
/// writes it, [`FromStr`] reads it in any case (`"RGGB"` too).
///
/// ```
/// use halide_pipelines::CfaPattern;
/// let pattern: CfaPattern = "RGGB".parse()?;
/// assert_eq!(pattern, CfaPattern::Rggb);
/// assert_eq!(pattern.to_string(), "rggb");
/// // A crop that starts one column in sees the tile G R / B G:
/// assert_eq!(pattern.shifted(0, 1), CfaPattern::Grbg);
/// # Ok::<(), halide_pipelines::ParseCfaPatternError>(())
/// ```
///
/// [`Display`]: fmt::Display
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
    /// Every pattern.
    pub const ALL: &'static [CfaPattern] = &[CfaPattern::Rggb, CfaPattern::Bggr, CfaPattern::Grbg, CfaPattern::Gbrg];

    /// `(row, column)` of the red sample inside the 2×2 tile.
    #[must_use]
    pub fn red_position(self) -> (usize, usize) {
        match self {
            CfaPattern::Rggb => (0, 0),
            CfaPattern::Grbg => (0, 1),
            CfaPattern::Gbrg => (1, 0),
            CfaPattern::Bggr => (1, 1),
        }
    }

    /// The pattern of a crop of the frame that starts at `(row_offset,
    /// col_offset)`: each odd offset moves the red sample to the other row or
    /// column of the tile, even offsets change nothing.
    ///
    /// ```
    /// use halide_pipelines::{demosaic_to_array, CfaPattern, DemosaicAlgorithm};
    /// let raw = ndarray::Array2::<u16>::zeros((6, 8)); // an RGGB frame
    /// let crop = raw.slice(ndarray::s![1.., 1..]);     // one row and one column in
    /// let pattern = CfaPattern::Rggb.shifted(1, 1);
    /// assert_eq!(pattern, CfaPattern::Bggr);
    /// let rgb = demosaic_to_array(crop, pattern, DemosaicAlgorithm::Bilinear)?;
    /// # assert_eq!(rgb.dim(), (5, 7, 3));
    /// # Ok::<(), halide_pipelines::Error>(())
    /// ```
    #[must_use]
    pub fn shifted(self, row_offset: usize, col_offset: usize) -> CfaPattern {
        let (red_row, red_col) = self.red_position();
        // The crop's sample (i, j) is the frame's (i + row_offset, j +
        // col_offset): red where i + row_offset == red_row (mod 2).
        match ((red_row + row_offset) % 2, (red_col + col_offset) % 2) {
            (0, 0) => CfaPattern::Rggb,
            (0, _) => CfaPattern::Grbg,
            (_, 0) => CfaPattern::Gbrg,
            _ => CfaPattern::Bggr,
        }
    }

    /// The tile's colours, row by row, in lower case: `"rggb"`.
    fn name(self) -> &'static str {
        match self {
            CfaPattern::Rggb => "rggb",
            CfaPattern::Bggr => "bggr",
            CfaPattern::Grbg => "grbg",
            CfaPattern::Gbrg => "gbrg",
        }
    }
}

impl fmt::Display for CfaPattern {
    /// The tile's colours, row by row, in lower case: `rggb`, `bggr`, `grbg`, `gbrg`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl FromStr for CfaPattern {
    type Err = ParseCfaPatternError;

    /// Reads a pattern's name in any case: `"rggb"`, `"RGGB"`, `"Rggb"`, ...
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CfaPattern::ALL
            .iter()
            .copied()
            .find(|pattern| pattern.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| ParseCfaPatternError { text: text.to_owned() })
    }
}

/// A string that names no [`CfaPattern`]; its message lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseCfaPatternError {
    text: String,
}

impl fmt::Display for ParseCfaPatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown CFA pattern {:?}: expected ", self.text)?;
        for (index, pattern) in CfaPattern::ALL.iter().enumerate() {
            let separator = match index {
                0 => "",
                _ if index + 1 == CfaPattern::ALL.len() => " or ",
                _ => ", ",
            };
            write!(f, "{separator}{pattern}")?;
        }
        write!(f, " (in any case)")
    }
}

impl std::error::Error for ParseCfaPatternError {}

/// How missing colour samples are interpolated. Names and results follow the
/// Python package `colour-demosaicing`, so results compare like with like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DemosaicAlgorithm {
    /// Bilinear interpolation of each colour plane
    /// (`demosaicing_CFA_Bayer_bilinear`). The fastest, and the softest.
    Bilinear,
    /// Malvar, He and Cutler (2004): bilinear plus a gradient correction from
    /// the other colours (`demosaicing_CFA_Bayer_Malvar2004`). Linear, fast,
    /// about 3.4 dB better than bilinear.
    Malvar2004,
    /// Menon, Andriani and Calvagno (2007): directional filtering with an a
    /// posteriori decision, with the refining step
    /// (`demosaicing_CFA_Bayer_Menon2007`).
    Menon2007,
    /// Minimized-Laplacian residual interpolation: Kiku, Monno, Tanaka,
    /// Okutomi, "Minimized-Laplacian residual interpolation for color image
    /// demosaicking", IS&T/SPIE Electronic Imaging 2014 (float32). Green from
    /// horizontal and vertical guided-filter regressions whose residuals are
    /// interpolated linearly (windows of 17 × 3 pixels, eps 1000 in 8-bit
    /// units squared, scaled by (peak / 255)² for u16), blended with GBTF's
    /// gradient weights (one-sided reach 2, Gaussian sigma 2, gradient windows
    /// of 4 × 3); red and blue by residual interpolation guided by green
    /// (11 × 11 windows, eps 1000). Constants chosen on scikit-image photos,
    /// not in colour-demosaicing (no such function there): checked against a
    /// float64 NumPy implementation (`generators/quality/mlri.py`). The best
    /// PSNR here on photos (about +1.3 dB over Menon2007), but weak near
    /// Nyquist: on a zone plate its false colour at 0.4–0.5 cycles per pixel
    /// is far above Menon2007's. The slowest: about 7× Menon2007.
    Mlri,
}

impl DemosaicAlgorithm {
    /// Every algorithm, fastest first. A slice: it grows when an algorithm is added.
    pub const ALL: &'static [DemosaicAlgorithm] = &[
        DemosaicAlgorithm::Bilinear,
        DemosaicAlgorithm::Malvar2004,
        DemosaicAlgorithm::Menon2007,
        DemosaicAlgorithm::Mlri,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            DemosaicAlgorithm::Bilinear => 0,
            DemosaicAlgorithm::Malvar2004 => 1,
            DemosaicAlgorithm::Menon2007 => 2,
            DemosaicAlgorithm::Mlri => 3,
        }
    }
}

/// The output layouts with a pipeline of their own (Halide knows the strides
/// at compile time and writes whole vectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputLayout {
    /// Rows of RGB triples: channel stride 1, column stride 3.
    Interleaved = 0,
    /// Each channel a plane of dense rows: column stride 1.
    Planar = 1,
    /// Anything else (transposed, reversed, ...): correct, slower stores.
    Any = 2,
}

impl OutputLayout {
    pub(crate) fn of(strides: [isize; 3]) -> Self {
        match strides {
            [_, 3, 1] => OutputLayout::Interleaved,
            [_, 1, _] => OutputLayout::Planar,
            _ => OutputLayout::Any,
        }
    }
}

/// A sample type the demosaic pipelines are built for: `u8` and `u16`.
pub trait DemosaicSample: Element + sealed::Pipelines {}
impl DemosaicSample for u8 {}
impl DemosaicSample for u16 {}

mod sealed {
    use super::*;

    /// Picks the archive built for a sample type, algorithm and layout
    /// (`OutputLayout as usize`).
    pub trait Pipelines {
        fn pipeline(algorithm: DemosaicAlgorithm, layout: usize) -> &'static Pipeline;
    }

    impl Pipelines for u8 {
        fn pipeline(algorithm: DemosaicAlgorithm, layout: usize) -> &'static Pipeline {
            pick_archive(&U8, &MLRI_U8, algorithm, layout)
        }
    }

    impl Pipelines for u16 {
        fn pipeline(algorithm: DemosaicAlgorithm, layout: usize) -> &'static Pipeline {
            pick_archive(&U16, &MLRI_U16, algorithm, layout)
        }
    }
}

/// The archive for `algorithm` and layout index `layout`, of demosaic or
/// develop: Mlri has one archive for every layout (`mlri`), the others a row
/// of `table` each, in the order of [`DemosaicAlgorithm::index`].
pub(crate) fn pick_archive<const LAYOUTS: usize>(
    table: &'static [[Pipeline; LAYOUTS]; 3],
    mlri: &'static Pipeline,
    algorithm: DemosaicAlgorithm,
    layout: usize,
) -> &'static Pipeline {
    match algorithm {
        DemosaicAlgorithm::Mlri => mlri,
        _ => &table[algorithm.index()][layout],
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

macro_rules! pipeline {
    ($sample:ty, $function:ident, $argv:ident, $metadata:ident, $arguments:ident) => {
        Pipeline::shipped(
            stringify!($function),
            halide_pipelines_sys::$argv,
            halide_pipelines_sys::$metadata,
            &signature::<$sample>(),
            halide_pipelines_sys::$arguments,
        )
    };
}

/// MLRI ships one archive per sample type, for every layout: its output is
/// copied from a stage of its own, and the copy into any layout cost it 1%
/// (the other algorithms' `any` archives are 10-20% slower than their
/// specialized ones), so the specialized archives were 1.6 MB per x86 target
/// for nothing.
static MLRI_U8: Pipeline = pipeline!(
    u8,
    demosaic_mlri_u8_any,
    demosaic_mlri_u8_any_argv,
    demosaic_mlri_u8_any_metadata,
    DEMOSAIC_MLRI_U8_ANY_ARGUMENTS
);
static MLRI_U16: Pipeline = pipeline!(
    u16,
    demosaic_mlri_u16_any,
    demosaic_mlri_u16_any_argv,
    demosaic_mlri_u16_any_metadata,
    DEMOSAIC_MLRI_U16_ANY_ARGUMENTS
);

/// `[algorithm][layout]`, in the order of `DemosaicAlgorithm::index` (Mlri apart) and `OutputLayout`.
static U8: [[Pipeline; 3]; 3] = [
    [
        pipeline!(
            u8,
            demosaic_bilinear_u8_interleaved,
            demosaic_bilinear_u8_interleaved_argv,
            demosaic_bilinear_u8_interleaved_metadata,
            DEMOSAIC_BILINEAR_U8_INTERLEAVED_ARGUMENTS
        ),
        pipeline!(
            u8,
            demosaic_bilinear_u8_planar,
            demosaic_bilinear_u8_planar_argv,
            demosaic_bilinear_u8_planar_metadata,
            DEMOSAIC_BILINEAR_U8_PLANAR_ARGUMENTS
        ),
        pipeline!(
            u8,
            demosaic_bilinear_u8_any,
            demosaic_bilinear_u8_any_argv,
            demosaic_bilinear_u8_any_metadata,
            DEMOSAIC_BILINEAR_U8_ANY_ARGUMENTS
        ),
    ],
    [
        pipeline!(
            u8,
            demosaic_malvar2004_u8_interleaved,
            demosaic_malvar2004_u8_interleaved_argv,
            demosaic_malvar2004_u8_interleaved_metadata,
            DEMOSAIC_MALVAR2004_U8_INTERLEAVED_ARGUMENTS
        ),
        pipeline!(
            u8,
            demosaic_malvar2004_u8_planar,
            demosaic_malvar2004_u8_planar_argv,
            demosaic_malvar2004_u8_planar_metadata,
            DEMOSAIC_MALVAR2004_U8_PLANAR_ARGUMENTS
        ),
        pipeline!(
            u8,
            demosaic_malvar2004_u8_any,
            demosaic_malvar2004_u8_any_argv,
            demosaic_malvar2004_u8_any_metadata,
            DEMOSAIC_MALVAR2004_U8_ANY_ARGUMENTS
        ),
    ],
    [
        pipeline!(
            u8,
            demosaic_menon2007_u8_interleaved,
            demosaic_menon2007_u8_interleaved_argv,
            demosaic_menon2007_u8_interleaved_metadata,
            DEMOSAIC_MENON2007_U8_INTERLEAVED_ARGUMENTS
        ),
        pipeline!(
            u8,
            demosaic_menon2007_u8_planar,
            demosaic_menon2007_u8_planar_argv,
            demosaic_menon2007_u8_planar_metadata,
            DEMOSAIC_MENON2007_U8_PLANAR_ARGUMENTS
        ),
        pipeline!(
            u8,
            demosaic_menon2007_u8_any,
            demosaic_menon2007_u8_any_argv,
            demosaic_menon2007_u8_any_metadata,
            DEMOSAIC_MENON2007_U8_ANY_ARGUMENTS
        ),
    ],
];
static U16: [[Pipeline; 3]; 3] = [
    [
        pipeline!(
            u16,
            demosaic_bilinear_u16_interleaved,
            demosaic_bilinear_u16_interleaved_argv,
            demosaic_bilinear_u16_interleaved_metadata,
            DEMOSAIC_BILINEAR_U16_INTERLEAVED_ARGUMENTS
        ),
        pipeline!(
            u16,
            demosaic_bilinear_u16_planar,
            demosaic_bilinear_u16_planar_argv,
            demosaic_bilinear_u16_planar_metadata,
            DEMOSAIC_BILINEAR_U16_PLANAR_ARGUMENTS
        ),
        pipeline!(
            u16,
            demosaic_bilinear_u16_any,
            demosaic_bilinear_u16_any_argv,
            demosaic_bilinear_u16_any_metadata,
            DEMOSAIC_BILINEAR_U16_ANY_ARGUMENTS
        ),
    ],
    [
        pipeline!(
            u16,
            demosaic_malvar2004_u16_interleaved,
            demosaic_malvar2004_u16_interleaved_argv,
            demosaic_malvar2004_u16_interleaved_metadata,
            DEMOSAIC_MALVAR2004_U16_INTERLEAVED_ARGUMENTS
        ),
        pipeline!(
            u16,
            demosaic_malvar2004_u16_planar,
            demosaic_malvar2004_u16_planar_argv,
            demosaic_malvar2004_u16_planar_metadata,
            DEMOSAIC_MALVAR2004_U16_PLANAR_ARGUMENTS
        ),
        pipeline!(
            u16,
            demosaic_malvar2004_u16_any,
            demosaic_malvar2004_u16_any_argv,
            demosaic_malvar2004_u16_any_metadata,
            DEMOSAIC_MALVAR2004_U16_ANY_ARGUMENTS
        ),
    ],
    [
        pipeline!(
            u16,
            demosaic_menon2007_u16_interleaved,
            demosaic_menon2007_u16_interleaved_argv,
            demosaic_menon2007_u16_interleaved_metadata,
            DEMOSAIC_MENON2007_U16_INTERLEAVED_ARGUMENTS
        ),
        pipeline!(
            u16,
            demosaic_menon2007_u16_planar,
            demosaic_menon2007_u16_planar_argv,
            demosaic_menon2007_u16_planar_metadata,
            DEMOSAIC_MENON2007_U16_PLANAR_ARGUMENTS
        ),
        pipeline!(
            u16,
            demosaic_menon2007_u16_any,
            demosaic_menon2007_u16_any_argv,
            demosaic_menon2007_u16_any_metadata,
            DEMOSAIC_MENON2007_U16_ANY_ARGUMENTS
        ),
    ],
];

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
        demosaic_buffers(input, output, pattern, algorithm)
    })
}

fn demosaic_buffers<T: DemosaicSample>(
    input: &Buffer<'_, T, 2>,
    output: &mut BufferMut<'_, T, 3>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error> {
    check_frame_shapes(input.shape(), output.shape())?;
    let (red_row, red_column) = pattern.red_position();
    let pipeline = T::pipeline(algorithm, OutputLayout::of(output.strides()) as usize);
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

/// The shapes every Bayer pipeline accepts: an input frame of at least 2×2
/// and an `(H, W, 3)` output of the input's height and width.
pub(crate) fn check_frame_shapes(input: [usize; 2], output: [usize; 3]) -> Result<(), Error> {
    let [height, width] = input;
    let [out_height, out_width, channels] = output;
    for (axis, extent) in [(0, height), (1, width)] {
        if extent < 2 {
            return Err(Error::BadShape {
                argument: "input",
                axis,
                actual: extent,
                expected: ExpectedExtent::AtLeast(2),
            });
        }
    }
    for (axis, actual, expected) in [(0, out_height, height), (1, out_width, width)] {
        if actual != expected {
            return Err(Error::BadShape {
                argument: "output",
                axis,
                actual,
                expected: ExpectedExtent::SameAs {
                    argument: "input",
                    axis,
                    extent: expected,
                },
            });
        }
    }
    if channels != 3 {
        return Err(Error::BadShape {
            argument: "output",
            axis: 2,
            actual: channels,
            expected: ExpectedExtent::Exactly(3),
        });
    }
    Ok(())
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
    raw.with_buffer("input", |input| {
        let [height, width] = input.shape();
        let mut rgb = Array3::from_elem((height, width, 3), T::default());
        demosaic(input, &mut rgb, pattern, algorithm)?;
        Ok(rgb)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_reads_back_its_own_name() {
        for &pattern in CfaPattern::ALL {
            let name = pattern.to_string();
            assert_eq!(name.parse(), Ok(pattern));
            assert_eq!(name.to_uppercase().parse(), Ok(pattern));
        }
        assert_eq!("Grbg".parse(), Ok(CfaPattern::Grbg));
        assert_eq!(format!("[{:>6}]", CfaPattern::Bggr), "[  bggr]");
    }

    #[test]
    fn unknown_pattern_names_list_the_valid_ones() {
        for text in ["", "rgb", "rggbx", " rggb", "xtrans", "RGBG"] {
            let error = text.parse::<CfaPattern>().unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("unknown CFA pattern {text:?}: expected rggb, bggr, grbg or gbrg (in any case)")
            );
        }
    }

    #[test]
    fn shifting_by_an_odd_offset_twice_is_no_shift() {
        for &pattern in CfaPattern::ALL {
            assert_eq!(pattern.shifted(1, 0).shifted(1, 0), pattern);
            assert_eq!(pattern.shifted(0, 1).shifted(0, 1), pattern);
            assert_eq!(pattern.shifted(0, 0), pattern);
            assert_eq!(pattern.shifted(2, 4), pattern);
            assert_ne!(pattern.shifted(1, 0), pattern);
            assert_ne!(pattern.shifted(0, 1), pattern);
        }
    }
}
