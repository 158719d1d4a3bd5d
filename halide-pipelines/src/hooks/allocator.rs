//! The allocator Halide uses for its intermediate buffers: the system
//! allocator, plus caches of freed blocks.
//!
//! Why the caches: a pipeline allocates its line buffers at the start of every
//! strip of rows and frees them at the end, from every worker thread. Blocks of
//! hundreds of kilobytes go back to the kernel on free (glibc trims or unmaps
//! them) and come back as fresh pages to be faulted in and zeroed; the page
//! faults serialize the threads on the address-space lock. Measured on a
//! 12 MP Menon2007 demosaic (2 cores): 72 ms, half of it in the kernel, against
//! 38 ms when freed blocks are reused.
//!
//! No lock is shared by all threads. Whether a pointer is one of our blocks is
//! written in the block itself (a tag in the padding before it, see below), so
//! `free` needs no table; freed blocks go to one of [`SHARDS`] caches, the one
//! of the freeing thread, each behind its own lock that in practice only that
//! thread takes; the system allocator is called outside every lock. Nothing
//! on the path is written by all threads, not even a byte counter (each cache
//! keeps its own). At most `CACHE_BLOCKS_PER_SHARD` blocks
//! and `CACHE_BYTES_PER_SHARD` bytes per cache are kept; anything beyond goes
//! back to the system, and [`release_cached_memory`] gives back everything.
//! `HALIDE_PIPELINES_ALLOCATOR_CACHE=off` (read once) turns the caches off, so
//! that a memory checker sees every block freed when Halide frees it (a
//! use-after-free inside Halide is invisible while the block stays cached).
//!
//! Halide's contract for `halide_malloc` (`HalideRuntime.h`): the pointer is
//! aligned for any vector, the usable size is a whole number of alignment
//! units, and 8 bytes before the start and after the end are readable. Each
//! block is `ALIGNMENT` of padding, the size rounded up to `ALIGNMENT`, and
//! `ALIGNMENT` of padding. The front padding holds, just before the pointer,
//! the block's layout size and then (the last 8 bytes) its tag: the pointer
//! mixed with a secret drawn once per process.
//!
//! The allocator is process-wide (see [`super`]). Blocks another allocator
//! made (Halide's default one before our install, or another library's) can
//! reach our `free`. Halide's contract makes the 8 bytes before any block
//! readable, so `free` reads them: our tag there means ours (Halide's default
//! allocator keeps a heap address there; another value equals the tag of that
//! very address with probability 2^-64 without knowing the secret), anything
//! else goes to the `free` installed before ours. Ours is installed before our
//! `malloc`, so no block of ours can ever meet the old `free`. A block's tag is
//! cleared when it is freed, so a second `free` of it is not taken for ours.

use std::alloc::{Layout, alloc, dealloc};
use std::cell::Cell;
use std::ffi::c_void;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use halide_runtime_sys::{halide_free_t, halide_set_custom_free, halide_set_custom_malloc};
use once_cell::sync::Lazy;

/// Halide's x86 default is 64 and its widest vectors are 128 bytes (HVX).
const ALIGNMENT: usize = 128;
/// Caches, each used by the threads whose index falls on it. More than the
/// cores of most machines, so two busy threads rarely share one.
const SHARDS: usize = 64;
const CACHE_BLOCKS_PER_SHARD: usize = 16;
/// Above the line buffers one thread of our pipelines holds (MLRI: 2–4 MB).
const CACHE_BYTES_PER_SHARD: usize = 8 << 20;

/// The environment variable that turns the cache off (`off` or `0`).
pub(crate) const CACHE_SWITCH: &str = "HALIDE_PIPELINES_ALLOCATOR_CACHE";

static CACHE_ENABLED: Lazy<bool> = Lazy::new(|| !matches!(std::env::var(CACHE_SWITCH).as_deref(), Ok("off" | "0")));

/// The per-process secret the tags are mixed with.
static SECRET: Lazy<u64> = Lazy::new(|| std::collections::hash_map::RandomState::new().hash_one(0x5EED_u64) | 1);

/// The tag of a live block of ours handed out at `pointer`.
fn tag(pointer: usize) -> u64 {
    let mixed = (pointer as u64 ^ *SECRET).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    mixed ^ (mixed >> 29)
}

/// A block of ours: where its allocation starts and its layout size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    start: usize,
    size: usize,
}

impl Block {
    /// The pointer Halide gets: after the front padding.
    fn pointer(self) -> usize {
        self.start + ALIGNMENT
    }

    /// Writes the size and the tag before the pointer: the block is live.
    fn mark_live(self) {
        let pointer = self.pointer();
        // SAFETY: the front padding (ALIGNMENT bytes, ours) holds both words;
        // `pointer` is ALIGNMENT-aligned, so they are aligned too.
        unsafe {
            ((pointer - 16) as *mut usize).write(self.size);
            ((pointer - 8) as *mut u64).write(tag(pointer));
        }
    }

    /// The block of ours Halide holds at `pointer`, if it is one, clearing its
    /// tag (it is no longer live).
    ///
    /// # Safety
    /// The 8 bytes before `pointer` are readable (Halide's contract for every
    /// `halide_malloc` block, ours or not).
    unsafe fn take_live(pointer: usize) -> Option<Block> {
        let tag_at = (pointer - 8) as *mut u64;
        // SAFETY: readable by the caller's guarantee; unaligned for a foreign
        // block that is not 8-aligned, hence `read_unaligned`.
        if !pointer.is_multiple_of(ALIGNMENT) || unsafe { tag_at.read_unaligned() } != tag(pointer) {
            return None;
        }
        // SAFETY: the tag says this is a live block of ours: its front padding
        // is ours, and holds the size written by `mark_live`.
        let size = unsafe { ((pointer - 16) as *const usize).read() };
        // SAFETY: as above; clearing the tag makes a second free not ours.
        unsafe { tag_at.write(0) };
        Some(Block {
            start: pointer - ALIGNMENT,
            size,
        })
    }
}

/// One cache of freed blocks (at most `CACHE_BLOCKS_PER_SHARD`), alone in its
/// cache lines: a lock and a vector are 32 bytes, so unaligned, neighbouring
/// shards shared a line and threads on different shards still wrote to the
/// same line on every allocation and free (128: Intel's prefetcher pulls
/// lines in pairs).
#[repr(align(128))]
struct Shard {
    blocks: Mutex<Vec<Block>>,
}

static CACHES: [Shard; SHARDS] = [const {
    Shard {
        blocks: Mutex::new(Vec::new()),
    }
}; SHARDS];

thread_local! {
    /// This thread's cache: threads take indices in the order they first
    /// allocate or free.
    static SHARD: Cell<Option<usize>> = const { Cell::new(None) };
}

fn my_shard() -> &'static Shard {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let index = SHARD
        .try_with(|shard| match shard.get() {
            Some(index) => index,
            None => {
                let index = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
                shard.set(Some(index));
                index
            }
        })
        // A thread being torn down (its thread-locals gone) uses the first.
        .unwrap_or(0);
    &CACHES[index]
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, Vec<Block>> {
        self.blocks.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The smallest cached block of at least `size` bytes and at most twice
    /// that, taken out of the cache.
    fn take(&self, size: usize) -> Option<Block> {
        let mut blocks = self.lock();
        let index = (blocks.iter().enumerate())
            .filter(|(_, block)| block.size >= size && block.size / 2 <= size)
            .min_by_key(|(_, block)| block.size)
            .map(|(index, _)| index)?;
        Some(blocks.swap_remove(index))
    }

    /// Keeps `block` if this cache and the byte budget have room; otherwise
    /// hands it back.
    fn keep(&self, block: Block) -> Result<(), Block> {
        let mut blocks = self.lock();
        // At most CACHE_BLOCKS_PER_SHARD sizes to add: cheaper to sum than to keep a total.
        let cached: usize = blocks.iter().map(|cached| cached.size).sum();
        if blocks.len() >= CACHE_BLOCKS_PER_SHARD || cached + block.size > CACHE_BYTES_PER_SHARD {
            return Err(block);
        }
        if blocks.capacity() == 0 {
            blocks.reserve_exact(CACHE_BLOCKS_PER_SHARD);
        }
        blocks.push(block);
        Ok(())
    }

    fn drain(&self) -> Vec<Block> {
        std::mem::take(&mut *self.lock())
    }
}

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size, ALIGNMENT).ok()
}

/// The layout size of a block with `size` usable bytes.
fn block_size(size: usize) -> Option<usize> {
    size.checked_next_multiple_of(ALIGNMENT)?.checked_add(2 * ALIGNMENT)
}

/// A live block of at least `size` usable bytes, from this thread's cache or
/// the system (outside any lock).
fn allocate(size: usize, cache: &Shard) -> Option<Block> {
    let size = block_size(size)?;
    let block = match cache.take(size) {
        Some(block) => block,
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
    block.mark_live();
    Some(block)
}

/// Caches or releases a block of ours that Halide freed.
fn recycle(block: Block, cache: &Shard, caching: bool) {
    let kept = if caching { cache.keep(block) } else { Err(block) };
    if let Err(block) = kept {
        release(block);
    }
}

/// `halide_malloc_t`: never unwinds; returns null on failure (Halide then
/// reports an out-of-memory error for the call).
unsafe extern "C" fn halide_cached_malloc(_user_context: *mut c_void, size: usize) -> *mut c_void {
    let block = std::panic::catch_unwind(|| allocate(size, my_shard()));
    block
        .ok()
        .flatten()
        .map_or(std::ptr::null_mut(), |block| block.pointer() as *mut c_void)
}

/// `halide_free_t`: keeps our blocks for reuse if the cache has room, and
/// hands any other block to the `free` installed before ours.
unsafe extern "C" fn halide_cached_free(user_context: *mut c_void, pointer: *mut c_void) {
    if pointer.is_null() {
        return;
    }
    // SAFETY: Halide frees only what a `halide_malloc` returned, and every
    // such block has 8 readable bytes before it.
    match unsafe { Block::take_live(pointer as usize) } {
        Some(block) => {
            // Nothing in `recycle` panics but a poisoned lock, which `lock`
            // recovers from; catch anyway, so nothing unwinds into C (the
            // block then stays allocated: a leak, never a double free).
            let _ = std::panic::catch_unwind(|| recycle(block, my_shard(), *CACHE_ENABLED));
        }
        // Not ours: whoever allocated it frees it.
        None => forward_free(user_context, pointer),
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
    Lazy::force(&SECRET);
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
/// Each thread's cache holds at most 16 blocks and 8 MiB (64 caches at most,
/// shared by threads beyond the 64th). Setting the environment variable
/// `HALIDE_PIPELINES_ALLOCATOR_CACHE=off` before the first pipeline call
/// turns them off.
///
/// ```
/// let released = halide_pipelines::release_cached_memory();
/// assert_eq!(halide_pipelines::release_cached_memory(), 0);
/// # let _ = released;
/// ```
pub fn release_cached_memory() -> usize {
    let mut bytes = 0;
    for shard in &CACHES {
        for block in shard.drain() {
            bytes += block.size;
            release(block);
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache of the test's own (a static per use, so valgrind sees no leak):
    /// independent of the order and concurrency of the other tests, which use
    /// the process-wide ones.
    macro_rules! own_cache {
        () => {{
            static CACHE: Shard = Shard {
                blocks: Mutex::new(Vec::new()),
            };
            &CACHE
        }};
    }

    #[test]
    fn blocks_keep_halides_contract_and_freed_ones_are_reused() {
        let cache = own_cache!();
        let first = allocate(100_000, cache).unwrap();
        let pointer = first.pointer() as *mut u8;
        assert_eq!(pointer as usize % ALIGNMENT, 0);
        // SAFETY (test): within the block: 8 bytes before are readable (our
        // tag), the size rounded up to ALIGNMENT is writable, 8 bytes after
        // are ours.
        unsafe {
            assert_eq!(pointer.sub(8).cast::<u64>().read(), tag(pointer as usize));
            pointer.write_bytes(0xAB, 100_096);
            pointer.add(100_096).write_bytes(0, 8);
        }
        // SAFETY (test): a block of ours.
        let taken = unsafe { Block::take_live(first.pointer()) }.unwrap();
        assert_eq!(taken, first);
        recycle(taken, cache, true);
        let second = allocate(90_000, cache).unwrap();
        assert_eq!(second, first, "a freed block of a similar size is reused");
        let large = allocate(1_000_000, cache).unwrap();
        assert_ne!(large.start, second.start, "a block twice too small is not");
        assert!(allocate(usize::MAX, cache).is_none());
        assert!(allocate(usize::MAX - 2 * ALIGNMENT, cache).is_none());
        for block in [second, large] {
            // SAFETY (test): blocks of ours.
            let taken = unsafe { Block::take_live(block.pointer()) }.unwrap();
            recycle(taken, cache, true);
        }
        let cached: usize = cache.lock().iter().map(|block| block.size).sum();
        assert_eq!(cached, 100_096 + 1_000_064 + 4 * ALIGNMENT);
        cache.drain().into_iter().for_each(release);
        assert!(cache.lock().is_empty());
    }

    #[test]
    fn with_the_cache_off_freed_blocks_go_back_at_once() {
        let cache = own_cache!();
        let block = allocate(5000, cache).unwrap();
        // SAFETY (test): a block of ours.
        let taken = unsafe { Block::take_live(block.pointer()) }.unwrap();
        recycle(taken, cache, false);
        assert!(cache.lock().is_empty());
    }

    #[test]
    fn pointers_that_are_not_live_blocks_are_not_ours() {
        let cache = own_cache!();
        let block = allocate(64, cache).unwrap();
        // SAFETY (test): the block's usable bytes (64, rounded up to ALIGNMENT):
        // initialised, as Halide's writes would, before probing inside them.
        unsafe { (block.pointer() as *mut u8).write_bytes(0x5A, ALIGNMENT) };
        // A block another allocator made, the way Halide's default one does
        // (the original pointer stored just before the aligned one).
        let mut foreign = vec![0u64; 64];
        let aligned = (foreign.as_mut_ptr() as usize).next_multiple_of(ALIGNMENT) + ALIGNMENT;
        // SAFETY (test): inside `foreign`.
        unsafe { ((aligned - 8) as *mut u64).write(foreign.as_ptr() as u64) };
        // SAFETY (test): 8 readable bytes before each pointer.
        unsafe {
            assert_eq!(Block::take_live(aligned), None);
            assert_eq!(Block::take_live(aligned + 8), None, "unaligned");
            assert_eq!(Block::take_live(block.pointer() + ALIGNMENT), None);
        }
        // SAFETY (test): a block of ours, freed twice.
        let taken = unsafe { Block::take_live(block.pointer()) }.unwrap();
        // SAFETY (test): its front padding is still allocated.
        assert_eq!(
            unsafe { Block::take_live(block.pointer()) },
            None,
            "a second free of a block is not ours"
        );
        recycle(taken, cache, false);
    }

    #[test]
    fn each_cache_keeps_at_most_its_blocks_and_bytes() {
        let cache = own_cache!();
        // A block larger than a cache's budget is never kept.
        let huge = allocate(CACHE_BYTES_PER_SHARD, cache).unwrap();
        // SAFETY (test): a block of ours.
        let taken = unsafe { Block::take_live(huge.pointer()) }.unwrap();
        assert_eq!(cache.keep(taken), Err(taken));
        release(taken);
        // Nor one that would take the cache past its budget.
        let half = allocate(CACHE_BYTES_PER_SHARD / 2, cache).unwrap();
        let more = allocate(CACHE_BYTES_PER_SHARD / 2, cache).unwrap();
        assert_eq!(cache.keep(half), Ok(()));
        assert_eq!(
            cache.keep(more),
            Err(more),
            "two halves and their padding exceed the budget"
        );
        release(more);
        cache.drain().into_iter().for_each(release);
        // At most CACHE_BLOCKS_PER_SHARD blocks.
        let blocks: Vec<Block> = (0..=CACHE_BLOCKS_PER_SHARD)
            .map(|_| allocate(256, cache).unwrap())
            .collect();
        let refused: Vec<Block> = blocks.into_iter().filter_map(|block| cache.keep(block).err()).collect();
        assert_eq!(refused.len(), 1);
        refused.into_iter().for_each(release);
        cache.drain().into_iter().for_each(release);
    }
}
