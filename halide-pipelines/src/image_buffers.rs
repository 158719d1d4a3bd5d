//! Demosaicing into the `image` crate's RGB buffers (feature `image`).

use image::{ImageBuffer, Pixel, Rgb};
use ndarray::ArrayViewMut3;

use crate::buffer::{Buffer, BufferMut, InputBuffer};
use crate::error::{Error, ExpectedExtent};
use crate::pipelines::demosaic::{CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic};

/// Demosaics `raw` (shape `(H, W)`: an array, a view or a [`Buffer`]) into
/// `image`, which must be `W` × `H` (`image::RgbImage` for `u8`,
/// `ImageBuffer<Rgb<u16>, Vec<u16>>` for `u16`). Zero-copy: the pipeline
/// writes the image's own interleaved samples. Errors call `raw` `input`.
///
/// ```
/// # use halide_pipelines::{CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u8>::from_elem((4, 6), 90);
/// let mut image = image::RgbImage::new(6, 4);
/// halide_pipelines::demosaic_into_image(&raw, &mut image, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007)?;
/// assert_eq!(image.get_pixel(5, 3).0, [90, 90, 90]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_into_image<T: DemosaicSample>(
    raw: impl InputBuffer<T, 2>,
    image: &mut ImageBuffer<Rgb<T>, Vec<T>>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error>
where
    Rgb<T>: Pixel<Subpixel = T>,
{
    raw.with_buffer("input", |raw| {
        demosaic_buffer_into_image(raw, image, pattern, algorithm)
    })
}

fn demosaic_buffer_into_image<T: DemosaicSample>(
    raw: &Buffer<'_, T, 2>,
    image: &mut ImageBuffer<Rgb<T>, Vec<T>>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<(), Error>
where
    Rgb<T>: Pixel<Subpixel = T>,
{
    let (width, height) = (image.width() as usize, image.height() as usize);
    let [rows, columns] = raw.shape();
    for (axis, actual, expected) in [(0, rows, height), (1, columns, width)] {
        if actual != expected {
            return Err(Error::BadShape {
                argument: "input",
                axis,
                actual,
                expected: ExpectedExtent::SameAs {
                    argument: "image",
                    axis,
                    extent: expected,
                },
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
        expected: ExpectedExtent::Exactly(height),
    })?;
    let mut output = BufferMut::try_from(view).map_err(|error| error.for_argument("image"))?;
    demosaic(raw, &mut output, pattern, algorithm)
}

/// Demosaics `raw` (shape `(H, W)`: an array, a view or a [`Buffer`]) into a
/// new `W` × `H` RGB image. Errors call `raw` `input`.
///
/// ```
/// # use halide_pipelines::{CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u16>::from_elem((4, 6), 9000);
/// let image = halide_pipelines::demosaic_image(&raw, CfaPattern::Bggr, DemosaicAlgorithm::Malvar2004)?;
/// assert_eq!(image.dimensions(), (6, 4));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn demosaic_image<T: DemosaicSample>(
    raw: impl InputBuffer<T, 2>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<ImageBuffer<Rgb<T>, Vec<T>>, Error>
where
    Rgb<T>: Pixel<Subpixel = T>,
{
    raw.with_buffer("input", |raw| demosaic_buffer_to_image(raw, pattern, algorithm))
}

fn demosaic_buffer_to_image<T: DemosaicSample>(
    raw: &Buffer<'_, T, 2>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) -> Result<ImageBuffer<Rgb<T>, Vec<T>>, Error>
where
    Rgb<T>: Pixel<Subpixel = T>,
{
    let [height, width] = raw.shape();
    let too_large = |axis, actual| Error::ExtentTooLarge {
        argument: "input",
        axis,
        extent: actual,
    };
    let mut image = ImageBuffer::new(
        u32::try_from(width).map_err(|_| too_large(1, width))?,
        u32::try_from(height).map_err(|_| too_large(0, height))?,
    );
    demosaic_buffer_into_image(raw, &mut image, pattern, algorithm)?;
    Ok(image)
}
