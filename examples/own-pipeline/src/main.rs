//! Sharpens a photo with a Halide pipeline built from halide/unsharp.py by
//! build.rs, and checks it against a plain Rust reference:
//! `cargo run --release -- [input.png] [output.png] [amount] [threshold]`.

// No unsafe here: the generated code allows its own (the extern declarations
// and the Pipeline built from them), so this crate can deny the rest.
#![deny(unsafe_code)]

mod reference;

use ndarray::{Array3, ArrayView3};

// Defines `unsharp_u8` and `unsharp_u16`, typed from the generator.
halide_pipelines::include_pipelines!();

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let input = args.get(1).map_or("../assets/chelsea.png", String::as_str);
    let output = args.get(2).map_or("chelsea-sharpened.png", String::as_str);
    let amount: f32 = args.get(3).map_or(Ok(1.5), |a| a.parse())?;
    let threshold: f32 = args.get(4).map_or(Ok(2.0), |a| a.parse())?;

    let photo = image::open(input)?.to_rgb8();
    let (width, height) = photo.dimensions();
    let pixels = Array3::from_shape_vec((height as usize, width as usize, 3), photo.into_raw())?;
    let mut sharpened = Array3::<u8>::zeros(pixels.dim());

    let started = std::time::Instant::now();
    unsharp_u8(&pixels, amount, threshold, &mut sharpened)?;
    println!(
        "unsharp_u8 on {width}x{height}: {:.2} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    check("u8", pixels.view(), sharpened.view(), amount, threshold, 255.0);

    // The same photo in 16 bits, through the second pipeline.
    let pixels16 = pixels.mapv(|v| u16::from(v) * 257);
    let mut sharpened16 = Array3::<u16>::zeros(pixels.dim());
    unsharp_u16(&pixels16, amount, threshold * 257.0, &mut sharpened16)?;
    check(
        "u16",
        pixels16.view(),
        sharpened16.view(),
        amount,
        threshold * 257.0,
        65535.0,
    );

    // Halide checks the range the generator declared for `amount`.
    let error = unsharp_u8(&pixels, -1.0, threshold, &mut sharpened).expect_err("amount is declared in [0, 10]");
    println!("amount -1 is refused: {error}");

    image::RgbImage::from_raw(width, height, sharpened.into_raw_vec_and_offset().0)
        .expect("the output has the input's size")
        .save(output)?;
    println!("wrote {output}");
    Ok(())
}

/// Every sample within 1 LSB of the reference (FMA on some CPU variants
/// rounds the last step differently).
fn check<T: Copy + Into<f32>>(
    name: &str,
    input: ArrayView3<'_, T>,
    output: ArrayView3<'_, T>,
    amount: f32,
    threshold: f32,
    max: f32,
) {
    let expected = reference::unsharp(input, amount, threshold, max);
    let worst = output
        .iter()
        .zip(&expected)
        .map(|(&got, &want)| (got.into() - want).abs())
        .fold(0.0f32, f32::max);
    assert!(worst <= 1.0, "{name}: a sample differs from the reference by {worst}");
    println!("{name}: every sample within {worst} of the plain Rust reference");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic image with edges, flat areas and odd sizes (vector tails).
    fn image<T: From<u8>>(height: usize, width: usize) -> Array3<T> {
        Array3::from_shape_fn((height, width, 3), |(y, x, c)| {
            T::from(if (x / 5 + y / 3) % 2 == 0 {
                40 + c as u8 * 30
            } else {
                ((x * 37 + y * 11 + c * 5) % 256) as u8
            })
        })
    }

    #[test]
    fn u8_and_u16_match_the_reference_within_one_lsb() -> Result<(), halide_pipelines::Error> {
        for (height, width) in [(1, 1), (2, 9), (23, 37)] {
            for (amount, threshold) in [(0.0, 0.0), (1.5, 2.0), (10.0, 0.0)] {
                let input = image::<u8>(height, width);
                let mut output = Array3::<u8>::zeros(input.dim());
                unsharp_u8(&input, amount, threshold, &mut output)?;
                check("u8", input.view(), output.view(), amount, threshold, 255.0);

                let input = image::<u16>(height, width).mapv(|v| v * 257);
                let mut output = Array3::<u16>::zeros(input.dim());
                unsharp_u16(&input, amount, threshold, &mut output)?;
                check("u16", input.view(), output.view(), amount, threshold, 65535.0);
            }
        }
        Ok(())
    }

    #[test]
    fn amount_outside_its_declared_range_is_halides_parameter_error() {
        let input = image::<u8>(4, 4);
        let mut output = Array3::<u8>::zeros(input.dim());
        let error = unsharp_u8(&input, 10.5, 0.0, &mut output).unwrap_err();
        assert_eq!(error.code(), Some(-10), "{error}");
        assert!(error.halide_message().unwrap_or_default().contains("amount"), "{error}");
    }
}
