//! What the benches share: the 12-megapixel test frame, the memory floor
//! (`floor`, with its SIMD kernels in `expand`) and the machine printout.

use ndarray::Array2;

mod expand;
mod floor;
mod machine;

pub use floor::Floor;
pub use machine::print_machine;

pub const HEIGHT: usize = 3000;
pub const WIDTH: usize = 4000;

/// A 12 MP frame of deterministic, non-constant samples.
pub fn frame<T: From<u8>>() -> Array2<T> {
    Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| T::from(((x * 7 + y * 13) % 251) as u8))
}
