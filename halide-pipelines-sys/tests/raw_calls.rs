//! Calls the shipped archives through raw `halide_buffer_t`s and compares them
//! with plain Rust computations. This is the level a C user would work at; the
//! safe crate builds on it.

use std::ffi::{c_char, c_void};
use std::ptr;
use std::sync::Mutex;

use halide_pipelines_sys::halide_runtime_sys::{
    halide_buffer_t, halide_dimension_t, halide_error_code_access_out_of_bounds, halide_set_error_handler,
    halide_type_code_t, halide_type_float, halide_type_uint,
};
use halide_pipelines_sys::{add, demosaic_bilinear_u8_interleaved, demosaic_bilinear_u16_interleaved};

mod common;
use common::{buffer, dim};

/// Messages the error handler received, keyed by the user context of the call.
static MESSAGES: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn record_error(user_context: *mut c_void, message: *const c_char) {
    // SAFETY: Halide passes a NUL-terminated message.
    let text = unsafe { std::ffi::CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    MESSAGES.lock().unwrap().push((user_context as usize, text));
}

fn install_handler() {
    // SAFETY: `record_error` matches `halide_error_handler_t` and does not unwind
    // (a poisoned lock would abort the test, which is what we want to see).
    unsafe { halide_set_error_handler(Some(record_error)) };
}

/// A dense buffer over `data` with ndarray-style `shape` (last axis fastest).
fn dense_buffer<T>(
    data: &mut [T],
    shape: &[usize],
    code: halide_type_code_t,
    dims: &mut Vec<halide_dimension_t>,
) -> halide_buffer_t {
    dims.clear();
    let mut stride = 1;
    for &extent in shape.iter().rev() {
        dims.push(dim(extent as i32, stride));
        stride *= extent as i32;
    }
    buffer(data, code, dims)
}

#[test]
fn add_adds_one() {
    install_handler();
    let (h, w) = (7, 13);
    let mut input: Vec<f32> = (0..h * w).map(|i| i as f32 * 0.5 - 3.0).collect();
    let mut output = vec![0f32; h * w];
    let (mut di, mut dout) = (Vec::new(), Vec::new());
    let mut bi = dense_buffer(&mut input, &[h, w], halide_type_float, &mut di);
    let mut bo = dense_buffer(&mut output, &[h, w], halide_type_float, &mut dout);
    // SAFETY: both buffers describe live, correctly sized vectors.
    let code = unsafe { add(ptr::null(), &mut bi, &mut bo) };
    assert_eq!(code, 0);
    for (o, i) in output.iter().zip(&input) {
        assert_eq!(*o, i + 1.0);
    }
}

#[test]
fn add_with_too_small_input_returns_out_of_bounds() {
    install_handler();
    let mut input = vec![0f32; 4 * 4];
    let mut output = vec![0f32; 4 * 8];
    let (mut di, mut dout) = (Vec::new(), Vec::new());
    let mut bi = dense_buffer(&mut input, &[4, 4], halide_type_float, &mut di);
    let mut bo = dense_buffer(&mut output, &[4, 8], halide_type_float, &mut dout);
    let context = 0x5eed_usize as *const c_void;
    // SAFETY: both buffers describe live vectors; Halide checks the input covers
    // the output's region before touching memory.
    let code = unsafe { add(context, &mut bi, &mut bo) };
    assert_eq!(code, halide_error_code_access_out_of_bounds);
    let messages = MESSAGES.lock().unwrap();
    let (_, message) = messages
        .iter()
        .find(|(ctx, _)| *ctx == 0x5eed)
        .expect("the handler got our context");
    assert!(message.contains("Input buffer input"), "{message}");
}

/// Plain bilinear demosaic with mirrored borders: the oracle for the archives.
fn reference_bilinear(raw: &[u32], h: usize, w: usize, red_x: usize, red_y: usize) -> Vec<u32> {
    let mirror = |i: isize, n: usize| -> usize {
        let n = n as isize;
        let period = 2 * (n - 1);
        let m = i.rem_euclid(period);
        (if m >= n { period - m } else { m }) as usize
    };
    let at = |x: isize, y: isize| raw[mirror(y, h) * w + mirror(x, w)];
    let colour = |x: isize, y: isize| -> usize {
        let (ox, oy) = ((x - red_x as isize).rem_euclid(2), (y - red_y as isize).rem_euclid(2));
        match (ox, oy) {
            (0, 0) => 0,
            (1, 1) => 2,
            _ => 1,
        }
    };
    let mut out = vec![0; h * w * 3];
    for y in 0..h as isize {
        for x in 0..w as isize {
            for c in 0..3 {
                // Average of the samples of colour c in the 3x3 neighbourhood at the
                // closest distance (the bilinear kernels).
                let mut best: Option<(isize, u32, u32)> = None;
                for dy in -1..=1isize {
                    for dx in -1..=1isize {
                        if colour(x + dx, y + dy) != c {
                            continue;
                        }
                        let d = dx.abs() + dy.abs();
                        best = match best {
                            Some((bd, _, _)) if d > bd => best,
                            Some((bd, s, n)) if d == bd => Some((bd, s + at(x + dx, y + dy), n + 1)),
                            _ => Some((d, at(x + dx, y + dy), 1)),
                        };
                    }
                }
                let (_, sum, n) = best.unwrap();
                out[((y as usize) * w + x as usize) * 3 + c] = (sum + n / 2) / n;
            }
        }
    }
    out
}

/// Equality with a readable report: which pixel, which channel, what values.
fn assert_same(got: &[u32], expected: &[u32], case: &str) {
    if let Some(i) = (0..got.len()).find(|&i| got[i] != expected[i]) {
        let bad = (0..got.len()).filter(|&i| got[i] != expected[i]).count();
        panic!(
            "{case}: {bad} samples differ; first at pixel {} channel {}: got {}, expected {}",
            i / 3,
            i % 3,
            got[i],
            expected[i]
        );
    }
}

fn pseudo_random(seed: u64, n: usize, max: u32) -> Vec<u32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as u32) % (max + 1)
        })
        .collect()
}

#[test]
fn demosaic_bilinear_matches_reference_for_all_patterns() {
    install_handler();
    for (h, w) in [
        (2, 2),
        (2, 9),
        (3, 2),
        (3, 8),
        (4, 4),
        (5, 7),
        (6, 3),
        (16, 33),
        (31, 64),
        (33, 17),
    ] {
        for (red_x, red_y) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let raw16 = pseudo_random((h * 1000 + w) as u64, h * w, u16::MAX as u32);
            let expected = reference_bilinear(&raw16, h, w, red_x, red_y);

            let mut input: Vec<u16> = raw16.iter().map(|&v| v as u16).collect();
            let mut output = vec![0u16; h * w * 3];
            let (mut di, mut dout) = (Vec::new(), Vec::new());
            let mut bi = dense_buffer(&mut input, &[h, w], halide_type_uint, &mut di);
            let mut bo = dense_buffer(&mut output, &[h, w, 3], halide_type_uint, &mut dout);
            // SAFETY: both buffers describe live, correctly sized vectors.
            let code =
                unsafe { demosaic_bilinear_u16_interleaved(ptr::null(), &mut bi, red_x as i32, red_y as i32, &mut bo) };
            assert_eq!(code, 0);
            let got: Vec<u32> = output.iter().map(|&v| v as u32).collect();
            assert_same(&got, &expected, &format!("u16 {h}x{w} red at ({red_x}, {red_y})"));

            let raw8: Vec<u32> = raw16.iter().map(|&v| v >> 8).collect();
            let expected = reference_bilinear(&raw8, h, w, red_x, red_y);
            let mut input: Vec<u8> = raw8.iter().map(|&v| v as u8).collect();
            let mut output = vec![0u8; h * w * 3];
            let mut bi = dense_buffer(&mut input, &[h, w], halide_type_uint, &mut di);
            let mut bo = dense_buffer(&mut output, &[h, w, 3], halide_type_uint, &mut dout);
            // SAFETY: as above.
            let code =
                unsafe { demosaic_bilinear_u8_interleaved(ptr::null(), &mut bi, red_x as i32, red_y as i32, &mut bo) };
            assert_eq!(code, 0);
            let got: Vec<u32> = output.iter().map(|&v| v as u32).collect();
            assert_same(&got, &expected, &format!("u8 {h}x{w} red at ({red_x}, {red_y})"));
        }
    }
}
