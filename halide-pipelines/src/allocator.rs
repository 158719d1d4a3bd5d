//! The allocator Halide uses for its intermediate buffers: the system
//! allocator, plus a small cache of freed blocks.
//!
//! Why: a pipeline allocates its line buffers at the start of every strip of
//! rows and frees them at the end, from every worker thread. Blocks of
//! hundreds of kilobytes go back to the kernel on free (glibc trims or unmaps
//! them) and come back as fresh pages to be faulted in and zeroed; the page
//! faults serialize the threads on the address-space lock. Measured on a
//! 12 MP Menon2007 demosaic (2 cores): 72 ms, half of it in the kernel, against
//! 38 ms when freed blocks are reused. Reusing them is what this cache does.
//!
//! At most `CACHE_BLOCKS` blocks and `CACHE_BYTES` bytes are kept; anything
//! beyond goes back to the system. A request is served from the smallest
//! cached block that is large enough and not more than twice the size.

use std::alloc::{Layout, alloc, dealloc};
use std::ffi::c_void;
use std::sync::Mutex;

/// Halide requires this alignment of `halide_malloc` (its own default uses
/// the largest vector size it targets; 128 covers all).
const ALIGNMENT: usize = 128;
/// Room before each block for its size, keeping the block aligned.
const HEADER: usize = ALIGNMENT;
const CACHE_BLOCKS: usize = 64;
const CACHE_BYTES: usize = 64 << 20;

/// A freed block: its address (of the header) and total size.
struct Free {
    address: usize,
    size: usize,
}

struct Cache {
    blocks: Vec<Free>,
    bytes: usize,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    blocks: Vec::new(),
    bytes: 0,
});

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size, ALIGNMENT).ok()
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `halide_malloc_t`: never unwinds; returns null on failure (Halide then
/// reports an out-of-memory error for the call).
pub(crate) unsafe extern "C" fn halide_cached_malloc(_user_context: *mut c_void, size: usize) -> *mut c_void {
    let Some(total) = size.checked_add(HEADER) else {
        return std::ptr::null_mut();
    };
    let reused = std::panic::catch_unwind(|| {
        let mut cache = lock();
        let best = (cache.blocks.iter().enumerate())
            .filter(|(_, block)| block.size >= total && block.size / 2 <= total)
            .min_by_key(|(_, block)| block.size)
            .map(|(index, _)| index)?;
        let block = cache.blocks.swap_remove(best);
        cache.bytes -= block.size;
        Some(block)
    });
    let (address, total) = match reused {
        Ok(Some(block)) => (block.address as *mut u8, block.size),
        _ => match layout(total) {
            // SAFETY: the layout has a non-zero size (at least HEADER bytes).
            Some(layout) => (unsafe { alloc(layout) }, total),
            None => return std::ptr::null_mut(),
        },
    };
    if address.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: the block holds `total >= HEADER` bytes, aligned to ALIGNMENT:
    // its first word takes the size, and the user's part starts HEADER bytes in.
    unsafe {
        address.cast::<usize>().write(total);
        address.add(HEADER).cast()
    }
}

/// `halide_free_t`: keeps the block for reuse if the cache has room.
pub(crate) unsafe extern "C" fn halide_cached_free(_user_context: *mut c_void, pointer: *mut c_void) {
    if pointer.is_null() {
        return;
    }
    // SAFETY: `pointer` came from `halide_cached_malloc`, so the block starts
    // HEADER bytes before it and its first word is the block's total size.
    let (address, size) = unsafe {
        let address = pointer.cast::<u8>().sub(HEADER);
        (address, address.cast::<usize>().read())
    };
    let kept = std::panic::catch_unwind(|| {
        let mut cache = lock();
        if cache.blocks.len() < CACHE_BLOCKS && cache.bytes + size <= CACHE_BYTES {
            if cache.blocks.capacity() == 0 {
                cache.blocks.reserve_exact(CACHE_BLOCKS);
            }
            cache.blocks.push(Free {
                address: address as usize,
                size,
            });
            cache.bytes += size;
            true
        } else {
            false
        }
    });
    if !matches!(kept, Ok(true))
        && let Some(layout) = layout(size)
    {
        // SAFETY: the block was allocated by `alloc` with this very layout
        // (same size, ALIGNMENT) and is no longer used by Halide.
        unsafe { dealloc(address, layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_writable_and_reused() {
        // SAFETY (test): every pointer comes from halide_cached_malloc and is
        // written within its size, then freed once.
        unsafe {
            // (No other test of this binary runs a pipeline, so nothing else
            // takes blocks from the cache meanwhile.)
            let first = halide_cached_malloc(std::ptr::null_mut(), 100_000);
            assert_eq!(first as usize % ALIGNMENT, 0);
            first.cast::<u8>().write_bytes(0xAB, 100_000);
            halide_cached_free(std::ptr::null_mut(), first);
            let second = halide_cached_malloc(std::ptr::null_mut(), 90_000);
            assert_eq!(second, first, "a freed block of a similar size is reused");
            let large = halide_cached_malloc(std::ptr::null_mut(), 1_000_000);
            assert_ne!(large, first);
            halide_cached_free(std::ptr::null_mut(), second);
            halide_cached_free(std::ptr::null_mut(), large);
            assert!(halide_cached_malloc(std::ptr::null_mut(), usize::MAX).is_null());
        }
    }
}
