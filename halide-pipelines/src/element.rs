//! The element types a buffer can hold, and their Halide type descriptors.

use halide_runtime_sys::{halide_type_float, halide_type_int, halide_type_t, halide_type_uint};

mod sealed {
    pub trait Sealed {}
}

/// A Rust type with a Halide equivalent: `u8`, `u16`, `u32`, `u64`, `i8`, `i16`,
/// `i32`, `i64`, `f32`, `f64`.
///
/// Sealed: the mapping to `halide_type_t` must be exact (same size and meaning),
/// so only this crate implements it.
pub trait Element: sealed::Sealed + Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// The scalar Halide type of the element.
    const HALIDE_TYPE: halide_type_t;
}

macro_rules! elements {
    ($($rust:ty => $code:expr,)*) => {$(
        impl sealed::Sealed for $rust {}
        impl Element for $rust {
            const HALIDE_TYPE: halide_type_t = halide_type_t {
                code: $code as u8,
                bits: (8 * size_of::<$rust>()) as u8,
                lanes: 1,
            };
        }
    )*};
}

elements! {
    u8 => halide_type_uint,
    u16 => halide_type_uint,
    u32 => halide_type_uint,
    u64 => halide_type_uint,
    i8 => halide_type_int,
    i16 => halide_type_int,
    i32 => halide_type_int,
    i64 => halide_type_int,
    f32 => halide_type_float,
    f64 => halide_type_float,
}
