//! What the Bayer pipelines (`demosaic`, `develop`) share: the CFA pattern,
//! the algorithms, the output layouts, the frame checks, and the tables of
//! shipped archives, built from the generators' manifest.

use std::fmt;
use std::str::FromStr;

use ndarray::Array3;

use crate::buffer::{Buffer, BufferMut, InputBuffer};
use crate::element::{Element, HalideType};
use crate::error::{ArgumentName, Error, ExpectedExtent};
use crate::ffi::{Arg, Pipeline};

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
    /// is far above Menon2007's. The slowest: 8–15× Menon2007's time (12 MP, BENCHMARKS.md).
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
}

/// The output layouts a pipeline can be specialised for (Halide knows the
/// strides at compile time and writes whole vectors). The manifest's `layout`
/// values, capitalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputLayout {
    /// Rows of RGB triples: channel stride 1, column stride 3.
    Interleaved,
    /// Each channel a plane of dense rows: column stride 1.
    Planar,
    /// Anything else (transposed, reversed, ...): correct, slower stores.
    Any,
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

/// The shapes every Bayer pipeline accepts: an input frame of at least 2×2
/// and an `(H, W, 3)` output of the input's height and width.
pub(crate) fn check_frame_shapes(input: [usize; 2], output: [usize; 3]) -> Result<(), Error> {
    check_mosaic(input)?;
    check_rgb_of(output, "input", input)
}

/// An `(H, W, 3)` output of the height and width of `frame`, the argument
/// named `of` (`input`, or a packed `frame`).
pub(crate) fn check_rgb_of(output: [usize; 3], of: ArgumentName, frame: [usize; 2]) -> Result<(), Error> {
    for (axis, extent) in frame.into_iter().enumerate() {
        if output[axis] != extent {
            return Err(Error::BadShape {
                argument: "output",
                axis,
                actual: output[axis],
                expected: ExpectedExtent::SameAs {
                    argument: of,
                    axis,
                    extent,
                },
            });
        }
    }
    check_channels(output[2])
}

/// Which part of the frame a Bayer pipeline's output covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    /// The whole frame: the output is the input's size.
    Frame,
    /// The region of the frame starting at `[row, column]`, the output's size.
    Region([usize; 2]),
}

impl Coverage {
    /// Checks the shapes for this coverage ([`check_frame_shapes`] or
    /// [`check_region_shapes`]); `Ok(false)` for a region with no pixels (there
    /// is nothing to compute).
    pub(crate) fn check(self, input: [usize; 2], output: [usize; 3]) -> Result<bool, Error> {
        match self {
            Coverage::Frame => check_frame_shapes(input, output).map(|()| true),
            Coverage::Region(origin) => {
                check_region_shapes(input, output, origin)?;
                Ok(output[0] > 0 && output[1] > 0)
            }
        }
    }

    /// The output as the call's argument: for a region, with Halide's min
    /// coordinates at the region's origin in the frame.
    pub(crate) fn output_arg<'c, T: Element>(self, output: &'c mut BufferMut<'_, T, 3>) -> Arg<'c> {
        match self {
            Coverage::Frame => output.arg(),
            Coverage::Region([row, column]) => output.region_arg([row, column, 0]),
        }
    }
}

/// The shapes a region call accepts: an input frame of at least 2×2, and an
/// `(h, w, 3)` output whose rows and columns, starting at `origin` (`[row,
/// column]`), lie inside the frame. Empty regions are valid.
pub(crate) fn check_region_shapes(input: [usize; 2], output: [usize; 3], origin: [usize; 2]) -> Result<(), Error> {
    check_mosaic(input)?;
    for axis in 0..2 {
        if origin[axis]
            .checked_add(output[axis])
            .is_none_or(|end| end > input[axis])
        {
            return Err(Error::BadShape {
                argument: "output",
                axis,
                actual: output[axis],
                expected: ExpectedExtent::InsideFrame {
                    origin: origin[axis],
                    frame: input[axis],
                },
            });
        }
    }
    check_channels(output[2])
}

/// A Bayer mosaic must be at least 2×2 (one whole CFA cell).
fn check_mosaic(input: [usize; 2]) -> Result<(), Error> {
    for (axis, extent) in input.into_iter().enumerate() {
        if extent < 2 {
            return Err(Error::BadShape {
                argument: "input",
                axis,
                actual: extent,
                expected: ExpectedExtent::AtLeast(2),
            });
        }
    }
    Ok(())
}

/// An RGB output has exactly 3 channels on its last axis.
pub(crate) fn check_channels(channels: usize) -> Result<(), Error> {
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

/// The shipped archive for a sample type, algorithm and layout, or the one for
/// any layout when the manifest ships none specialised for `layout` (MLRI;
/// develop's planar output). `lookup` is a table built by
/// [`shipped_archives!`] from the manifest.
pub(crate) fn pick_archive<T: Element>(
    family: &'static str,
    lookup: fn(HalideType, DemosaicAlgorithm, OutputLayout) -> Option<&'static Pipeline>,
    algorithm: DemosaicAlgorithm,
    layout: OutputLayout,
) -> Result<&'static Pipeline, Error> {
    lookup(T::HALIDE_TYPE, algorithm, layout)
        .or_else(|| lookup(T::HALIDE_TYPE, algorithm, OutputLayout::Any))
        .ok_or_else(|| Error::PipelineMismatch {
            pipeline: family,
            detail: format!(
                "no shipped archive for {algorithm:?} with {} samples (generators/pipelines.toml)",
                T::HALIDE_TYPE
            ),
        })
}

/// `fn $name(sample, algorithm, layout) -> Option<&'static Pipeline>` from the
/// entries of a generated `halide_pipelines_sys::shipped_<generator>_pipelines!`
/// (every shipped archive of one generator, from the manifest). Each entry is a
/// `static` [`Pipeline`] whose wrapper signature `$signature::<output type>()`
/// is checked at compile time against the generator's arguments.
macro_rules! shipped_archives {
    (
        fn $name:ident, signature $signature:ident;
        $( $function:ident {
            algorithm: $algorithm:ident,
            input_type: $input:ty,
            layout: $layout:ident,
            output_type: $output:ty,
            argv: $argv:ident,
            metadata: $metadata:ident,
            arguments: $arguments:ident
        } ),* $(,)?
    ) => {
        fn $name(
            sample: $crate::element::HalideType,
            algorithm: $crate::pipelines::bayer::DemosaicAlgorithm,
            layout: $crate::pipelines::bayer::OutputLayout,
        ) -> Option<&'static $crate::ffi::Pipeline> {
            $(
                if sample == <$output as $crate::element::Element>::HALIDE_TYPE
                    && algorithm == $crate::pipelines::bayer::DemosaicAlgorithm::$algorithm
                    && layout == $crate::pipelines::bayer::OutputLayout::$layout
                {
                    static PIPELINE: $crate::ffi::Pipeline = $crate::ffi::Pipeline::shipped(
                        stringify!($function),
                        halide_pipelines_sys::$argv,
                        halide_pipelines_sys::$metadata,
                        &$signature::<$output>(),
                        halide_pipelines_sys::$arguments,
                    );
                    return Some(&PIPELINE);
                }
            )*
            None
        }
    };
}
pub(crate) use shipped_archives;

/// Runs a Bayer pipeline into a new interleaved `(H, W, 3)` array of `T`, the
/// size of `raw`: what `demosaic_to_array` and `develop_to_array` share.
pub(crate) fn to_array<TI: Element, T: Element>(
    raw: impl InputBuffer<TI, 2>,
    run: impl FnOnce(&Buffer<'_, TI, 2>, &mut Array3<T>) -> Result<(), Error>,
) -> Result<Array3<T>, Error> {
    raw.with_buffer("input", |input| {
        let [height, width] = input.shape();
        let mut rgb = Array3::from_elem((height, width, 3), T::default());
        run(input, &mut rgb)?;
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
