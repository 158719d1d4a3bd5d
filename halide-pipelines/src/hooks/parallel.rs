//! Halide's parallel loops: a per-call limit on the threads that run them
//! ([`with_threads`]) and, with the `rayon` feature, rayon's threads instead
//! of Halide's ([`set_thread_pool`]).
//!
//! Every parallel loop of our pipelines is one `halide_do_par_for` call (the
//! archives import no other task entry point; `generators/check_archives.py`
//! checks that). Our [`do_par_for`] is installed only when one of the two is
//! first asked for (once); until then Halide's loops run exactly as without
//! this crate. It then:
//! - finds the call's limit in the call's sink (the `user_context` Halide
//!   passes to every loop, on whatever thread: see `error_sinks`); a loop of
//!   a call that is not ours has none;
//! - under a limit of `n` threads, runs the loop as `n` workers that take
//!   iterations in turn from a shared counter (`n == 1`: on the calling
//!   thread alone); a loop nested inside such a worker runs on that worker;
//! - otherwise runs the loop as before: on rayon (the pool of the calling
//!   rayon worker, inside `rayon::ThreadPool::install`, or else rayon's global
//!   pool) after `set_thread_pool(ParallelPool::Rayon)`, or on the
//!   `do_par_for` that was installed before ours.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};

use halide_runtime_sys::{
    halide_default_do_par_for, halide_do_par_for_t, halide_error_code_generic_error, halide_set_custom_do_par_for,
    halide_task_t,
};

use super::error_sinks;

/// The `do_par_for` Halide held before ours: it runs the loops that are
/// neither limited nor on rayon. Set once, just after ours is installed.
static PREVIOUS: OnceLock<halide_do_par_for_t> = OnceLock::new();

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

thread_local! {
    /// The limit [`with_threads`] set for this thread's calls (0: none).
    static LIMIT: Cell<usize> = const { Cell::new(0) };
    /// Whether this thread is running a limited loop's worker.
    static IN_LIMITED_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, in which every pipeline call made **on this thread** uses at most
/// `threads` threads for its parallel loops, the calling thread included (`0`:
/// no limit, as outside). Calls on other threads are not affected, whatever
/// they run meanwhile, and the limit holds after a larger count has run
/// (unlike lowering [`set_num_threads`](crate::set_num_threads), which
/// Halide's pool does not honour once its threads have started). Nested
/// `with_threads` calls apply the innermost limit; the previous one comes back
/// when `f` returns or unwinds.
///
/// For a program that runs several streams at once, each within its share of
/// the cores, or a library that must stay within its caller's budget.
///
/// ```
/// use halide_pipelines::{demosaic_to_array, with_threads, CfaPattern, DemosaicAlgorithm};
/// let raw = ndarray::Array2::<u16>::from_elem((64, 64), 1000);
/// // This stream gets two of the machine's threads.
/// let rgb = with_threads(2, || demosaic_to_array(&raw, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007))?;
/// assert!(rgb.iter().all(|&v| v == 1000));
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn with_threads<R>(threads: usize, f: impl FnOnce() -> R) -> R {
    if threads != 0 {
        install();
    }
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMIT.set(self.0);
        }
    }
    let _restore = Restore(LIMIT.replace(threads));
    f()
}

/// The limit of calls made on this thread now (0: none), for the call's sink.
#[inline]
pub(crate) fn current_limit() -> usize {
    LIMIT.get()
}

/// A limited loop: `workers` tasks that take the iterations in turn.
struct Limited {
    task: unsafe extern "C" fn(*mut c_void, c_int, *mut u8) -> c_int,
    closure: *mut u8,
    next: AtomicI64,
    end: i64,
    first_error: AtomicI32,
}

/// One worker of a [`Limited`] loop: runs iterations until none is left or
/// one failed.
///
/// # Safety
/// `closure` points to a `Limited` that outlives the loop.
unsafe extern "C" fn limited_worker(user_context: *mut c_void, _worker: c_int, closure: *mut u8) -> c_int {
    // SAFETY: the caller's guarantee.
    let limited = unsafe { &*closure.cast::<Limited>() };
    let was_worker = IN_LIMITED_WORKER.replace(true);
    while limited.first_error.load(Ordering::Relaxed) == 0 {
        let index = limited.next.fetch_add(1, Ordering::Relaxed);
        if index >= limited.end {
            break;
        }
        // SAFETY: Halide's task and closure for this loop; `index` is in the
        // loop's range `min..min + size`, so it fits a `c_int`.
        let code = unsafe { (limited.task)(user_context, index as c_int, limited.closure) };
        if code != 0 {
            let _ = limited
                .first_error
                .compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
        }
    }
    IN_LIMITED_WORKER.set(was_worker);
    0
}

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
    let limit = if IN_LIMITED_WORKER.get() {
        1
    } else {
        error_sinks::thread_limit(user_context)
    };
    if limit == 0 || limit >= size.max(0) as usize {
        // SAFETY: Halide's arguments, passed on unchanged.
        return unsafe { unlimited(user_context, task, min, size, closure) };
    }
    let Some(task) = task else {
        return halide_error_code_generic_error;
    };
    let limited = Limited {
        task,
        closure,
        next: AtomicI64::new(i64::from(min)),
        end: i64::from(min) + i64::from(size),
        first_error: AtomicI32::new(0),
    };
    let closure = std::ptr::from_ref(&limited).cast_mut().cast();
    let code = if limit == 1 {
        // SAFETY: `limited` outlives the call.
        unsafe { limited_worker(user_context, 0, closure) }
    } else {
        // `limit` workers (fewer than `size`, so it fits a `c_int`) on the
        // pool the loop would have run on.
        // SAFETY: `limited_worker` is a valid task for `closure`, which
        // outlives the loop; `unlimited` returns after every worker ran.
        unsafe { unlimited(user_context, Some(limited_worker), 0, limit as c_int, closure) }
    };
    match limited.first_error.into_inner() {
        0 => code,
        error => error,
    }
}

/// Runs a loop without a limit: on rayon if it was chosen, else on the
/// `do_par_for` installed before ours (Halide's default if there was none).
///
/// # Safety
/// A valid task and closure for `min..min + size`, as Halide passes them.
unsafe fn unlimited(
    user_context: *mut c_void,
    task: halide_task_t,
    min: c_int,
    size: c_int,
    closure: *mut u8,
) -> c_int {
    #[cfg(feature = "rayon")]
    if rayon_pool::chosen() {
        // SAFETY: forwarded from the caller.
        return unsafe { rayon_pool::do_par_for(user_context, task, min, size, closure) };
    }
    match super::replaced(&PREVIOUS) {
        // SAFETY: the arguments are Halide's own, passed on unchanged.
        Some(previous) => unsafe { previous(user_context, task, min, size, closure) },
        // SAFETY: as above.
        None => unsafe { halide_default_do_par_for(user_context, task, min, size, closure) },
    }
}

#[cfg(feature = "rayon")]
pub use rayon_pool::{ParallelPool, set_thread_pool};

/// Feature `rayon`: the loops on rayon's threads, chosen at run time.
#[cfg(feature = "rayon")]
mod rayon_pool {
    use std::ffi::{CString, c_int, c_void};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};

    use halide_runtime_sys::{halide_error, halide_error_code_generic_error, halide_task_t};
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

    pub(super) fn chosen() -> bool {
        POOL.load(Ordering::Relaxed) == ParallelPool::Rayon as u8
    }

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
            super::install();
        }
        match POOL.swap(pool as u8, Ordering::Relaxed) {
            value if value == ParallelPool::Rayon as u8 => ParallelPool::Rayon,
            _ => ParallelPool::Halide,
        }
    }

    /// A pointer Halide hands to every iteration of a loop: the loop body reads its
    /// captured values through it from whichever thread runs the iteration.
    #[derive(Clone, Copy)]
    pub(super) struct Shared(pub(super) *mut c_void);

    impl Shared {
        /// The pointer. (A method, so that closures capture the whole `Shared`,
        /// not just its non-`Send` field.)
        pub(super) fn get(self) -> *mut c_void {
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

    /// The loop as a rayon parallel iterator. If rayon itself fails (a panic,
    /// e.g. its pool cannot start), the call gets Halide's generic error with
    /// a message saying so.
    ///
    /// # Safety
    /// A valid task and closure for `min..min + size`, as Halide passes them.
    pub(super) unsafe fn do_par_for(
        user_context: *mut c_void,
        task: halide_task_t,
        min: c_int,
        size: c_int,
        closure: *mut u8,
    ) -> c_int {
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
            super::tests::on_rayon::maybe_fail_in_rayon();
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    /// What the iterations of one loop saw: the threads that ran them, and the
    /// most that ran at once.
    #[derive(Default)]
    struct Workers {
        threads: Mutex<HashSet<std::thread::ThreadId>>,
        running: AtomicUsize,
        most_at_once: AtomicUsize,
        iterations: AtomicUsize,
    }

    unsafe extern "C" fn count_worker(_user_context: *mut c_void, _index: c_int, closure: *mut u8) -> c_int {
        // SAFETY: the tests pass a `Workers` that outlives the loop.
        let workers = unsafe { &*closure.cast::<Workers>() };
        let now = workers.running.fetch_add(1, Ordering::SeqCst) + 1;
        workers.most_at_once.fetch_max(now, Ordering::SeqCst);
        workers.threads.lock().unwrap().insert(std::thread::current().id());
        // Long enough for other threads to join in, if they may.
        std::thread::sleep(std::time::Duration::from_micros(200));
        workers.iterations.fetch_add(1, Ordering::SeqCst);
        workers.running.fetch_sub(1, Ordering::SeqCst);
        0
    }

    /// Runs a 64-iteration loop through our hook as a call of ours limited to
    /// `limit` threads would (its sink carries the limit), on Halide's pool.
    fn limited_loop(limit: usize) -> Workers {
        let workers = Workers::default();
        let sink = error_sinks::CallSink::take();
        with_threads(limit, || sink.set_thread_limit(current_limit()));
        // SAFETY: `count_worker` is a valid task for `workers`, which outlives
        // the loop; the user context is a sink this test holds.
        let code = unsafe {
            do_par_for(
                sink.user_context().cast_mut(),
                Some(count_worker),
                0,
                64,
                std::ptr::from_ref(&workers).cast_mut().cast(),
            )
        };
        assert_eq!(code, 0);
        assert_eq!(
            workers.iterations.load(Ordering::SeqCst),
            64,
            "every iteration ran once"
        );
        workers
    }

    #[test]
    fn two_threads_with_limits_of_one_and_two_use_at_most_that_many_workers() {
        // A pool larger than either limit.
        crate::set_num_threads(8);
        let (one, two) = std::thread::scope(|scope| {
            let one = scope.spawn(|| limited_loop(1));
            let two = scope.spawn(|| limited_loop(2));
            (one.join().unwrap(), two.join().unwrap())
        });
        assert_eq!(one.threads.lock().unwrap().len(), 1);
        assert_eq!(one.most_at_once.load(Ordering::SeqCst), 1);
        assert!(two.threads.lock().unwrap().len() <= 2);
        assert!(two.most_at_once.load(Ordering::SeqCst) <= 2);
        // Without a limit the same loop spreads over the pool (the machine
        // may have one core, so only "more than one thread" is asserted).
        let free = limited_loop(0);
        assert!(free.most_at_once.load(Ordering::SeqCst) >= 1);
        crate::set_num_threads(0);
    }

    #[test]
    fn a_failing_iteration_of_a_limited_loop_returns_its_code() {
        unsafe extern "C" fn fail_at_ten(_: *mut c_void, index: c_int, closure: *mut u8) -> c_int {
            // SAFETY: the test passes an AtomicUsize that outlives the loop.
            let ran = unsafe { &*closure.cast::<AtomicUsize>() };
            ran.fetch_add(1, Ordering::SeqCst);
            if index == 10 { -7 } else { 0 }
        }
        let ran = AtomicUsize::new(0);
        let sink = error_sinks::CallSink::take();
        sink.set_thread_limit(1);
        // SAFETY: as in `limited_loop`.
        let code = unsafe {
            do_par_for(
                sink.user_context().cast_mut(),
                Some(fail_at_ten),
                5,
                100,
                std::ptr::from_ref(&ran).cast_mut().cast(),
            )
        };
        assert_eq!(code, -7);
        assert_eq!(
            ran.load(Ordering::SeqCst),
            6,
            "one worker stops at the failing iteration"
        );
    }

    #[test]
    fn with_threads_restores_the_outer_limit() {
        assert_eq!(current_limit(), 0);
        with_threads(3, || {
            assert_eq!(current_limit(), 3);
            let caught = std::panic::catch_unwind(|| with_threads(1, || panic!("inside")));
            assert!(caught.is_err());
            assert_eq!(current_limit(), 3, "restored after an unwind");
        });
        assert_eq!(current_limit(), 0);
    }

    #[cfg(feature = "rayon")]
    pub(crate) mod on_rayon {
        use super::super::rayon_pool::{ParallelPool, Shared, set_thread_pool};
        use super::super::*;
        use std::cell::Cell;
        use std::sync::Mutex;

        thread_local! {
            /// Makes the next rayon loop of this thread panic inside rayon's part.
            static FAIL_IN_RAYON: Cell<bool> = const { Cell::new(false) };
        }

        pub(crate) fn maybe_fail_in_rayon() {
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

        fn run(
            pool: &rayon::ThreadPool,
            min: c_int,
            size: c_int,
            fail_at: c_int,
        ) -> (c_int, Vec<(c_int, Option<usize>)>) {
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
}
