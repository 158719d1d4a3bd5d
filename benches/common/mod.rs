//! What the benches share: the 12-megapixel test frame and the memory floor.

use ndarray::{Array2, Array3};

pub const HEIGHT: usize = 3000;
pub const WIDTH: usize = 4000;

/// A 12 MP frame of deterministic, non-constant samples.
pub fn frame<T: From<u8>>() -> Array2<T> {
    Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| T::from(((x * 7 + y * 13) % 251) as u8))
}

/// The memory floor: read each sample once, write it three times, on all
/// threads, with the copy loop below compiled for each vector width the CPU
/// has (a plain build targets SSE2 and would make the floor slower than the
/// memory is). Which width is fastest depends on the machine (on the 2-core
/// AVX-512 Xeon we measure on, 256-bit stores can beat 512-bit ones), so
/// `Floor::calibrate` times them all and keeps the fastest.
pub struct Floor<T> {
    kernel: Kernel<T>,
    kernel_name: &'static str,
}

impl<T: Copy + PartialEq + Send + Sync + 'static> Floor<T> {
    /// Checks every kernel (a wrong floor would make every ratio meaningless:
    /// each sample must land in R, G and B), then times them in turns, ten
    /// rounds, and keeps the one with the fastest single run.
    pub fn calibrate(raw: &Array2<T>, rgb: &mut Array3<T>) -> Self {
        let floors: Vec<Self> = replicate_kernels::<T>()
            .into_iter()
            .map(|(kernel_name, kernel)| Floor { kernel, kernel_name })
            .collect();
        for floor in &floors {
            rgb.fill(raw[[0, 1]]);
            floor.run(raw, rgb);
            assert!(
                rgb.indexed_iter().all(|((y, x, _), &v)| v == raw[[y, x]]),
                "the {} floor must copy every sample into R, G and B",
                floor.kernel_name
            );
        }
        let mut fastest = vec![std::time::Duration::MAX; floors.len()];
        for _round in 0..10 {
            for (floor, fastest) in floors.iter().zip(&mut fastest) {
                let start = std::time::Instant::now();
                floor.run(raw, rgb);
                *fastest = start.elapsed().min(*fastest);
            }
        }
        let (best, _) = fastest
            .iter()
            .enumerate()
            .min_by_key(|&(_, time)| time)
            .expect("the portable kernel is always there");
        let report: Vec<String> = floors
            .iter()
            .zip(&fastest)
            .map(|(floor, time)| format!("{} {:.2} ms", floor.kernel_name, time.as_secs_f64() * 1e3))
            .collect();
        let floor = floors.into_iter().nth(best).expect("index from the same list");
        eprintln!(
            "memory floor kernels (fastest of 10 runs): {}; using {}",
            report.join(", "),
            floor.kernel_name
        );
        floor
    }

    /// Strips of `STRIP_ROWS` rows handed out one at a time to a thread per
    /// core, as Halide's pool does: with one fixed half per core, a core slowed
    /// by a neighbour on this shared machine held the whole pass back (the
    /// AVX2 Bilinear measured 0.89x that floor).
    pub fn run(&self, raw: &Array2<T>, rgb: &mut Array3<T>) {
        const STRIP_ROWS: usize = 16;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let kernel = self.kernel;
        let source = raw.as_slice().expect("the frame is contiguous");
        let target = rgb.as_slice_mut().expect("the output is contiguous");
        let strips = std::sync::Mutex::new(
            source
                .chunks(STRIP_ROWS * WIDTH)
                .zip(target.chunks_mut(STRIP_ROWS * WIDTH * 3)),
        );
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        // The lock is released before the copy: one statement.
                        let next = strips.lock().expect("no kernel panics").next();
                        let Some((source, target)) = next else { break };
                        kernel(source, target);
                    }
                });
            }
        });
    }
}

/// Replicates a strip of samples into its RGB pixels.
type Kernel<T> = fn(&[T], &mut [T]);

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

/// `replicate_block` for each vector width this CPU runs: 64-byte blocks
/// with AVX-512, 32-byte blocks with AVX2, 16-byte blocks everywhere.
fn replicate_kernels<T: Copy + 'static>() -> Vec<(&'static str, Kernel<T>)> {
    let mut kernels: Vec<(&'static str, Kernel<T>)> = vec![("16-byte", replicate_block::<T, 16>)];
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
            kernels.push(("AVX-512", |source, target| unsafe { avx512(source, target) }));
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above, for AVX2.
            kernels.push(("AVX2", |source, target| unsafe { avx2(source, target) }));
        }
    }
    kernels
}
