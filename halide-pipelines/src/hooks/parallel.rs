//! Feature `rayon`: Halide's parallel loops on rayon's threads, chosen at run
//! time with [`set_thread_pool`].
//!
//! Every parallel loop of our pipelines is one `halide_do_par_for` call (the
//! archives import no other task entry point; `generators/check_archives.py`
//! checks that). The feature only adds the choice: nothing changes until
//! `set_thread_pool(ParallelPool::Rayon)` is called, which installs
//! [`do_par_for`] as Halide's `do_par_for` (once). It then runs each loop's
//! iterations as a rayon parallel iterator, on the pool of the calling rayon
//! worker (inside `rayon::ThreadPool::install`) or else on rayon's global pool,
//! so an application that already uses rayon shares its threads with Halide
//! instead of running two pools of one thread per core each. With
//! `ParallelPool::Halide` (the default), loops go to the `do_par_for` that was
//! installed before ours, as they would without this crate.

use std::ffi::{CString, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};

use halide_runtime_sys::{
    halide_default_do_par_for, halide_do_par_for_t, halide_error, halide_error_code_generic_error,
    halide_set_custom_do_par_for, halide_task_t,
};
use rayon::prelude::*;

/// Which threads run the parallel loops of every pipeline in the process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParallelPool {
    /// Halide's own pool, sized by [`crate::set_num_threads`] (the default).
    #[default]
    Halide,
    /// rayon: the pool of the calling rayon worker, or else rayon's global
    /// pool (sized by rayon, e.g. `RAYON_NUM_THREADS`).
    Rayon,
}

static POOL: AtomicU8 = AtomicU8::new(ParallelPool::Halide as u8);

/// The `do_par_for` Halide held before ours: it runs the loops while the
/// choice is [`ParallelPool::Halide`]. Set once, just after ours is installed.
static PREVIOUS: OnceLock<halide_do_par_for_t> = OnceLock::new();

/// Chooses the threads that run the parallel loops of every later pipeline
/// call in the process, and returns the previous choice. Calls already running
/// finish on the pool they started on. The default is [`ParallelPool::Halide`].
///
/// ```
/// use halide_pipelines::{set_thread_pool, ParallelPool};
/// let previous = set_thread_pool(ParallelPool::Rayon);
/// assert_eq!(set_thread_pool(previous), ParallelPool::Rayon);
/// ```
pub fn set_thread_pool(pool: ParallelPool) -> ParallelPool {
    if pool == ParallelPool::Rayon {
        install();
    }
    match POOL.swap(pool as u8, Ordering::Relaxed) {
        value if value == ParallelPool::Rayon as u8 => ParallelPool::Rayon,
        _ => ParallelPool::Halide,
    }
}

fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // SAFETY: `do_par_for` has Halide's signature, never unwinds, and runs
        // every iteration before it returns (or hands the loop on to the
        // previous `do_par_for`, which Halide guarantees does the same).
        // (Halide stores the pointer without synchronization; this runs once
        // per copy of the crate.)
        let previous = unsafe { halide_set_custom_do_par_for(Some(do_par_for)) };
        PREVIOUS.set(previous).expect("installed once");
    });
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
/// returned (later iterations are then skipped, as Halide's pool does). If
/// rayon itself fails (a panic, e.g. its pool cannot start), the call gets
/// Halide's generic error with a message saying so.
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
    if POOL.load(Ordering::Relaxed) != ParallelPool::Rayon as u8 {
        // The loop runs as it would without us: on the `do_par_for` installed
        // before ours (Halide's default if there was none).
        return match super::replaced(&PREVIOUS) {
            // SAFETY: the arguments are Halide's own, passed on unchanged.
            Some(previous) => unsafe { previous(user_context, task, min, size, closure) },
            // SAFETY: as above.
            None => unsafe { halide_default_do_par_for(user_context, task, min, size, closure) },
        };
    }
    let Some(task) = task else {
        return halide_error_code_generic_error;
    };
    if size == 1 {
        // One iteration (a small image): no thread to hand it to.
        // SAFETY: Halide's task and closure for iteration `min` of this loop.
        return unsafe { task(user_context, min, closure) };
    }
    let (shared_context, closure) = (Shared(user_context), Shared(closure.cast()));
    let first_error = AtomicI32::new(0);
    // Iterations are C code and cannot panic; rayon itself could (failing to
    // start its pool): that must not unwind into Halide.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        #[cfg(test)]
        tests::maybe_fail_in_rayon();
        (0..size.max(0)).into_par_iter().for_each(|offset| {
            if first_error.load(Ordering::Relaxed) != 0 {
                return;
            }
            // SAFETY: `task` and `closure` are the ones Halide passed for this
            // loop (see `Shared`); `min + offset` stays within the loop's
            // range `min..min + size`, which Halide computed in `c_int`.
            let code = unsafe { task(shared_context.get(), min + offset, closure.get().cast()) };
            if code != 0 {
                let _ = first_error.compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
            }
        });
    }));
    match outcome {
        Ok(()) => first_error.into_inner(),
        Err(panic) => {
            report_rayon_failure(user_context, panic.as_ref());
            halide_error_code_generic_error
        }
    }
}

/// Reports a rayon failure through Halide's error handler, so the message
/// reaches the call that ran the loop (like any other error of the call).
fn report_rayon_failure(user_context: *mut c_void, panic: &(dyn std::any::Any + Send)) {
    let reason = (panic.downcast_ref::<&str>().copied())
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    let message = format!("rayon could not run a parallel loop of the pipeline: {reason}");
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    // SAFETY: `user_context` is the call's own (Halide's, passed on), and the
    // message is a NUL-terminated string that outlives the call.
    unsafe { halide_error(user_context, message.as_ptr()) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::Mutex;

    thread_local! {
        /// Makes the next rayon loop of this thread panic inside rayon's part.
        static FAIL_IN_RAYON: Cell<bool> = const { Cell::new(false) };
    }

    pub(super) fn maybe_fail_in_rayon() {
        if FAIL_IN_RAYON.replace(false) {
            panic!("injected rayon failure");
        }
    }

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

    /// Rayon's pool chosen for one test: the tests that choose it run one at a
    /// time, and the choice before it comes back when the guard drops, so no
    /// test sees another's process-wide setting.
    struct RayonChosen {
        previous: ParallelPool,
        _one_at_a_time: std::sync::MutexGuard<'static, ()>,
    }

    fn choose_rayon() -> RayonChosen {
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let guard = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        RayonChosen {
            previous: set_thread_pool(ParallelPool::Rayon),
            _one_at_a_time: guard,
        }
    }

    impl Drop for RayonChosen {
        fn drop(&mut self) {
            set_thread_pool(self.previous);
        }
    }

    fn run(pool: &rayon::ThreadPool, min: c_int, size: c_int, fail_at: c_int) -> (c_int, Vec<(c_int, Option<usize>)>) {
        let record = Record {
            seen: Mutex::new(Vec::new()),
            fail_at,
        };
        let closure = Shared(std::ptr::from_ref(&record).cast_mut().cast());
        let _rayon = choose_rayon();
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

    #[test]
    fn a_rayon_failure_reaches_the_calls_error_message() {
        let sink = crate::hooks::error_sinks::CallSink::take();
        crate::hooks::install();
        let _rayon = choose_rayon();
        let record = Record {
            seen: Mutex::new(Vec::new()),
            fail_at: c_int::MIN,
        };
        FAIL_IN_RAYON.set(true);
        // SAFETY: `record_iteration` is a valid task with `record` as its
        // closure; the user context is a sink this test holds.
        let code = unsafe {
            do_par_for(
                sink.user_context().cast_mut(),
                Some(record_iteration),
                0,
                8,
                std::ptr::from_ref(&record).cast_mut().cast(),
            )
        };
        assert_eq!(code, halide_error_code_generic_error);
        assert_eq!(
            sink.messages(),
            "rayon could not run a parallel loop of the pipeline: injected rayon failure"
        );
        assert!(record.seen.into_inner().unwrap().is_empty());
    }
}
