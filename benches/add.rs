//! `add` on a 12-megapixel f32 frame (48 MB in, 48 MB out) next to what the
//! same bytes cost elsewhere: ndarray's `&a + 1.0` (allocates its result),
//! ndarray's in-place `zip_mut_with` into an existing array, and a plain copy
//! of the bytes (`copy_from_slice`) on one thread and on all. A copy is the
//! floor for any pass that reads and writes each element once.
//!
//! `cargo bench -p halide-pipelines-benches --bench add` (criterion reports bytes moved per second).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use halide_pipelines::{Buffer, BufferMut, ParallelPool, add, set_thread_pool};
use ndarray::Array2;

#[allow(dead_code, unused_imports)] // the memory floor is not used here
mod common;
use common::{HEIGHT, WIDTH, print_machine};

/// Copies `source` into `target` split in one contiguous piece per thread.
fn copy_on_all_threads(source: &[f32], target: &mut [f32]) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let piece = source.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (from, to) in source.chunks(piece).zip(target.chunks_mut(piece)) {
            scope.spawn(move || to.copy_from_slice(from));
        }
    });
}

fn add_12mp(c: &mut Criterion) {
    print_machine();
    set_thread_pool(ParallelPool::Halide);
    let input = Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| (x * 3 + y) as f32 * 0.5);
    let mut output = Array2::<f32>::zeros((HEIGHT, WIDTH));
    let mut group = c.benchmark_group("add 12MP f32");
    group.throughput(Throughput::Bytes((2 * HEIGHT * WIDTH * size_of::<f32>()) as u64));
    group.sample_size(20);

    {
        let source = Buffer::try_from(input.view()).unwrap();
        let mut target = BufferMut::try_from(output.view_mut()).unwrap();
        add(&source, &mut target).unwrap();
        group.bench_function("halide-pipelines add (all threads)", |b| {
            b.iter(|| add(&source, &mut target).unwrap())
        });
    }
    assert!(
        output.iter().zip(&input).all(|(&o, &i)| o == i + 1.0),
        "add must compute input + 1"
    );
    group.bench_function("ndarray &a + 1.0 (1 thread, allocates)", |b| {
        b.iter(|| black_box(&input + 1.0))
    });
    group.bench_function("ndarray zip_mut_with (1 thread, in place)", |b| {
        b.iter(|| output.zip_mut_with(&input, |o, &i| *o = i + 1.0))
    });
    let source = input.as_slice().unwrap();
    let target = output.as_slice_mut().unwrap();
    group.bench_function("copy_from_slice (1 thread)", |b| {
        b.iter(|| target.copy_from_slice(black_box(source)))
    });
    group.bench_function("copy_from_slice (all threads)", |b| {
        b.iter(|| copy_on_all_threads(black_box(source), target))
    });
    group.finish();
}

criterion_group!(add_benches, add_12mp);
criterion_main!(add_benches);
