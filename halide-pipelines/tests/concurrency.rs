//! Many threads calling every pipeline at once, valid and invalid calls mixed,
//! while the thread count (and, with the `rayon` feature, the thread pool)
//! changes: each call gets its own result and its own error message, nothing
//! is printed, and the whole run ends in bounded time (no deadlock).
//!
//! The workload runs in a child process (this same test binary) so the parent
//! can assert that the child wrote nothing at all to stderr, and kill it if it
//! hangs.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use halide_pipelines::{
    Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, Error, ExpectedExtent, add, demosaic,
    demosaic_to_array, set_num_threads,
};
use ndarray::{Array2, Array3, ArrayViewMut3};

const CHILD: &str = "HALIDE_PIPELINES_CONCURRENCY_CHILD";
const THREADS: usize = 8;
const CALLS: usize = 1000;
/// Far above the run's few seconds (also under valgrind): only a deadlock gets here.
const DEADLINE: Duration = Duration::from_secs(600);

#[test]
fn concurrent_calls_route_their_own_errors_and_print_nothing() {
    if std::env::var_os(CHILD).is_some() {
        workload();
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "concurrent_calls_route_their_own_errors_and_print_nothing",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE {
            child.kill().unwrap();
            panic!("the concurrent workload did not finish in {DEADLINE:?}: a deadlock");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
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

/// One demosaic case and its result computed alone, before the threads start.
struct Expected<T> {
    raw: Array2<T>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    rgb: Array3<T>,
}

fn expected_results<T: DemosaicSample + From<u8>>(seed: u64) -> Vec<Expected<T>> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u8
    };
    let mut cases = Vec::new();
    for (index, algorithm) in DemosaicAlgorithm::ALL.iter().copied().cycle().take(12).enumerate() {
        let shape = (2 + index * 5 % 37, 2 + index * 11 % 29);
        let raw = Array2::from_shape_simple_fn(shape, || T::from(next()));
        let pattern = CfaPattern::ALL[index % 4];
        let rgb = demosaic_to_array(raw.view(), pattern, algorithm).unwrap();
        cases.push(Expected {
            raw,
            pattern,
            algorithm,
            rgb,
        });
    }
    cases
}

fn workload() {
    let expected_u8 = expected_results::<u8>(8);
    let expected_u16 = expected_results::<u16>(16);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (expected_u8, expected_u16) = (&expected_u8, &expected_u16);
            scope.spawn(move || {
                for call in 0..CALLS {
                    let seed = thread * CALLS + call;
                    if thread == 0 && call % 50 == 0 {
                        set_num_threads(1 + call % 3);
                    }
                    #[cfg(feature = "rayon")]
                    if thread == 1 && call % 40 == 0 {
                        use halide_pipelines::{ParallelPool, set_thread_pool};
                        set_thread_pool([ParallelPool::Halide, ParallelPool::Rayon][call / 40 % 2]);
                    }
                    match seed % 5 {
                        0 => valid_add(seed),
                        1 => short_input(seed),
                        2 => demosaic_again(&expected_u8[seed % expected_u8.len()], seed),
                        3 => demosaic_again(&expected_u16[seed % expected_u16.len()], seed),
                        _ => demosaic_shape_error(seed),
                    }
                }
            });
        }
    });
    set_num_threads(0);
}

/// Demosaics a case again, into one of the three output layouts (each its own
/// archive): the result must equal the one computed alone, bit for bit.
fn demosaic_again<T: DemosaicSample>(case: &Expected<T>, seed: usize) {
    let (h, w) = case.raw.dim();
    let mut interleaved = Array3::from_elem((h, w, 3), T::default());
    let mut planar = Array3::from_elem((3, h, w), T::default());
    let mut transposed = Array3::from_elem((w, h, 3), T::default());
    let output: ArrayViewMut3<T> = match seed % 3 {
        0 => interleaved.view_mut(),
        1 => planar.view_mut().permuted_axes([1, 2, 0]),
        _ => transposed.view_mut().permuted_axes([1, 0, 2]),
    };
    demosaic(
        &Buffer::try_from(case.raw.view()).unwrap(),
        &mut BufferMut::try_from(output).unwrap(),
        case.pattern,
        case.algorithm,
    )
    .unwrap();
    let got = match seed % 3 {
        0 => interleaved,
        1 => planar.permuted_axes([1, 2, 0]).to_owned(),
        _ => transposed.permuted_axes([1, 0, 2]).to_owned(),
    };
    assert!(
        got == case.rgb,
        "seed {seed}: {:?} {h}x{w} differs from the same call made alone",
        case.algorithm
    );
}

/// An output one column too narrow: the wrapper's own error, with this call's numbers.
fn demosaic_shape_error(seed: usize) {
    let (h, w) = (2 + seed % 13, 3 + seed % 17);
    let raw = Array2::<u16>::zeros((h, w));
    let mut rgb = Array3::<u16>::zeros((h, w - 1, 3));
    let error = demosaic(
        &Buffer::try_from(raw.view()).unwrap(),
        &mut BufferMut::try_from(rgb.view_mut()).unwrap(),
        CfaPattern::ALL[seed % 4],
        DemosaicAlgorithm::ALL[seed % DemosaicAlgorithm::ALL.len()],
    )
    .unwrap_err();
    assert_eq!(
        error,
        Error::BadShape {
            argument: "output",
            axis: 1,
            actual: w - 1,
            expected: ExpectedExtent::SameAs {
                argument: "input",
                axis: 1,
                extent: w,
            },
        }
    );
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
