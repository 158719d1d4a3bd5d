//! Routing Halide's error messages to the call that caused them.
//!
//! Every pipeline is built with Halide's `user_context` feature: its first
//! argument is an opaque pointer that Halide hands to the process-wide error
//! handler with each message, on whatever thread the error happens. A call of
//! ours passes a pointer to a [`Sink`] it holds for the call.
//!
//! Other callers pass contexts of their own (a raw `-sys` call, another Halide
//! library, another copy of this crate), which may point at anything. The
//! handler must therefore recognise ours *without reading through the
//! pointer*: sinks live in slabs that are allocated once and never freed, and
//! a context is ours exactly when its address is a sink's address in one of
//! them. Reading a sink is then always sound (it is a `'static` value with
//! interior mutability), whichever call holds it. Every other context, null
//! included, goes to the handler that was installed before ours.
//!
//! Cost on the call path: one compare-and-swap to take a sink (usually the one
//! this thread took last time) and one store to give it back.

use std::cell::Cell;
use std::ffi::{CStr, c_char, c_void};
use std::mem::size_of;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use halide_runtime_sys::{halide_error_handler_t, halide_set_error_handler};

/// Where the messages of one call go. Aligned to its own cache lines, so that
/// calls on different cores do not share them.
#[repr(align(128))]
pub(crate) struct Sink {
    taken: AtomicBool,
    has_messages: AtomicBool,
    /// The most threads the call's parallel loops may use (0: no limit): set
    /// by the call from `with_threads`, read by the `do_par_for` hook.
    thread_limit: AtomicUsize,
    messages: Mutex<String>,
}

impl Sink {
    const fn new() -> Self {
        Sink {
            taken: AtomicBool::new(false),
            has_messages: AtomicBool::new(false),
            thread_limit: AtomicUsize::new(0),
            messages: Mutex::new(String::new()),
        }
    }

    fn push(&self, message: &str) {
        let mut messages = self.messages.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !messages.is_empty() {
            messages.push('\n');
        }
        messages.push_str(message);
        self.has_messages.store(true, Ordering::Release);
    }

    fn try_take(&self) -> bool {
        !self.taken.load(Ordering::Relaxed)
            && self
                .taken
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }
}

/// Slab `k` holds `FIRST_SLAB << k` sinks; the slabs together hold more sinks
/// than there can be concurrent calls.
const FIRST_SLAB: usize = 16;
const SLABS: usize = 40;

/// The first sink of each slab (null: not allocated yet). Slabs are leaked:
/// a sink's address stays valid, and ours, for the rest of the process.
static SLABS_START: [AtomicPtr<Sink>; SLABS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLABS];

fn slab_len(slab: usize) -> usize {
    FIRST_SLAB << slab
}

/// The sinks of `slab`, if it has been allocated.
fn slab(slab: usize) -> Option<&'static [Sink]> {
    let start = SLABS_START[slab].load(Ordering::Acquire);
    // SAFETY: a non-null start was published (Release) by `allocate_slab` after
    // it leaked `slab_len(slab)` initialized sinks there; they are never freed.
    (!start.is_null()).then(|| unsafe { std::slice::from_raw_parts(start, slab_len(slab)) })
}

fn allocate_slab(index: usize) -> &'static [Sink] {
    let sinks: &'static mut [Sink] = Box::leak((0..slab_len(index)).map(|_| Sink::new()).collect());
    match SLABS_START[index].compare_exchange(ptr::null_mut(), sinks.as_mut_ptr(), Ordering::AcqRel, Ordering::Acquire)
    {
        Ok(_) => sinks,
        // Another thread published this slab first: use its (ours stays leaked,
        // unused; at most once per slab and racing thread).
        Err(_) => slab(index).expect("published above"),
    }
}

/// The sink `user_context` points at, if it is one of ours. Compares
/// addresses only: a foreign context is never read.
fn find(user_context: *mut c_void) -> Option<&'static Sink> {
    let address = user_context as usize;
    (0..SLABS).map_while(slab).find_map(|sinks| {
        let offset = address.checked_sub(sinks.as_ptr() as usize)?;
        let index = offset / size_of::<Sink>();
        (offset % size_of::<Sink>() == 0 && index < sinks.len()).then(|| &sinks[index])
    })
}

/// The thread limit of the call whose context is `user_context` (0: none, or
/// not a call of ours). Compares addresses only, as [`find`] does.
pub(crate) fn thread_limit(user_context: *mut c_void) -> usize {
    find(user_context).map_or(0, |sink| sink.thread_limit.load(Ordering::Relaxed))
}

thread_local! {
    /// The sink this thread took last: free again in the common case.
    static LAST: Cell<Option<&'static Sink>> = const { Cell::new(None) };
}

/// A sink held for one call. Giving it back clears what the call left in it.
pub(crate) struct CallSink(&'static Sink);

impl CallSink {
    /// Takes a free sink (a nested call on this thread takes another one).
    #[inline]
    pub(crate) fn take() -> CallSink {
        if let Some(sink) = LAST.get()
            && sink.try_take()
        {
            return CallSink(sink);
        }
        Self::take_slow()
    }

    #[cold]
    fn take_slow() -> CallSink {
        for index in 0..SLABS {
            let sinks = slab(index).unwrap_or_else(|| allocate_slab(index));
            if let Some(sink) = sinks.iter().find(|sink| sink.try_take()) {
                LAST.set(Some(sink));
                return CallSink(sink);
            }
        }
        unreachable!("more concurrent pipeline calls than {} sinks", FIRST_SLAB << SLABS)
    }

    /// The `user_context` to pass to Halide for this call.
    #[inline]
    pub(crate) fn user_context(&self) -> *const c_void {
        ptr::from_ref(self.0).cast()
    }

    /// Limits the call's parallel loops to `threads` threads (0: no limit).
    #[inline]
    pub(crate) fn set_thread_limit(&self, threads: usize) {
        self.0.thread_limit.store(threads, Ordering::Relaxed);
    }

    /// The messages Halide reported for this call.
    pub(crate) fn messages(self) -> String {
        self.clear()
    }

    fn clear(&self) -> String {
        if !self.0.has_messages.load(Ordering::Acquire) {
            return String::new();
        }
        self.0.has_messages.store(false, Ordering::Relaxed);
        let mut messages = self.0.messages.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut *messages)
    }
}

impl Drop for CallSink {
    fn drop(&mut self) {
        self.clear();
        self.0.thread_limit.store(0, Ordering::Relaxed);
        self.0.taken.store(false, Ordering::Release);
    }
}

/// The handler that was installed before ours: it gets every message that is
/// not from one of our calls. Set once, just after ours is installed.
static PREVIOUS: OnceLock<halide_error_handler_t> = OnceLock::new();

/// Halide's error handler for the whole process.
///
/// Never unwinds into Halide's C code: everything that could panic runs inside
/// `catch_unwind`, and a panic there drops the message.
unsafe extern "C" fn route_error(user_context: *mut c_void, message: *const c_char) {
    let _ = std::panic::catch_unwind(|| {
        let Some(sink) = find(user_context) else {
            return forward(user_context, message);
        };
        if !message.is_null() {
            // SAFETY: Halide passes a NUL-terminated message valid for this call.
            let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
            sink.push(text.trim_end());
        }
    });
}

/// Hands a message that is not ours to the handler installed before ours
/// (Halide's default prints it and aborts, as it would have without us).
fn forward(user_context: *mut c_void, message: *const c_char) {
    if let Some(previous) = super::replaced(&PREVIOUS) {
        // SAFETY: `previous` is the handler Halide held before ours, called with
        // the arguments Halide gave us, as Halide itself would have called it.
        unsafe { previous(user_context, message) };
    }
}

/// Installs [`route_error`] and keeps the handler it replaces.
pub(super) fn install() {
    // SAFETY: `route_error` has the signature Halide expects and never unwinds.
    // (Halide stores the pointer without synchronization; installing happens
    // once per copy of this crate.)
    let previous = unsafe { halide_set_error_handler(Some(route_error)) };
    PREVIOUS
        .set(previous)
        .expect("the error handler is installed once per copy of the crate");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sink_addresses_are_ours() {
        let held = CallSink::take();
        let context = held.user_context().cast_mut();
        assert!(find(context).is_some());
        let inside = context.cast::<u8>().wrapping_add(8).cast();
        assert!(find(inside).is_none(), "an address inside a sink is not a sink");
        assert!(find(ptr::null_mut()).is_none());
        let foreign = [0u8; 256];
        assert!(find(foreign.as_ptr().cast_mut().cast()).is_none());
    }

    #[test]
    fn nested_calls_take_distinct_sinks_and_messages_stay_apart() {
        let outer = CallSink::take();
        let inner = CallSink::take();
        assert_ne!(outer.user_context(), inner.user_context());
        find(outer.user_context().cast_mut()).unwrap().push("outer");
        find(inner.user_context().cast_mut()).unwrap().push("inner 1");
        find(inner.user_context().cast_mut()).unwrap().push("inner 2\n");
        assert_eq!(inner.messages(), "inner 1\ninner 2\n");
        assert_eq!(outer.messages(), "outer");
    }

    #[test]
    fn more_concurrent_calls_than_a_slab_get_sinks_of_their_own() {
        let held: Vec<CallSink> = (0..3 * FIRST_SLAB).map(|_| CallSink::take()).collect();
        let mut contexts: Vec<_> = held.iter().map(CallSink::user_context).collect();
        contexts.sort();
        contexts.dedup();
        assert_eq!(contexts.len(), held.len());
        assert!(contexts.iter().all(|&context| find(context.cast_mut()).is_some()));
    }

    #[test]
    fn a_returned_sink_comes_back_empty() {
        // A sink of the test's own: between giving a sink back and taking one
        // again, a call on another test thread may take this thread's last
        // sink, so the shared ones cannot show what giving back leaves.
        static OWN: Sink = Sink::new();
        assert!(OWN.try_take());
        let first = CallSink(&OWN);
        first.set_thread_limit(3);
        OWN.push("left over from a call that succeeded");
        drop(first);
        assert!(OWN.try_take(), "a returned sink is free");
        let again = CallSink(&OWN);
        assert_eq!(OWN.thread_limit.load(Ordering::Relaxed), 0, "and has no thread limit");
        assert_eq!(again.messages(), "", "and no messages");
    }

    #[test]
    fn the_sink_a_thread_takes_is_the_one_it_tries_first_next_time() {
        drop(CallSink::take());
        // Usually the sink just given back; another test thread may take it
        // in between (its slow path scans every sink), and then this thread
        // takes another one: either way, the one it takes is remembered.
        let again = CallSink::take();
        let last = LAST.get().map(|sink| ptr::from_ref(sink).cast::<c_void>());
        assert_eq!(last, Some(again.user_context()));
    }
}
