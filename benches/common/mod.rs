//! What the benches share: the 12-megapixel test frame and the memory floor.

use ndarray::{Array2, Array3, Axis};

pub const HEIGHT: usize = 3000;
pub const WIDTH: usize = 4000;

/// A 12 MP frame of deterministic, non-constant samples.
pub fn frame<T: From<u8>>() -> Array2<T> {
    Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| T::from(((x * 7 + y * 13) % 251) as u8))
}

/// The memory floor: read each sample once, write it three times, on all threads,
/// with the widest vectors the CPU has (the copy loop below, compiled for
/// AVX-512 or AVX2 when present: a plain build targets SSE2 and would make
/// the floor slower than the memory is).
pub fn replicate<T: Copy + Send + Sync + 'static>(raw: &Array2<T>, rgb: &mut Array3<T>) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rows_per_thread = HEIGHT.div_ceil(threads);
    let kernel = replicate_kernel::<T>();
    std::thread::scope(|scope| {
        let raw_strips = raw.axis_chunks_iter(Axis(0), rows_per_thread);
        let rgb_strips = rgb.axis_chunks_iter_mut(Axis(0), rows_per_thread);
        for (raw_strip, mut rgb_strip) in raw_strips.zip(rgb_strips) {
            scope.spawn(move || {
                let source = raw_strip.to_slice().expect("the frame is contiguous");
                let target = rgb_strip.as_slice_mut().expect("the output is contiguous");
                kernel(source, target);
            });
        }
    });
}

/// `target[3 i + c] = source[i]`, in blocks of `LANES` samples (one vector
/// register of them) so that the compiler turns each block into a few vector
/// shuffles and full-width stores.
#[inline(always)]
fn replicate_block<T: Copy, const LANES: usize>(source: &[T], target: &mut [T]) {
    let mut sources = source.chunks_exact(LANES);
    let mut targets = target.chunks_exact_mut(3 * LANES);
    for (block, pixels) in (&mut sources).zip(&mut targets) {
        for (i, &sample) in block.iter().enumerate() {
            pixels[3 * i..3 * i + 3].copy_from_slice(&[sample; 3]);
        }
    }
    for (pixel, &sample) in targets.into_remainder().chunks_exact_mut(3).zip(sources.remainder()) {
        pixel.copy_from_slice(&[sample; 3]);
    }
}

/// The fastest `replicate_block` this CPU runs: 64-byte blocks with AVX-512,
/// 32-byte blocks with AVX2, else 16-byte blocks.
fn replicate_kernel<T: Copy + 'static>() -> fn(&[T], &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
        fn avx512<T: Copy>(source: &[T], target: &mut [T]) {
            match std::mem::size_of::<T>() {
                1 => replicate_block::<T, 64>(source, target),
                _ => replicate_block::<T, 32>(source, target),
            }
        }
        #[target_feature(enable = "avx2")]
        fn avx2<T: Copy>(source: &[T], target: &mut [T]) {
            match std::mem::size_of::<T>() {
                1 => replicate_block::<T, 32>(source, target),
                _ => replicate_block::<T, 16>(source, target),
            }
        }
        if std::arch::is_x86_feature_detected!("avx512vbmi") && std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the features it was compiled for were detected just above.
            return |source, target| unsafe { avx512(source, target) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above, for AVX2.
            return |source, target| unsafe { avx2(source, target) };
        }
    }
    replicate_block::<T, 16>
}

/// Runs the floor once and panics unless every sample landed in R, G and B:
/// a wrong floor would make every ratio meaningless.
pub fn check_floor<T: Copy + PartialEq + Send + Sync + 'static>(raw: &Array2<T>, rgb: &mut Array3<T>) {
    replicate(raw, rgb);
    assert!(
        rgb.indexed_iter().all(|((y, x, _), &v)| v == raw[[y, x]]),
        "the floor must copy every sample into R, G and B"
    );
}
