//! Two copies of the safe crate in one process, as when two semver-incompatible
//! versions of halide-pipelines share the one halide-pipelines-sys: each
//! installs the process-wide hooks, the second over the first. Calls through
//! either copy, on many threads at once, must each get exactly their own
//! messages, and blocks allocated through one copy's allocator may be freed
//! through the other's.

use halide_pipelines::{Buffer, BufferMut, Error, add, demosaic_to_array};

/// An `add` through the first copy whose input is too small for its output.
fn failing_add_first(width: usize) -> Error {
    let input = ndarray::Array2::<f32>::zeros((3, 4));
    let mut output = ndarray::Array2::<f32>::zeros((3, width));
    add(
        &Buffer::try_from(input.view()).unwrap(),
        &mut BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap_err()
}

/// The same call through the second copy.
fn failing_add_second(width: usize) -> second_copy::Error {
    let input = ndarray::Array2::<f32>::zeros((3, 4));
    let mut output = ndarray::Array2::<f32>::zeros((3, width));
    second_copy::add(
        &second_copy::Buffer::try_from(input.view()).unwrap(),
        &mut second_copy::BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap_err()
}

fn expect_own_message(message: Option<&str>, width: usize) {
    let message = message.expect("a Halide message");
    assert!(
        message.contains(&format!("accessed at {}", width - 1)) && message.lines().count() == 1,
        "call with width {width} got {message:?}"
    );
}

#[test]
fn both_copies_route_their_own_errors_and_share_the_allocator() {
    // The first copy installs its hooks, then the second over them.
    expect_own_message(failing_add_first(9).halide_message(), 9);
    expect_own_message(failing_add_second(11).halide_message(), 11);

    std::thread::scope(|scope| {
        for thread in 0..4 {
            scope.spawn(move || {
                for round in 0..200 {
                    let width = 5 + thread * 1000 + round;
                    if (thread + round) % 2 == 0 {
                        expect_own_message(failing_add_first(width).halide_message(), width);
                    } else {
                        expect_own_message(failing_add_second(width).halide_message(), width);
                    }
                }
            });
        }
        // Demosaics allocate line buffers through the allocator of whichever
        // copy installed last, and free them there too; both copies' results
        // must agree, also while the second copy runs the parallel loops of
        // every call in the process on rayon.
        scope.spawn(|| {
            second_copy::set_thread_pool(second_copy::ParallelPool::Rayon);
            let raw = ndarray::Array2::<u16>::from_shape_fn((64, 96), |(y, x)| (y * 97 + x * 13) as u16);
            for &algorithm in halide_pipelines::DemosaicAlgorithm::ALL {
                let first = demosaic_to_array(raw.view(), halide_pipelines::CfaPattern::Gbrg, algorithm).unwrap();
                let algorithm = second_copy::DemosaicAlgorithm::ALL[halide_pipelines::DemosaicAlgorithm::ALL
                    .iter()
                    .position(|&a| a == algorithm)
                    .unwrap()];
                let second =
                    second_copy::demosaic_to_array(raw.view(), second_copy::CfaPattern::Gbrg, algorithm).unwrap();
                assert_eq!(first, second);
            }
            second_copy::set_thread_pool(second_copy::ParallelPool::Halide);
        });
    });
    halide_pipelines::release_cached_memory();
    second_copy::release_cached_memory();
}
