//! The allocator Halide uses for its intermediate buffers: the system
//! allocator, plus a small cache of freed blocks.
//!
//! Why the cache: a pipeline allocates its line buffers at the start of every
//! strip of rows and frees them at the end, from every worker thread. Blocks of
//! hundreds of kilobytes go back to the kernel on free (glibc trims or unmaps
//! them) and come back as fresh pages to be faulted in and zeroed; the page
//! faults serialize the threads on the address-space lock. Measured on a
//! 12 MP Menon2007 demosaic (2 cores): 72 ms, half of it in the kernel, against
//! 38 ms when freed blocks are reused.
//!
//! At most `CACHE_BLOCKS` blocks and `CACHE_BYTES` bytes are kept; anything
//! beyond goes back to the system, and [`release_cached_memory`] gives back
//! everything. `HALIDE_PIPELINES_ALLOCATOR_CACHE=off` (read once) turns the
//! cache off, so that a memory checker sees every block freed when Halide
//! frees it (a use-after-free inside Halide is invisible while the block
//! stays alive in the cache).
//!
//! The allocator is process-wide (see [`super`]). Blocks another allocator
//! made (Halide's default one before our install, or another library's) can
//! reach our `free`: we keep the addresses of our live blocks, and a block
//! that is not among them goes to the `free` that was installed before ours.
//! Ours is installed before our `malloc`, so no block of ours can ever meet
//! the old `free`.
//!
//! Halide's contract for `halide_malloc` (`HalideRuntime.h`): the pointer is
//! aligned for any vector, the usable size is a whole number of alignment
//! units, and 8 bytes before the start and after the end are readable. Each
//! block is `ALIGNMENT` of padding, the size rounded up to `ALIGNMENT`, and
//! `ALIGNMENT` of padding.

use std::alloc::{Layout, alloc, dealloc};
use std::collections::HashMap;
use std::ffi::c_void;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard, OnceLock};

use halide_runtime_sys::{halide_free_t, halide_set_custom_free, halide_set_custom_malloc};
use once_cell::sync::Lazy;

/// Halide's x86 default is 64 and its widest vectors are 128 bytes (HVX).
const ALIGNMENT: usize = 128;
const CACHE_BLOCKS: usize = 64;
const CACHE_BYTES: usize = 64 << 20;

/// The environment variable that turns the cache off (`off` or `0`).
pub(crate) const CACHE_SWITCH: &str = "HALIDE_PIPELINES_ALLOCATOR_CACHE";

static CACHE_ENABLED: Lazy<bool> = Lazy::new(|| !matches!(std::env::var(CACHE_SWITCH).as_deref(), Ok("off" | "0")));

/// Hashes a block address: they are distinct multiples of ALIGNMENT, so one
/// multiply spreads them well (SipHash would cost more than the lookup).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8 | u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, address: usize) {
        self.0 = (address as u64 >> 7).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A block of ours: where its allocation starts and its layout size.
#[derive(Clone, Copy)]
struct Block {
    start: usize,
    size: usize,
}

struct State {
    /// Blocks Halide holds, by the pointer it was given.
    live: HashMap<usize, Block, BuildHasherDefault<AddressHasher>>,
    /// Freed blocks kept for reuse, and their total size.
    cached: Vec<Block>,
    cached_bytes: usize,
}

/// What became of a pointer handed to [`State::free`].
enum Freed {
    /// Ours, kept for reuse.
    Cached,
    /// Ours, to be given back to the system (outside the lock).
    Release(Block),
    /// Not a live block of ours.
    NotOurs,
}

impl State {
    const fn new() -> Self {
        State {
            live: HashMap::with_hasher(BuildHasherDefault::new()),
            cached: Vec::new(),
            cached_bytes: 0,
        }
    }

    /// A block of at least `size` usable bytes (see the module documentation),
    /// from the cache or the system; the pointer to hand out, or None.
    fn allocate(&mut self, size: usize) -> Option<usize> {
        let size = size.checked_next_multiple_of(ALIGNMENT)?.checked_add(2 * ALIGNMENT)?;
        self.live.try_reserve(1).ok()?;
        let reused = (self.cached.iter().enumerate())
            .filter(|(_, block)| block.size >= size && block.size / 2 <= size)
            .min_by_key(|(_, block)| block.size)
            .map(|(index, _)| index);
        let block = match reused {
            Some(index) => {
                let block = self.cached.swap_remove(index);
                self.cached_bytes -= block.size;
                block
            }
            None => {
                // SAFETY: the layout has a non-zero size (at least 2 * ALIGNMENT).
                let start = unsafe { alloc(layout(size)?) };
                if start.is_null() {
                    return None;
                }
                Block {
                    start: start as usize,
                    size,
                }
            }
        };
        let pointer = block.start + ALIGNMENT;
        self.live.insert(pointer, block);
        Some(pointer)
    }

    fn free(&mut self, pointer: usize, cache: bool) -> Freed {
        let Some(block) = self.live.remove(&pointer) else {
            return Freed::NotOurs;
        };
        if !(cache && self.cached.len() < CACHE_BLOCKS && self.cached_bytes + block.size <= CACHE_BYTES) {
            return Freed::Release(block);
        }
        if self.cached.capacity() == 0 {
            self.cached.reserve_exact(CACHE_BLOCKS);
        }
        self.cached.push(block);
        self.cached_bytes += block.size;
        Freed::Cached
    }

    /// Empties the cache; the caller releases the blocks outside the lock.
    fn drain_cache(&mut self) -> Vec<Block> {
        self.cached_bytes = 0;
        std::mem::take(&mut self.cached)
    }
}

static STATE: Mutex<State> = Mutex::new(State::new());

fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size, ALIGNMENT).ok()
}

/// `halide_malloc_t`: never unwinds; returns null on failure (Halide then
/// reports an out-of-memory error for the call).
unsafe extern "C" fn halide_cached_malloc(_user_context: *mut c_void, size: usize) -> *mut c_void {
    let pointer = std::panic::catch_unwind(|| lock().allocate(size));
    pointer
        .ok()
        .flatten()
        .map_or(std::ptr::null_mut(), |pointer| pointer as *mut c_void)
}

/// `halide_free_t`: keeps our blocks for reuse if the cache has room, and
/// hands any other block to the `free` installed before ours.
unsafe extern "C" fn halide_cached_free(user_context: *mut c_void, pointer: *mut c_void) {
    if pointer.is_null() {
        return;
    }
    match std::panic::catch_unwind(|| lock().free(pointer as usize, *CACHE_ENABLED)) {
        Ok(Freed::Cached) => {}
        Ok(Freed::Release(block)) => release(block),
        // Not ours (a panic cannot happen here: nothing in `free` panics):
        // whoever allocated it frees it.
        Ok(Freed::NotOurs) | Err(_) => forward_free(user_context, pointer),
    }
}

fn release(block: Block) {
    if let Some(layout) = layout(block.size) {
        // SAFETY: the block was allocated by `alloc` with this very layout
        // (same size, ALIGNMENT), and is neither live nor cached any more.
        unsafe { dealloc(block.start as *mut u8, layout) };
    }
}

/// The `free` Halide held before ours. Set once, just after ours is installed.
static PREVIOUS_FREE: OnceLock<halide_free_t> = OnceLock::new();

fn forward_free(user_context: *mut c_void, pointer: *mut c_void) {
    if let Some(previous) = super::replaced(&PREVIOUS_FREE) {
        // SAFETY: the block is not one of ours, so it came from the allocator
        // installed before ours; its own `free` releases it.
        unsafe { previous(user_context, pointer) };
    }
}

/// Installs our pair: `free` first, so that every block our `malloc` hands
/// out meets our `free`, and blocks made before meet theirs through it.
pub(super) fn install() {
    // SAFETY: `halide_cached_free` has Halide's signature and never unwinds;
    // it frees only blocks of ours and forwards the rest. (Halide stores the
    // pointers without synchronization; installing happens once per copy of
    // this crate.)
    let previous = unsafe { halide_set_custom_free(Some(halide_cached_free)) };
    PREVIOUS_FREE
        .set(previous)
        .expect("the allocator is installed once per copy of the crate");
    // SAFETY: `halide_cached_malloc` has Halide's signature, never unwinds and
    // keeps Halide's contract (see the module documentation).
    unsafe { halide_set_custom_malloc(Some(halide_cached_malloc)) };
}

/// Gives the blocks this crate keeps for reuse back to the system, and returns
/// how many bytes that was. For long-running processes that demosaicked a
/// large frame once and want its buffers back; the next pipeline call
/// allocates afresh. Blocks Halide holds at the moment are not touched.
///
/// The cache holds at most 64 blocks and 64 MiB. Setting the environment
/// variable `HALIDE_PIPELINES_ALLOCATOR_CACHE=off` before the first pipeline
/// call turns it off.
///
/// ```
/// let released = halide_pipelines::release_cached_memory();
/// assert_eq!(halide_pipelines::release_cached_memory(), 0);
/// # let _ = released;
/// ```
pub fn release_cached_memory() -> usize {
    let cached = lock().drain_cache();
    let bytes = cached.iter().map(|block| block.size).sum();
    cached.into_iter().for_each(release);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each test works on a `State` of its own: independent of the order and
    /// concurrency of the other tests, which may use the process-wide one.
    #[test]
    fn blocks_keep_halides_contract_and_freed_ones_are_reused() {
        let mut state = State::new();
        let first = state.allocate(100_000).unwrap() as *mut u8;
        assert_eq!(first as usize % ALIGNMENT, 0);
        // SAFETY (test): within the block: 8 bytes before, the size rounded up
        // to ALIGNMENT, and 8 bytes after.
        unsafe {
            first.sub(8).write_bytes(0, 8);
            first.write_bytes(0xAB, 100_096);
            first.add(100_096).write_bytes(0, 8);
        }
        assert!(matches!(state.free(first as usize, true), Freed::Cached));
        let second = state.allocate(90_000).unwrap();
        assert_eq!(second, first as usize, "a freed block of a similar size is reused");
        let large = state.allocate(1_000_000).unwrap();
        assert_ne!(large, second, "a block twice too small is not");
        assert!(state.allocate(usize::MAX).is_none());
        assert!(state.allocate(usize::MAX - 2 * ALIGNMENT).is_none());
        for pointer in [second, large] {
            assert!(matches!(state.free(pointer, true), Freed::Cached));
        }
        assert_eq!(state.cached_bytes, 100_096 + 1_000_064 + 4 * ALIGNMENT);
        state.drain_cache().into_iter().for_each(release);
        assert!(state.live.is_empty() && state.cached.is_empty() && state.cached_bytes == 0);
    }

    #[test]
    fn with_the_cache_off_freed_blocks_go_back_at_once() {
        let mut state = State::new();
        let block = state.allocate(5000).unwrap();
        let Freed::Release(freed) = state.free(block, false) else {
            panic!("kept a block with the cache off");
        };
        release(freed);
        assert!(state.cached.is_empty());
    }

    #[test]
    fn pointers_that_are_not_live_blocks_are_not_ours() {
        let mut state = State::new();
        let block = state.allocate(64).unwrap();
        let foreign = [0u8; 64];
        assert!(matches!(state.free(foreign.as_ptr() as usize, true), Freed::NotOurs));
        assert!(matches!(state.free(block + ALIGNMENT, true), Freed::NotOurs));
        let Freed::Release(freed) = state.free(block, false) else {
            panic!("our block");
        };
        release(freed);
        assert!(
            matches!(state.free(block, true), Freed::NotOurs),
            "a second free of a block is not ours"
        );
    }
}
