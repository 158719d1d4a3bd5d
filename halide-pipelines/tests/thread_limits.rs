//! `with_threads`: calls limited to 1 or 2 threads on two threads at once,
//! after Halide's pool has grown to 8, give the same bytes as unlimited calls,
//! and each thread's limit stays its own. (That the limit holds, counted
//! inside the `do_par_for` hook: `hooks::parallel::tests`.)
//!
//! Its own binary: it sets the process-wide thread count.

use halide_pipelines::{CfaPattern, DemosaicAlgorithm, demosaic_to_array, set_num_threads, with_threads};
use ndarray::Array2;

#[test]
fn limited_calls_compute_what_unlimited_ones_do() {
    let raw = Array2::from_shape_fn((97, 130), |(y, x)| ((x * 31 + y * 17) % 251) as u8);
    set_num_threads(8);
    let expected: Vec<_> = DemosaicAlgorithm::ALL
        .iter()
        .map(|&algorithm| demosaic_to_array(&raw, CfaPattern::Gbrg, algorithm).unwrap())
        .collect();
    std::thread::scope(|scope| {
        for limit in [1, 2, 1, 2] {
            let (raw, expected) = (&raw, &expected);
            scope.spawn(move || {
                with_threads(limit, || {
                    for _ in 0..3 {
                        for (&algorithm, expected) in DemosaicAlgorithm::ALL.iter().zip(expected) {
                            let rgb = demosaic_to_array(raw, CfaPattern::Gbrg, algorithm).unwrap();
                            assert_eq!(&rgb, expected, "{algorithm:?} limited to {limit} threads");
                        }
                    }
                })
            });
        }
    });
    // An error inside a limited call is still the call's own.
    let error = with_threads(1, || {
        let tiny = Array2::<u8>::zeros((1, 1));
        demosaic_to_array(&tiny, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap_err()
    });
    assert_eq!(error.kind(), halide_pipelines::ErrorKind::InvalidArgument);
    set_num_threads(0);
}
