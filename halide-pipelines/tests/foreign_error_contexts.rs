//! Halide's error handler is process-wide, and so is the `user_context` it is
//! handed: raw `-sys` calls and other Halide libraries in the process pass
//! contexts of their own. The safe crate must route only the contexts it made
//! and hand every other message to the handler that was installed before its
//! own, while its own calls keep getting exactly their own messages.
//!
//! One test in this binary: it installs a process-wide handler first, before
//! the safe crate installs its own, as another library would.

use std::ffi::{CStr, c_char, c_void};
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use halide_pipelines::{Buffer, BufferMut, Error, add};
use halide_pipelines_sys::add as raw_add;
use halide_pipelines_sys::halide_runtime_sys::{
    halide_buffer_t, halide_dimension_t, halide_error_code_access_out_of_bounds, halide_set_error_handler,
    halide_type_float, halide_type_t,
};

/// What the handler installed before the safe crate's received: (context, message).
static FOREIGN_MESSAGES: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn foreign_handler(user_context: *mut c_void, message: *const c_char) {
    // SAFETY: Halide passes a NUL-terminated message.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
    if let Ok(mut messages) = FOREIGN_MESSAGES.lock() {
        messages.push((user_context as usize, text));
    }
}

/// A raw `add` whose input (4×4) is smaller than its output (4×`width`),
/// called with `context`. Returns Halide's code.
fn raw_failing_add(context: *const c_void, width: usize) -> i32 {
    let mut input = vec![0f32; 4 * 4];
    let mut output = vec![0f32; 4 * width];
    let float32 = halide_type_t {
        code: halide_type_float as u8,
        bits: 32,
        lanes: 1,
    };
    let dims = |w: usize| {
        [
            halide_dimension_t {
                min: 0,
                extent: w as i32,
                stride: 1,
                flags: 0,
            },
            halide_dimension_t {
                min: 0,
                extent: 4,
                stride: w as i32,
                flags: 0,
            },
        ]
    };
    let (mut input_dims, mut output_dims) = (dims(4), dims(width));
    let mut input_buffer = halide_buffer_t {
        host: input.as_mut_ptr().cast(),
        type_: float32,
        dimensions: 2,
        dim: input_dims.as_mut_ptr(),
        ..halide_buffer_t::default()
    };
    let mut output_buffer = halide_buffer_t {
        host: output.as_mut_ptr().cast(),
        type_: float32,
        dimensions: 2,
        dim: output_dims.as_mut_ptr(),
        ..halide_buffer_t::default()
    };
    // SAFETY: both buffers describe live vectors of the sizes their dims state;
    // Halide checks that the input covers the output before reading it.
    unsafe { raw_add(context, &mut input_buffer, &mut output_buffer) }
}

#[test]
fn foreign_contexts_reach_the_previous_handler_and_safe_calls_keep_their_own_messages() {
    // SAFETY: `foreign_handler` matches `halide_error_handler_t` and never unwinds.
    unsafe { halide_set_error_handler(Some(foreign_handler)) };

    // A successful safe call installs the crate's hooks (over ours).
    let a = ndarray::Array2::<f32>::zeros((3, 3));
    let mut b = ndarray::Array2::<f32>::zeros((3, 3));
    add(
        &Buffer::try_from(a.view()).unwrap(),
        &mut BufferMut::try_from(b.view_mut()).unwrap(),
    )
    .unwrap();

    // A foreign context: the address of bytes that are not the crate's call
    // state (they would be garbage to a handler that casts every context).
    let foreign_state = [0xA5u8; 256];
    let foreign_context = foreign_state.as_ptr().cast::<c_void>();

    let stop = AtomicBool::new(false);
    let safe_failures = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|thread| {
                let stop = &stop;
                scope.spawn(move || {
                    let mut checked = 0;
                    let mut round = 0;
                    while !stop.load(Ordering::Relaxed) || checked < 50 {
                        // Each call's output width is its own, so its message is too.
                        let width = 5 + thread * 1000 + round % 997;
                        round += 1;
                        let input = ndarray::Array2::<f32>::zeros((2, 4));
                        let mut output = ndarray::Array2::<f32>::zeros((2, width));
                        let error = add(
                            &Buffer::try_from(input.view()).unwrap(),
                            &mut BufferMut::try_from(output.view_mut()).unwrap(),
                        )
                        .unwrap_err();
                        let Error::AccessOutOfBounds { message } = &error else {
                            panic!("expected out of bounds, got {error:?}");
                        };
                        assert!(
                            message.contains(&format!("accessed at {}", width - 1)) && message.lines().count() == 1,
                            "call with width {width} got {message:?}"
                        );
                        checked += 1;
                    }
                    checked
                })
            })
            .collect();

        for round in 0..200 {
            let width = 8 + round % 50;
            assert_eq!(
                raw_failing_add(foreign_context, width),
                halide_error_code_access_out_of_bounds
            );
            assert_eq!(
                raw_failing_add(ptr::null(), width),
                halide_error_code_access_out_of_bounds
            );
        }
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|worker| worker.join().unwrap()).sum::<usize>()
    });
    assert!(safe_failures >= 150);

    let messages = FOREIGN_MESSAGES.lock().unwrap();
    let foreign = messages
        .iter()
        .filter(|(context, _)| *context == foreign_context as usize);
    assert_eq!(
        foreign.clone().count(),
        200,
        "every foreign-context message reaches the previous handler"
    );
    assert!(
        foreign
            .clone()
            .all(|(_, message)| message.contains("Input buffer input is accessed at"))
    );
    let null = messages.iter().filter(|(context, _)| *context == 0);
    assert_eq!(
        null.count(),
        200,
        "null-context messages reach the previous handler too"
    );
    assert_eq!(
        messages.len(),
        400,
        "no message of a safe call leaks to the previous handler: {messages:?}"
    );
    assert_eq!(foreign_state, [0xA5; 256], "the foreign context's bytes are untouched");
}
