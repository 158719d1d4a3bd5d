//! Demosaic throughput on a 12-megapixel (4000x3000) RGGB frame: every
//! algorithm x u8/u16 x interleaved/planar output, on all threads and on one,
//! next to the memory floor: one pass that reads the mosaic and writes three
//! samples per pixel (each sample copied into R, G and B), on all threads.
//! No demosaic that reads its input once and writes its output once can beat
//! the floor; the ratio to it is the figure to watch.
//!
//! `cargo bench --bench demosaic` (criterion reports Melem/s = MP/s).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic, set_num_threads};
use ndarray::{Array2, Array3, ArrayViewMut3, Axis};

const HEIGHT: usize = 3000;
const WIDTH: usize = 4000;

fn frame<T: DemosaicSample + From<u8>>() -> Array2<T> {
    Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| T::from(((x * 7 + y * 13) % 251) as u8))
}

/// The floor: read each sample once, write it three times, all threads.
fn replicate<T: Copy + Send + Sync>(raw: &Array2<T>, rgb: &mut Array3<T>) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rows_per_thread = HEIGHT.div_ceil(threads);
    std::thread::scope(|scope| {
        let raw_strips = raw.axis_chunks_iter(Axis(0), rows_per_thread);
        let rgb_strips = rgb.axis_chunks_iter_mut(Axis(0), rows_per_thread);
        for (raw_strip, mut rgb_strip) in raw_strips.zip(rgb_strips) {
            scope.spawn(move || {
                for (raw_row, mut rgb_row) in raw_strip.outer_iter().zip(rgb_strip.outer_iter_mut()) {
                    let source = raw_row.as_slice().expect("rows are contiguous");
                    let target = rgb_row.as_slice_mut().expect("rows are contiguous");
                    for (pixel, &sample) in target.chunks_exact_mut(3).zip(source) {
                        pixel.copy_from_slice(&[sample, sample, sample]);
                    }
                }
            });
        }
    });
}

fn bench_sample<T: DemosaicSample + From<u8>>(c: &mut Criterion, sample: &str) {
    let raw = frame::<T>();
    let mut interleaved = Array3::<T>::from_elem((HEIGHT, WIDTH, 3), T::default());
    let mut planar = Array3::<T>::from_elem((3, HEIGHT, WIDTH), T::default());
    let mut group = c.benchmark_group(format!("demosaic 12MP {sample}"));
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);

    group.bench_function("memory floor (all threads)", |b| {
        b.iter(|| replicate(black_box(&raw), &mut interleaved))
    });
    for threads in [0, 1] {
        set_num_threads(threads);
        let thread_label = if threads == 0 { "all threads" } else { "1 thread" };
        for algorithm in DemosaicAlgorithm::ALL {
            let mut run = |name: &str, output: ArrayViewMut3<T>| {
                let input = Buffer::try_from(raw.view()).unwrap();
                let mut output = BufferMut::try_from(output).unwrap();
                group.bench_function(BenchmarkId::new(format!("{algorithm:?} {name}"), thread_label), |b| {
                    b.iter(|| demosaic(&input, &mut output, CfaPattern::Rggb, algorithm).unwrap())
                });
            };
            run("interleaved", interleaved.view_mut());
            run("planar", planar.view_mut().permuted_axes([1, 2, 0]));
        }
    }
    set_num_threads(0);
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_sample::<u8>(c, "u8");
    bench_sample::<u16>(c, "u16");
}

criterion_group!(demosaic_benches, benches);
criterion_main!(demosaic_benches);
