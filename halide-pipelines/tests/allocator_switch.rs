//! Halide's allocator is process-wide. Blocks allocated before the safe crate
//! installs its allocator (by Halide's default one, or by another library's)
//! may be freed after it: each block must go back to the allocator that made
//! it. And every block the crate's allocator hands out must keep Halide's
//! documented contract (`HalideRuntime.h`, above `halide_malloc`).
//!
//! One test in this binary: it installs an allocator first, as another library
//! would, and allocates through it before the safe crate's first call.

use std::collections::HashSet;
use std::ffi::c_void;
use std::sync::Mutex;

use halide_pipelines::{Buffer, BufferMut, add, release_cached_memory};
use halide_pipelines_sys::halide_runtime_sys::{
    halide_default_free, halide_default_malloc, halide_free, halide_malloc, halide_set_custom_free,
    halide_set_custom_malloc,
};

/// Blocks the "other library's" allocator handed out and not yet freed.
static FOREIGN_LIVE: Mutex<Option<HashSet<usize>>> = Mutex::new(None);
static FOREIGN_FREED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

unsafe extern "C" fn foreign_malloc(user_context: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: Halide's default allocator takes any size.
    let block = unsafe { halide_default_malloc(user_context, size) };
    FOREIGN_LIVE
        .lock()
        .unwrap()
        .get_or_insert_default()
        .insert(block as usize);
    block
}

unsafe extern "C" fn foreign_free(user_context: *mut c_void, block: *mut c_void) {
    let known = FOREIGN_LIVE
        .lock()
        .unwrap()
        .get_or_insert_default()
        .remove(&(block as usize));
    if !known {
        // Not ours: a wrong free. Record it (the assertion below fails) and leak it.
        FOREIGN_FREED.lock().unwrap().push(usize::MAX);
        return;
    }
    FOREIGN_FREED.lock().unwrap().push(block as usize);
    // SAFETY: the block came from `halide_default_malloc` and is freed once.
    unsafe { halide_default_free(user_context, block) };
}

#[test]
fn blocks_go_back_to_the_allocator_that_made_them_and_keep_halides_contract() {
    // SAFETY: a matching pair with Halide's signatures, installed before any
    // block is allocated in this process.
    unsafe {
        halide_set_custom_malloc(Some(foreign_malloc));
        halide_set_custom_free(Some(foreign_free));
    }
    // Allocated before the safe crate's first call.
    // SAFETY: plain allocations through the runtime, freed once below.
    let early = unsafe {
        [
            halide_malloc(std::ptr::null_mut(), 1000),
            halide_malloc(std::ptr::null_mut(), 64),
        ]
    };
    assert!(early.iter().all(|block| !block.is_null()));

    // The crate installs its hooks at its first call.
    let a = ndarray::Array2::<f32>::zeros((4, 4));
    let mut b = ndarray::Array2::<f32>::zeros((4, 4));
    add(
        &Buffer::try_from(a.view()).unwrap(),
        &mut BufferMut::try_from(b.view_mut()).unwrap(),
    )
    .unwrap();

    // Blocks made now come from the crate's allocator, and keep Halide's
    // contract: aligned, a whole number of alignment units readable, and 8
    // readable bytes on either side (valgrind, in CI, checks the reads).
    for size in [1usize, 7, 64, 100, 4096, 100_000] {
        // SAFETY: reads and writes stay within what the contract promises;
        // the block is freed once.
        unsafe {
            let block = halide_malloc(std::ptr::null_mut(), size).cast::<u8>();
            assert!(!block.is_null());
            assert!(
                !FOREIGN_LIVE
                    .lock()
                    .unwrap()
                    .as_ref()
                    .unwrap()
                    .contains(&(block as usize)),
                "blocks made after the switch are the crate's"
            );
            assert_eq!(block as usize % 64, 0, "{size} bytes: aligned for any vector");
            let rounded = size.div_ceil(64) * 64;
            block.write_bytes(0x5A, rounded);
            let before = block.sub(8).cast::<u64>().read_unaligned();
            let after = block.add(rounded).cast::<u64>().read_unaligned();
            std::hint::black_box((before, after));
            halide_free(std::ptr::null_mut(), block.cast());
        }
    }
    assert_eq!(
        FOREIGN_LIVE.lock().unwrap().as_ref().unwrap().len(),
        2,
        "only the early blocks are foreign"
    );

    // Freed after the switch: each early block goes back to the foreign allocator.
    // SAFETY: each early block is freed once.
    unsafe {
        for block in early {
            halide_free(std::ptr::null_mut(), block);
        }
    }
    let freed = FOREIGN_FREED.lock().unwrap().clone();
    assert_eq!(
        freed,
        early.iter().map(|&block| block as usize).collect::<Vec<_>>(),
        "the early blocks, and nothing else, went back to the allocator that made them"
    );
    assert!(FOREIGN_LIVE.lock().unwrap().as_ref().unwrap().is_empty());

    // The crate's cache of freed blocks can be given back to the system.
    release_cached_memory();
    assert_eq!(release_cached_memory(), 0, "nothing left cached after a release");
}
