//! The `image` crate's buffers as pipeline arguments (feature `image`):
//! `GrayImage`-like buffers are 2-D, `RgbImage`- and `RgbaImage`-like buffers
//! `(height, width, channels)`, described to Halide in place (no copy).

use std::ops::{Deref, DerefMut};

use image::{ImageBuffer, Luma, Pixel, Rgb, Rgba};
use ndarray::{ArrayView2, ArrayView3, ArrayViewMut2, ArrayViewMut3};

use crate::buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
use crate::element::Element;
use crate::error::{ArgumentName, Error};

/// The samples of an `image` buffer's pixels: an `ImageBuffer`'s container
/// may be longer than its pixels (`ImageBuffer::from_raw`).
fn pixel_samples<P: Pixel, C: Deref<Target = [P::Subpixel]>>(
    image: &ImageBuffer<P, C>,
) -> (usize, usize, &[P::Subpixel]) {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let samples: &[P::Subpixel] = image;
    (
        height,
        width,
        &samples[..height * width * usize::from(P::CHANNEL_COUNT)],
    )
}

fn pixel_samples_mut<P: Pixel, C: DerefMut<Target = [P::Subpixel]>>(
    image: &mut ImageBuffer<P, C>,
) -> (usize, usize, &mut [P::Subpixel]) {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let samples: &mut [P::Subpixel] = image;
    (
        height,
        width,
        &mut samples[..height * width * usize::from(P::CHANNEL_COUNT)],
    )
}

/// A gray image (`GrayImage`, `ImageBuffer<Luma<u16>, _>`, ...) is a 2-D
/// `(height, width)` input: a Bayer mosaic for `demosaic` and `develop`.
///
/// ```
/// # use halide_pipelines::{demosaic, CfaPattern, DemosaicAlgorithm};
/// let raw = image::GrayImage::from_pixel(6, 4, image::Luma([90]));
/// let mut rgb = image::RgbImage::new(6, 4);
/// demosaic(&raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007)?;
/// assert_eq!(rgb.get_pixel(5, 3).0, [90, 90, 90]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
impl<T, C> InputBuffer<T, 2> for ImageBuffer<Luma<T>, C>
where
    T: Element,
    Luma<T>: Pixel<Subpixel = T>,
    C: Deref<Target = [T]>,
{
    fn with_buffer<R>(
        &self,
        argument: ArgumentName,
        f: impl FnOnce(&Buffer<'_, T, 2>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let (height, width, samples) = pixel_samples(self);
        let view = ArrayView2::from_shape((height, width), samples).expect("an image holds height × width samples");
        view.with_buffer(argument, f)
    }
}

/// A gray image as a 2-D `(height, width)` output.
impl<T, C> OutputBuffer<T, 2> for ImageBuffer<Luma<T>, C>
where
    T: Element,
    Luma<T>: Pixel<Subpixel = T>,
    C: DerefMut<Target = [T]>,
{
    fn with_buffer_mut<R>(
        &mut self,
        argument: ArgumentName,
        f: impl FnOnce(&mut BufferMut<'_, T, 2>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let (height, width, samples) = pixel_samples_mut(self);
        let mut view =
            ArrayViewMut2::from_shape((height, width), samples).expect("an image holds height × width samples");
        view.with_buffer_mut(argument, f)
    }
}

macro_rules! interleaved_images {
    ($($pixel:ident: $channels:literal),*) => {$(
        /// An interleaved colour image as a 3-D `(height, width, channels)`
        /// input, the layout `demosaic` and `develop` write fastest.
        impl<T, C> InputBuffer<T, 3> for ImageBuffer<$pixel<T>, C>
        where
            T: Element,
            $pixel<T>: Pixel<Subpixel = T>,
            C: Deref<Target = [T]>,
        {
            fn with_buffer<R>(
                &self,
                argument: ArgumentName,
                f: impl FnOnce(&Buffer<'_, T, 3>) -> Result<R, Error>,
            ) -> Result<R, Error> {
                let (height, width, samples) = pixel_samples(self);
                let view = ArrayView3::from_shape((height, width, $channels), samples)
                    .expect("an image holds height × width pixels");
                view.with_buffer(argument, f)
            }
        }

        /// An interleaved colour image as a 3-D `(height, width, channels)`
        /// output: `demosaic(&raw, &mut rgb_image, ..)` writes its samples in place.
        impl<T, C> OutputBuffer<T, 3> for ImageBuffer<$pixel<T>, C>
        where
            T: Element,
            $pixel<T>: Pixel<Subpixel = T>,
            C: DerefMut<Target = [T]>,
        {
            fn with_buffer_mut<R>(
                &mut self,
                argument: ArgumentName,
                f: impl FnOnce(&mut BufferMut<'_, T, 3>) -> Result<R, Error>,
            ) -> Result<R, Error> {
                let (height, width, samples) = pixel_samples_mut(self);
                let mut view = ArrayViewMut3::from_shape((height, width, $channels), samples)
                    .expect("an image holds height × width pixels");
                view.with_buffer_mut(argument, f)
            }
        }
    )*};
}
interleaved_images!(Rgb: 3, Rgba: 4);

#[cfg(test)]
mod tests {
    use crate::{CfaPattern, DemosaicAlgorithm, Error, ExpectedExtent, add, demosaic, demosaic_to_array};

    #[test]
    fn images_are_arguments_in_place_with_their_shapes() {
        let raw = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_fn(7, 5, |x, y| {
            image::Luma([(x * 1000 + y * 37) as u16])
        });
        let mut rgb = image::ImageBuffer::<image::Rgb<u16>, Vec<u16>>::new(7, 5);
        demosaic(&raw, &mut rgb, CfaPattern::Gbrg, DemosaicAlgorithm::Malvar2004).unwrap();
        // The same as through ndarray.
        let array = ndarray::Array2::from_shape_fn((5, 7), |(y, x)| raw.get_pixel(x as u32, y as u32).0[0]);
        let expected = demosaic_to_array(&array, CfaPattern::Gbrg, DemosaicAlgorithm::Malvar2004).unwrap();
        assert_eq!(rgb.as_raw().as_slice(), expected.as_slice().unwrap());

        // A container longer than the pixels: only the pixels are written.
        let mut long = image::RgbImage::from_raw(2, 2, vec![9u8; 2 * 2 * 3 + 5]).unwrap();
        let gray = image::GrayImage::from_pixel(2, 2, image::Luma([4]));
        demosaic(&gray, &mut long, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap();
        assert_eq!(long.as_raw()[..12], [4; 12]);
        assert_eq!(long.as_raw()[12..], [9; 5]);

        // A wrong size names the image argument and its axis.
        let mut small = image::RgbImage::new(2, 3);
        let error = demosaic(&gray, &mut small, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap_err();
        assert_eq!(
            error,
            Error::BadShape {
                argument: "output",
                axis: 0,
                actual: 3,
                expected: ExpectedExtent::SameAs {
                    argument: "input",
                    axis: 0,
                    extent: 2
                },
            }
        );

        // Gray images of f32 are 2-D f32 buffers.
        let input = image::ImageBuffer::<image::Luma<f32>, Vec<f32>>::from_pixel(3, 2, image::Luma([0.5]));
        let mut output = image::ImageBuffer::<image::Luma<f32>, Vec<f32>>::new(3, 2);
        add(&input, &mut output).unwrap();
        assert!(output.pixels().all(|pixel| pixel.0 == [1.5]));
    }
}
