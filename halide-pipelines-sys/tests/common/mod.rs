//! What the raw-call tests share: building Halide's buffer descriptors by hand.

use halide_pipelines_sys::halide_runtime_sys::{
    halide_buffer_t, halide_dimension_t, halide_type_code_t, halide_type_t,
};

pub fn dim(extent: i32, stride: i32) -> halide_dimension_t {
    halide_dimension_t {
        min: 0,
        extent,
        stride,
        flags: 0,
    }
}

/// A buffer of `T`s (of Halide type code `code`) over `data`, described by `dims`
/// (Halide order: dimension 0 first). Both must outlive every call it is passed to.
pub fn buffer<T>(data: &mut [T], code: halide_type_code_t, dims: &mut [halide_dimension_t]) -> halide_buffer_t {
    halide_buffer_t {
        host: data.as_mut_ptr().cast(),
        type_: halide_type_t {
            code: code as u8,
            bits: (8 * size_of::<T>()) as u8,
            lanes: 1,
        },
        dimensions: dims.len() as i32,
        dim: dims.as_mut_ptr(),
        ..Default::default()
    }
}
