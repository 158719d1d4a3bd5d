//! Bad inputs at the C ABI level, where nothing but the archives themselves
//! checks them: each must come back as Halide's error code with a message that
//! names the argument, never a crash or a write outside the buffers. (The safe
//! crate cannot make these calls; its own catalogue is in its `Error` docs.)

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;
use std::sync::Mutex;

use halide_pipelines_sys::halide_runtime_sys::{
    halide_buffer_t, halide_dimension_t, halide_error_code_bad_dimensions, halide_error_code_bad_type,
    halide_error_code_constraint_violated, halide_error_code_param_too_large, halide_error_code_param_too_small,
    halide_set_error_handler, halide_type_float, halide_type_uint,
};
use halide_pipelines_sys::*;

mod common;
use common::{buffer, dim};

/// Messages the error handler received, with the user context of their call.
static MESSAGES: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn record_error(user_context: *mut c_void, message: *const c_char) {
    // SAFETY: Halide passes a NUL-terminated message.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
    MESSAGES.lock().unwrap().push((user_context as usize, text));
}

/// Installs the recorder and returns a context unique to the caller.
fn context(tag: usize) -> *const c_void {
    // SAFETY: `record_error` matches `halide_error_handler_t`; it does not unwind.
    unsafe { halide_set_error_handler(Some(record_error)) };
    tag as *const c_void
}

fn message_of(tag: usize) -> String {
    let messages = MESSAGES.lock().unwrap();
    let found: Vec<_> = messages
        .iter()
        .filter(|(ctx, _)| *ctx == tag)
        .map(|(_, m)| m.clone())
        .collect();
    assert_eq!(found.len(), 1, "exactly one message for context {tag:#x}: {found:?}");
    found[0].clone()
}

#[test]
fn a_buffer_of_the_wrong_rank_is_bad_dimensions() {
    let ctx = context(0xd1);
    let (mut input, mut output) = (vec![0f32; 16], vec![-1f32; 16]);
    let mut input_dims = [dim(4, 1), dim(4, 4), dim(1, 16)];
    let mut output_dims = [dim(4, 1), dim(4, 4)];
    let mut i = buffer(&mut input, halide_type_float, &mut input_dims);
    let mut o = buffer(&mut output, halide_type_float, &mut output_dims);
    // SAFETY: both buffers describe live vectors at least as large as their dims.
    let code = unsafe { add(ctx, &mut i, &mut o) };
    assert_eq!(code, halide_error_code_bad_dimensions);
    let message = message_of(0xd1);
    assert!(
        message.contains("input") && message.contains("2 dimensions"),
        "{message}"
    );
    assert!(output.iter().all(|&v| v == -1.0), "nothing written");
}

#[test]
fn a_buffer_of_the_wrong_type_is_bad_type() {
    let ctx = context(0x7e);
    let (mut input, mut output) = (vec![0u8; 16], vec![-1f32; 16]);
    let mut input_dims = [dim(4, 1), dim(4, 4)];
    let mut output_dims = input_dims;
    let mut i = buffer(&mut input, halide_type_uint, &mut input_dims);
    let mut o = buffer(&mut output, halide_type_float, &mut output_dims);
    // SAFETY: as above.
    let code = unsafe { add(ctx, &mut i, &mut o) };
    assert_eq!(code, halide_error_code_bad_type);
    let message = message_of(0x7e);
    assert!(message.contains("float32") && message.contains("uint8"), "{message}");
    assert!(output.iter().all(|&v| v == -1.0), "nothing written");
}

type Demosaic = unsafe extern "C" fn(*const c_void, *mut halide_buffer_t, i32, i32, *mut halide_buffer_t) -> c_int;

const DEMOSAICS_U8: [(&str, Demosaic); 10] = [
    ("bilinear interleaved", demosaic_bilinear_u8_interleaved),
    ("bilinear planar", demosaic_bilinear_u8_planar),
    ("bilinear any", demosaic_bilinear_u8_any),
    ("malvar2004 interleaved", demosaic_malvar2004_u8_interleaved),
    ("malvar2004 planar", demosaic_malvar2004_u8_planar),
    ("malvar2004 any", demosaic_malvar2004_u8_any),
    ("menon2007 interleaved", demosaic_menon2007_u8_interleaved),
    ("menon2007 planar", demosaic_menon2007_u8_planar),
    ("menon2007 any", demosaic_menon2007_u8_any),
    ("mlri any", demosaic_mlri_u8_any),
];

const DEMOSAICS_U16: [(&str, Demosaic); 10] = [
    ("bilinear interleaved", demosaic_bilinear_u16_interleaved),
    ("bilinear planar", demosaic_bilinear_u16_planar),
    ("bilinear any", demosaic_bilinear_u16_any),
    ("malvar2004 interleaved", demosaic_malvar2004_u16_interleaved),
    ("malvar2004 planar", demosaic_malvar2004_u16_planar),
    ("malvar2004 any", demosaic_malvar2004_u16_any),
    ("menon2007 interleaved", demosaic_menon2007_u16_interleaved),
    ("menon2007 planar", demosaic_menon2007_u16_planar),
    ("menon2007 any", demosaic_menon2007_u16_any),
    ("mlri any", demosaic_mlri_u16_any),
];

/// Halide dims (c, x, y) of an h x w RGB output: interleaved (channel stride 1,
/// x stride 3) and planar (x stride 1, channel stride h * w), the two layouts
/// the `_interleaved` and `_planar` archives are compiled for.
fn rgb_layouts(h: usize, w: usize) -> ([halide_dimension_t; 3], [halide_dimension_t; 3]) {
    let (h, w) = (h as i32, w as i32);
    let interleaved = [dim(3, 1), dim(w, 3), dim(h, 3 * w)];
    let planar = [dim(3, h * w), dim(w, 1), dim(h, w)];
    (interleaved, planar)
}

/// The CFA phase is (red_x, red_y) in {0, 1}^2; any other value used to shift
/// the coordinates by an arbitrary int (red_x = i32::MIN crashed). Each must be
/// Halide's "parameter too small/large" error naming the parameter.
fn check_cfa_values<T: Copy + Default>(pipelines: &[(&str, Demosaic)], tag_base: usize) {
    let (h, w) = (6, 8);
    let mut raw = vec![T::default(); h * w];
    let mut rgb = vec![T::default(); h * w * 3];
    let mut raw_dims = [dim(w as i32, 1), dim(h as i32, w as i32)];
    let (interleaved, planar) = rgb_layouts(h, w);
    let cases = [
        (2, 0, "red_x", halide_error_code_param_too_large),
        (-1, 0, "red_x", halide_error_code_param_too_small),
        (i32::MIN, 1, "red_x", halide_error_code_param_too_small),
        (i32::MAX, 0, "red_x", halide_error_code_param_too_large),
        (0, 3, "red_y", halide_error_code_param_too_large),
        (1, -7, "red_y", halide_error_code_param_too_small),
        (0, i32::MIN, "red_y", halide_error_code_param_too_small),
    ];
    for (p, &(name, pipeline)) in pipelines.iter().enumerate() {
        for (c, &(red_x, red_y, parameter, expected)) in cases.iter().enumerate() {
            let tag = tag_base + 16 * p + c;
            let ctx = context(tag);
            let mut rgb_dims = if name.ends_with("planar") { planar } else { interleaved };
            let mut i = buffer(&mut raw, halide_type_uint, &mut raw_dims);
            let mut o = buffer(&mut rgb, halide_type_uint, &mut rgb_dims);
            // SAFETY: both buffers describe live vectors of the sizes in their dims.
            let code = unsafe { pipeline(ctx, &mut i, red_x, red_y, &mut o) };
            assert_eq!(code, expected, "{name} with red at ({red_x}, {red_y})");
            let message = message_of(tag);
            let value = if parameter == "red_x" { red_x } else { red_y };
            assert!(
                message.contains(&format!("Parameter {parameter} is {value}")),
                "{name}: {message}"
            );
        }
    }
}

#[test]
fn cfa_values_other_than_0_and_1_are_parameter_errors_u8() {
    check_cfa_values::<u8>(&DEMOSAICS_U8, 0x10000);
}

#[test]
fn cfa_values_other_than_0_and_1_are_parameter_errors_u16() {
    check_cfa_values::<u16>(&DEMOSAICS_U16, 0x20000);
}

/// A null `host` is Halide's bounds query: no error, nothing read or written,
/// and the dims are filled in with the region the pipeline needs. The safe
/// crate never passes a null host (ndarray pointers are never null).
#[test]
fn a_null_host_is_a_bounds_query_not_a_call() {
    let ctx = context(0xb0);
    let mut output = vec![-1f32; 16];
    let mut input_dims = [dim(0, 0), dim(0, 0)];
    let mut output_dims = [dim(4, 1), dim(4, 4)];
    let mut i = halide_buffer_t {
        host: ptr::null_mut(),
        ..buffer(&mut [0f32; 0], halide_type_float, &mut input_dims)
    };
    let mut o = buffer(&mut output, halide_type_float, &mut output_dims);
    // SAFETY: a null input host asks for bounds; the output describes a live vector.
    let code = unsafe { add(ctx, &mut i, &mut o) };
    assert_eq!(code, 0);
    assert_eq!(
        (input_dims[0].extent, input_dims[1].extent),
        (4, 4),
        "the input region the output needs"
    );
    assert!(output.iter().all(|&v| v == -1.0), "a bounds query computes nothing");
}

/// Each `_interleaved` / `_planar` archive is compiled for one output layout
/// (the stride of the channel or of x is a constant in its code); another
/// layout is Halide's "constraint violated" naming the stride, and nothing is
/// written. (The safe crate picks the archive from the strides.)
#[test]
fn an_output_layout_the_archive_is_not_built_for_is_a_constraint_violation() {
    let (width, height) = (6usize, 4usize);
    let mut mosaic = vec![100u8; width * height];
    let mut mosaic_dims = [dim(width as i32, 1), dim(height as i32, width as i32)];
    let (interleaved, planar) = rgb_layouts(height, width);
    let cases: [(&str, Demosaic, [_; 3]); 4] = [
        ("bilinear interleaved", demosaic_bilinear_u8_interleaved, planar),
        ("bilinear planar", demosaic_bilinear_u8_planar, interleaved),
        ("menon2007 interleaved", demosaic_menon2007_u8_interleaved, planar),
        ("menon2007 planar", demosaic_menon2007_u8_planar, interleaved),
    ];
    for (index, (name, pipeline, wrong_layout)) in cases.into_iter().enumerate() {
        let tag = 0xc0 + index;
        let ctx = context(tag);
        let mut output = vec![7u8; 3 * width * height];
        let mut output_dims = wrong_layout;
        let mut i = buffer(&mut mosaic, halide_type_uint, &mut mosaic_dims);
        let mut o = buffer(&mut output, halide_type_uint, &mut output_dims);
        // SAFETY: both buffers describe live vectors; every element of the
        // output's layout lies inside `output`.
        let code = unsafe { pipeline(ctx, &mut i, 0, 0, &mut o) };
        assert_eq!(code, halide_error_code_constraint_violated, "{name}");
        let message = message_of(tag);
        assert!(
            message.contains("output") && message.contains("stride"),
            "{name}: {message}"
        );
        assert!(output.iter().all(|&v| v == 7), "{name}: nothing written");
    }
}
