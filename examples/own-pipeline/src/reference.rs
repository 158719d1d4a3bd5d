//! The unsharp mask in plain Rust, computed like the generator (f32, edges
//! repeated, ties rounded to even): the oracle the Halide result is checked
//! against.

use ndarray::{Array3, ArrayView3};

/// `(H, W, C)` image of any integer sample type whose values fit in f32.
pub fn unsharp<T>(input: ArrayView3<'_, T>, amount: f32, threshold: f32, max: f32) -> Array3<f32>
where
    T: Copy + Into<f32>,
{
    let (height, width, channels) = input.dim();
    let at = |y: isize, x: isize, c: usize| -> f32 {
        let y = y.clamp(0, height as isize - 1) as usize;
        let x = x.clamp(0, width as isize - 1) as usize;
        input[[y, x, c]].into()
    };
    let horizontal = |y: isize, x: isize, c: usize| (at(y, x - 1, c) + 2.0 * at(y, x, c) + at(y, x + 1, c)) / 4.0;
    Array3::from_shape_fn((height, width, channels), |(y, x, c)| {
        let (yi, xi) = (y as isize, x as isize);
        let blurred = (horizontal(yi - 1, xi, c) + 2.0 * horizontal(yi, xi, c) + horizontal(yi + 1, xi, c)) / 4.0;
        let value = at(yi, xi, c);
        let detail = value - blurred;
        let sharpened = if detail.abs() > threshold {
            value + amount * detail
        } else {
            value
        };
        sharpened.round_ties_even().clamp(0.0, max)
    })
}
