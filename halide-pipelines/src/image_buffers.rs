//! Demosaicing into the `image` crate's RGB buffers (feature `image`).

use image::{ImageBuffer, Pixel, Rgb};
use ndarray::{ArrayView2, ArrayViewMut3};

use crate::buffer::{Buffer, BufferMut};
use crate::error::Error;
use crate::pipelines::demosaic::{CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic};

/// Demosaics `raw` (shape `(H, W)`) into `image`, which must be `W` × `H`
/// (`image::RgbImage` for `u8`, `ImageBuffer<Rgb<u16>, Vec<u16>>` for `u16`).
/// Zero-copy: the pipeline writes the image's own interleaved samples.
///
/// ```
/// # use halide_pipelines::{CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u8>::from_elem((4, 6), 90);
/// let mut image = image::RgbImage::new(6, 4);
/// halide_pipelines::demosaic_into_image(raw.view(), &mut image, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007)?;
/// assert_eq!(image.get_pixel(5, 3).0, [90, 90, 90]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_into_image<T: DemosaicSample>(
    raw: ArrayView2<'_, T>,
    image: &mut ImageBuffer<Rgb<T>, Vec<T>>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error>
where
    Rgb<T>: Pixel<Subpixel = T>,
{
    let (width, height) = (image.width() as usize, image.height() as usize);
    for (axis, actual, expected) in [(0, raw.nrows(), height), (1, raw.ncols(), width)] {
        if actual != expected {
            let side = if axis == 0 { "height" } else { "width" };
            return Err(Error::BadShape {
                argument: "input",
                axis,
                actual,
                expected: format!("the image's {side} {expected}"),
            });
        }
    }
    // An ImageBuffer's container may be longer than its pixels (`from_raw`).
    let samples: &mut [T] = image;
    let samples = &mut samples[..height * width * 3];
    let view = ArrayViewMut3::from_shape((height, width, 3), samples).map_err(|_| Error::BadShape {
        argument: "image",
        axis: 0,
        actual: height,
        expected: format!("an image buffer holding {height} x {width} RGB pixels"),
    })?;
    demosaic(
        &Buffer::try_from(raw)?,
        &mut BufferMut::try_from(view)?,
        pattern,
        algorithm,
    )
}

/// Demosaics `raw` (shape `(H, W)`) into a new `W` × `H` RGB image.
///
/// ```
/// # use halide_pipelines::{CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u16>::from_elem((4, 6), 9000);
/// let image = halide_pipelines::demosaic_image(raw.view(), CfaPattern::Bggr, DemosaicAlgorithm::Malvar2004)?;
/// assert_eq!(image.dimensions(), (6, 4));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_image<T: DemosaicSample>(
    raw: ArrayView2<'_, T>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<ImageBuffer<Rgb<T>, Vec<T>>, Error>
where
    Rgb<T>: Pixel<Subpixel = T>,
{
    let (height, width) = raw.dim();
    let too_large = |axis, actual| Error::ExtentTooLarge {
        argument: "input",
        axis,
        extent: actual,
    };
    let mut image = ImageBuffer::new(
        u32::try_from(width).map_err(|_| too_large(1, width))?,
        u32::try_from(height).map_err(|_| too_large(0, height))?,
    );
    demosaic_into_image(raw, &mut image, pattern, algorithm)?;
    Ok(image)
}
