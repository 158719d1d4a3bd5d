//! Many threads calling pipelines at once, valid and invalid calls mixed: each
//! call gets its own result and its own error message, and nothing is printed.
//!
//! The workload runs in a child process (this same test binary) so the parent
//! can assert that the child wrote nothing at all to stderr.

use std::process::Command;

use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, Error, add, demosaic, set_num_threads};
use ndarray::{Array2, Array3};

const CHILD: &str = "HALIDE_PIPELINES_CONCURRENCY_CHILD";
const THREADS: usize = 8;
const CALLS: usize = 300;

#[test]
fn concurrent_calls_route_their_own_errors_and_print_nothing() {
    if std::env::var_os(CHILD).is_some() {
        workload();
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "concurrent_calls_route_their_own_errors_and_print_nothing",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(
        output.stderr.is_empty(),
        "something was printed to stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn workload() {
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            scope.spawn(move || {
                for call in 0..CALLS {
                    let seed = thread * CALLS + call;
                    if thread == 0 && call % 50 == 0 {
                        set_num_threads(1 + call % 3);
                    }
                    match seed % 3 {
                        0 => valid_add(seed),
                        1 => short_input(seed),
                        _ => valid_demosaic(seed),
                    }
                }
            });
        }
    });
    set_num_threads(0);
}

fn valid_add(seed: usize) {
    let shape = (1 + seed % 37, 1 + seed % 53);
    let input = Array2::from_shape_fn(shape, |(i, j)| (i * 7 + j + seed) as f32);
    let mut output = Array2::<f32>::zeros(shape);
    add(
        &Buffer::try_from(input.view()).unwrap(),
        &mut BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap();
    assert_eq!(output, &input + 1.0);
}

/// An input `short` columns narrower than the output: the message must carry
/// exactly this call's numbers, so a swapped or lost message is caught.
fn short_input(seed: usize) {
    let width = 20 + seed % 200;
    let short = 1 + seed % 7;
    let input = Array2::<f32>::zeros((3, width - short));
    let mut output = Array2::<f32>::zeros((3, width));
    let error = add(
        &Buffer::try_from(input.view()).unwrap(),
        &mut BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap_err();
    assert!(matches!(error, Error::AccessOutOfBounds { .. }), "{error:?}");
    let message = error.halide_message().unwrap();
    let expected = format!(
        "is accessed at {}, which is beyond the max ({})",
        width - 1,
        width - short - 1
    );
    assert!(
        message.contains(&expected),
        "seed {seed}: expected `{expected}` in `{message}`"
    );
    assert_eq!(message.lines().count(), 1, "one call, one message: {message}");
}

fn valid_demosaic(seed: usize) {
    let shape = (2 + seed % 41, 2 + seed % 29);
    let level = (seed % 251) as u8;
    let raw = Array2::from_elem(shape, level);
    let mut rgb = Array3::<u8>::zeros((shape.0, shape.1, 3));
    demosaic(
        &Buffer::try_from(raw.view()).unwrap(),
        &mut BufferMut::try_from(rgb.view_mut()).unwrap(),
        [CfaPattern::Rggb, CfaPattern::Bggr, CfaPattern::Grbg, CfaPattern::Gbrg][seed % 4],
        DemosaicAlgorithm::Bilinear,
    )
    .unwrap();
    assert!(rgb.iter().all(|&v| v == level), "seed {seed}");
}
