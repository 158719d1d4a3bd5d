//! The `rayon` feature adds a choice and changes nothing by itself: with it
//! enabled (anywhere in the dependency graph), pipelines still run on Halide's
//! own pool, and Halide's `do_par_for` stays the one it was, until
//! `set_thread_pool(ParallelPool::Rayon)` is called.
//!
//! One test in this binary: it reads the process-wide `do_par_for`.
#![cfg(feature = "rayon")]

use halide_pipelines::{ParallelPool, add, set_thread_pool};
use halide_pipelines_sys::halide_runtime_sys::{
    halide_default_do_par_for, halide_do_par_for_t, halide_set_custom_do_par_for,
};

/// A `do_par_for`'s address, to compare hooks.
fn address(hook: halide_do_par_for_t) -> usize {
    hook.map_or(0, |function| function as usize)
}

/// Halide's own `do_par_for`.
fn halides_own() -> usize {
    address(Some(halide_default_do_par_for))
}

/// Halide's current `do_par_for` (put back as it was).
fn current_do_par_for() -> usize {
    // SAFETY: swaps the hook for Halide's own and back at once; no pipeline
    // runs in this process meanwhile (one test in this binary, called between
    // pipeline calls).
    unsafe {
        let current: halide_do_par_for_t = halide_set_custom_do_par_for(Some(halide_default_do_par_for));
        halide_set_custom_do_par_for(current);
        address(current)
    }
}

#[test]
fn enabling_the_feature_leaves_halides_pool_in_place_until_rayon_is_chosen() {
    let a = ndarray::Array2::<f32>::zeros((64, 64));
    let mut b = ndarray::Array2::<f32>::zeros((64, 64));
    add(&a, &mut b).unwrap();
    assert_eq!(
        current_do_par_for(),
        halides_own(),
        "a pipeline call with the feature on replaced Halide's do_par_for"
    );
    assert_eq!(
        set_thread_pool(ParallelPool::Rayon),
        ParallelPool::Halide,
        "the default is Halide's pool"
    );
    assert_ne!(current_do_par_for(), halides_own(), "choosing rayon installs its hook");
    add(&a, &mut b).unwrap();
    assert!(b.iter().all(|&v| v == 1.0));
    assert_eq!(set_thread_pool(ParallelPool::Halide), ParallelPool::Rayon);
}
