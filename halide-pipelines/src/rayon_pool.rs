//! Feature `rayon`: Halide's parallel loops on rayon's threads.
//!
//! Every parallel loop of our pipelines is one `halide_do_par_for` call (the
//! archives import no other task entry point; `generators/check_archives.py`
//! checks that). With this feature, [`crate::ffi`] installs
//! [`do_par_for`] as Halide's `do_par_for`: it runs the loop's iterations as a
//! rayon parallel iterator, so on the pool of the calling rayon worker (inside
//! `ThreadPool::install`) or else on rayon's global pool. An application that
//! already uses rayon then shares its threads with Halide instead of running
//! two pools of one thread per core each.

use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};

use halide_runtime_sys::{halide_default_do_par_for, halide_error_code_generic_error, halide_task_t};
use rayon::prelude::*;

/// Which threads run the parallel loops of every pipeline in the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ThreadPool {
    /// Halide's own pool, sized by [`crate::set_num_threads`].
    Halide,
    /// rayon: the pool of the calling rayon worker, or else rayon's global
    /// pool (sized by rayon, e.g. `RAYON_NUM_THREADS`). The default with the
    /// `rayon` feature.
    Rayon,
}

static POOL: AtomicU8 = AtomicU8::new(ThreadPool::Rayon as u8);

/// Chooses the threads that run the parallel loops of every later pipeline
/// call in the process, and returns the previous choice. Calls already running
/// finish on the pool they started on.
///
/// ```
/// use halide_pipelines::{set_thread_pool, ThreadPool};
/// let previous = set_thread_pool(ThreadPool::Halide);
/// set_thread_pool(previous);
/// ```
pub fn set_thread_pool(pool: ThreadPool) -> ThreadPool {
    crate::ffi::install_runtime_hooks();
    match POOL.swap(pool as u8, Ordering::Relaxed) {
        value if value == ThreadPool::Halide as u8 => ThreadPool::Halide,
        _ => ThreadPool::Rayon,
    }
}

/// A pointer Halide hands to every iteration of a loop: the loop body reads its
/// captured values through it from whichever thread runs the iteration.
#[derive(Clone, Copy)]
struct Shared(*mut c_void);

impl Shared {
    /// The pointer. (A method, so that closures capture the whole `Shared`,
    /// not just its non-`Send` field.)
    fn get(self) -> *mut c_void {
        self.0
    }
}
// SAFETY: Halide's compiled loop bodies are written to run on any thread, in
// any order, concurrently (that is what its own pool does with them); the
// pointers they take stay valid until `halide_do_par_for` returns, and we
// return only after every iteration has finished.
unsafe impl Send for Shared {}
// SAFETY: as above; the iterations only read through the closure pointer and
// synchronize their own writes.
unsafe impl Sync for Shared {}

/// Halide's `do_par_for` hook: runs `task(user_context, i, closure)` for every
/// `i` in `min..min + size` and returns 0, or the first nonzero code a task
/// returned (later iterations are then skipped, as Halide's pool does).
///
/// # Safety
/// Called by Halide's compiled code with a valid task and closure.
pub(crate) unsafe extern "C" fn do_par_for(
    user_context: *mut c_void,
    task: halide_task_t,
    min: c_int,
    size: c_int,
    closure: *mut u8,
) -> c_int {
    if POOL.load(Ordering::Relaxed) == ThreadPool::Halide as u8 {
        // SAFETY: the arguments are Halide's own, passed on unchanged.
        return unsafe { halide_default_do_par_for(user_context, task, min, size, closure) };
    }
    let Some(task) = task else {
        return halide_error_code_generic_error;
    };
    if size == 1 {
        // One iteration (a small image): no thread to hand it to.
        // SAFETY: Halide's task and closure for iteration `min` of this loop.
        return unsafe { task(user_context, min, closure) };
    }
    let (user_context, closure) = (Shared(user_context), Shared(closure.cast()));
    let first_error = AtomicI32::new(0);
    // Iterations are C code and cannot panic; rayon itself could (failing to
    // start its pool): that must not unwind into Halide.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        (0..size.max(0)).into_par_iter().for_each(|offset| {
            if first_error.load(Ordering::Relaxed) != 0 {
                return;
            }
            // SAFETY: `task` and `closure` are the ones Halide passed for this
            // loop (see `Shared`); `min + offset` stays within the loop's
            // range `min..min + size`, which Halide computed in `c_int`.
            let code = unsafe { task(user_context.get(), min + offset, closure.get().cast()) };
            if code != 0 {
                let _ = first_error.compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
            }
        });
    }));
    match outcome {
        Ok(()) => first_error.into_inner(),
        Err(_) => halide_error_code_generic_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// What each iteration saw: its number and the rayon thread it ran on.
    struct Record {
        seen: Mutex<Vec<(c_int, Option<usize>)>>,
        fail_at: c_int,
    }

    unsafe extern "C" fn record_iteration(_user_context: *mut c_void, index: c_int, closure: *mut u8) -> c_int {
        // SAFETY: the tests pass a `Record` that outlives the loop as closure.
        let record = unsafe { &*closure.cast::<Record>() };
        record.seen.lock().unwrap().push((index, rayon::current_thread_index()));
        if index == record.fail_at { -7 } else { 0 }
    }

    fn run(pool: &rayon::ThreadPool, min: c_int, size: c_int, fail_at: c_int) -> (c_int, Vec<(c_int, Option<usize>)>) {
        let record = Record {
            seen: Mutex::new(Vec::new()),
            fail_at,
        };
        let closure = Shared(std::ptr::from_ref(&record).cast_mut().cast());
        // SAFETY: `record_iteration` is a valid task with `record` as its closure.
        let code = pool.install(|| unsafe {
            do_par_for(
                std::ptr::null_mut(),
                Some(record_iteration),
                min,
                size,
                closure.get().cast(),
            )
        });
        let mut seen = record.seen.into_inner().unwrap();
        seen.sort();
        (code, seen)
    }

    #[test]
    fn every_iteration_runs_once_on_the_callers_rayon_pool() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let (code, seen) = run(&pool, -5, 200, c_int::MIN);
        assert_eq!(code, 0);
        assert_eq!(
            seen.iter().map(|&(i, _)| i).collect::<Vec<_>>(),
            (-5..195).collect::<Vec<_>>()
        );
        assert!(seen.iter().all(|&(_, thread)| matches!(thread, Some(0..3))), "{seen:?}");
        let (code, seen) = run(&pool, 0, 0, c_int::MIN);
        assert_eq!((code, seen.len()), (0, 0));
    }

    #[test]
    fn a_failing_iteration_returns_its_code() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        // One thread runs the iterations in order: those after the failure are skipped.
        let (code, seen) = run(&pool, 10, 50, 20);
        assert_eq!(code, -7);
        assert!(
            seen.iter().any(|&(i, _)| i == 20) && seen.len() < 50,
            "{} ran",
            seen.len()
        );
    }
}
