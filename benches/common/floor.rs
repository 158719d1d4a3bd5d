//! The memory floor every `x floor` ratio is measured against: one pass that
//! reads each mosaic sample and writes it into R, G and B, on all threads. No
//! demosaic that reads its input once and writes its output once can beat it,
//! so it must be as fast as this machine's memory allows, or every ratio
//! flatters the demosaics. Hence the explicit SIMD kernels of `expand`, the
//! fastest of them kept, and a check against a plain copy of the same bytes.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use ndarray::{Array2, Array3};

use super::expand::{self, Kernel};

/// Timed runs of each kernel and of the copy; the fastest of each is kept, the
/// run in which no other process on this shared machine got in the way.
const RUNS: usize = 25;
/// How much slower than a copy of the output's bytes the floor may be: writing
/// the output is most of the traffic, so a floor well above the copy is not at
/// memory speed.
const COPY_LIMIT: f64 = 1.3;

pub struct Floor<T> {
    kernel: Kernel,
    _sample: PhantomData<fn(&T)>,
}

impl<T: bytemuck::Pod> Floor<T> {
    /// Checks every kernel this CPU runs against the scalar loop (on odd
    /// lengths, then on the frame, split as when timed), times them in turns
    /// next to a copy of the output's bytes, prints the times and keeps the
    /// fastest kernel. A wrong floor would make every ratio meaningless, so a
    /// kernel that errs panics here, before anything is timed.
    pub fn calibrate(raw: &Array2<T>, rgb: &mut Array3<T>) -> Self {
        let sample = std::any::type_name::<T>();
        let (kernels, scalar) = match size_of::<T>() {
            1 => (expand::kernels::<1>(), expand::scalar::<1> as Kernel),
            2 => (expand::kernels::<2>(), expand::scalar::<2> as Kernel),
            size => panic!("no expand kernels for {size}-byte samples"),
        };
        let reference = reference(raw, scalar);
        for &(name, kernel) in &kernels {
            check_lengths::<T>(name, kernel, scalar);
            Self::with(kernel).check_frame(raw, rgb, &reference, name);
        }

        // In turns, so that a busy moment of this shared machine hits one run
        // of each rather than all runs of one.
        let copy_source = vec![0xa5u8; reference.len()];
        let mut fastest = vec![Duration::MAX; kernels.len()];
        let mut fastest_copy = Duration::MAX;
        for _ in 0..RUNS {
            for (&(_, kernel), fastest) in kernels.iter().zip(&mut fastest) {
                *fastest = time(|| Self::with(kernel).run(raw, rgb)).min(*fastest);
            }
            let target = bytes_mut(rgb);
            let copy = time(|| on_all_threads(&copy_source, target, raw.nrows(), |from, to| to.copy_from_slice(from)));
            fastest_copy = copy.min(fastest_copy);
        }

        let best = (0..kernels.len())
            .min_by_key(|&k| fastest[k])
            .expect("there is always a kernel, if only the scalar one");
        let ms = |time: Duration| format!("{:.3} ms", time.as_secs_f64() * 1e3);
        let each: Vec<String> = kernels
            .iter()
            .zip(&fastest)
            .map(|((name, _), &time)| format!("{name} {}", ms(time)))
            .collect();
        let (rows, columns) = raw.dim();
        eprintln!(
            "memory floor {sample}: {columns}x{rows}, {} threads with one share of rows each, fastest of {RUNS} runs: {}; using {}",
            threads(),
            each.join(", "),
            kernels[best].0
        );
        // The copy reads three times the floor's bytes, so a floor at memory
        // speed comes in below it; far above it, the floor is not the limit.
        let ratio = fastest[best].as_secs_f64() / fastest_copy.as_secs_f64();
        eprintln!(
            "memory floor {sample}: memcpy of the output's {:.1} MB, same split, fastest of {RUNS} runs: {}; floor / memcpy = {ratio:.2} (limit {COPY_LIMIT})",
            reference.len() as f64 / 1e6,
            ms(fastest_copy),
        );
        if ratio > COPY_LIMIT {
            eprintln!(
                "WARNING: memory floor {sample} is {ratio:.2}x a memcpy of its output bytes (limit {COPY_LIMIT}): \
                 it is not at memory speed on this machine, and every x floor ratio of this run understates the gap"
            );
        }
        Self::with(kernels[best].1)
    }

    /// Runs the floor on the frame as when timed and compares every output
    /// byte with the scalar loop's.
    fn check_frame(&self, raw: &Array2<T>, rgb: &mut Array3<T>, reference: &[u8], name: &str) {
        // Every byte starts different from the expected one, so a byte the kernel skips fails too.
        bytes_mut(rgb)
            .iter_mut()
            .zip(reference)
            .for_each(|(byte, &expected)| *byte = !expected);
        self.run(raw, rgb);
        assert!(
            bytes_mut(rgb) == reference,
            "the {name} expand ({}) differs from the scalar one on the frame",
            std::any::type_name::<T>()
        );
    }

    fn with(kernel: Kernel) -> Self {
        Floor {
            kernel,
            _sample: PhantomData,
        }
    }

    /// Expands `raw` into the interleaved `rgb` on all threads.
    pub fn run(&self, raw: &Array2<T>, rgb: &mut Array3<T>) {
        assert_eq!(
            rgb.dim(),
            (raw.nrows(), raw.ncols(), 3),
            "the output is the frame's RGB"
        );
        let source: &[u8] = bytemuck::cast_slice(raw.as_slice().expect("the frame is contiguous"));
        on_all_threads(source, bytes_mut(rgb), raw.nrows(), self.kernel);
    }
}

fn bytes_mut<T: bytemuck::Pod>(rgb: &mut Array3<T>) -> &mut [u8] {
    bytemuck::cast_slice_mut(rgb.as_slice_mut().expect("the output is contiguous"))
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work` on `rows` rows of `source` and `target`, split into one
/// contiguous share of rows per core. A static split, not strips handed out
/// one by one, to add no synchronisation to the floor; a core slowed by a
/// neighbour then holds the pass back, which the fastest of several runs
/// leaves out. The last share runs on the calling thread: one thread spawn
/// less per pass.
fn on_all_threads(source: &[u8], target: &mut [u8], rows: usize, work: impl Fn(&[u8], &mut [u8]) + Sync) {
    let share_rows = rows.div_ceil(threads()).max(1);
    let source_share = source.len() / rows.max(1) * share_rows;
    let target_share = target.len() / rows.max(1) * share_rows;
    let mut shares = source
        .chunks(source_share.max(1))
        .zip(target.chunks_mut(target_share.max(1)));
    let last = shares.next_back();
    let work = &work;
    std::thread::scope(|scope| {
        for (from, to) in shares {
            scope.spawn(move || work(from, to));
        }
        if let Some((from, to)) = last {
            work(from, to);
        }
    });
}

fn time(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

/// The frame expanded by the scalar loop, as bytes, after checking it is the
/// floor's definition: each sample in R, G and B of its pixel.
fn reference<T: bytemuck::Pod>(raw: &Array2<T>, scalar: Kernel) -> Vec<u8> {
    let source: &[u8] = bytemuck::cast_slice(raw.as_slice().expect("the frame is contiguous"));
    let mut expanded = vec![0u8; 3 * source.len()];
    scalar(source, &mut expanded);
    let size = size_of::<T>();
    let correct = expanded
        .chunks_exact(3 * size)
        .zip(source.chunks_exact(size))
        .all(|(pixel, sample)| pixel.chunks_exact(size).all(|channel| channel == sample));
    assert!(correct, "the scalar expand must copy every sample into R, G and B");
    expanded
}

/// Compares `kernel` with the scalar loop on every length up to a few
/// vectors, from an aligned start and from one sample past it, so that
/// every tail and every block boundary is covered.
fn check_lengths<T: bytemuck::Pod>(name: &str, kernel: Kernel, scalar: Kernel) {
    const SAMPLES: usize = 200;
    // Samples as `T`, so that their bytes keep the alignment of `T`.
    let mut samples = vec![T::zeroed(); SAMPLES + 1];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut samples);
    bytes
        .iter_mut()
        .enumerate()
        .for_each(|(i, byte)| *byte = (i * 37 + 11) as u8);
    let bytes: &[u8] = bytemuck::cast_slice(&samples);
    let size = size_of::<T>();
    for start in [0, 1] {
        for length in 0..=SAMPLES {
            let source = &bytes[start * size..(start + length) * size];
            let mut expected = vec![T::zeroed(); 3 * length];
            scalar(source, bytemuck::cast_slice_mut(&mut expected));
            // Every byte starts different from the expected one, so a byte the kernel skips fails too.
            let mut actual = expected.clone();
            bytemuck::cast_slice_mut::<T, u8>(&mut actual)
                .iter_mut()
                .for_each(|byte| *byte = !*byte);
            kernel(source, bytemuck::cast_slice_mut(&mut actual));
            let (expected, actual): (&[u8], &[u8]) = (bytemuck::cast_slice(&expected), bytemuck::cast_slice(&actual));
            assert!(
                expected == actual,
                "the {name} expand ({}) differs from the scalar one on {length} samples from sample {start}",
                std::any::type_name::<T>()
            );
        }
    }
}
