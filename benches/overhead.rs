//! What the safe wrapper costs per call: `add` through `halide_pipelines` (view
//! conversion, checks, error routing) against the raw `halide-pipelines-sys`
//! call on hand-built `halide_buffer_t`s, on 1x1 and 64x64 buffers; with the
//! views converted in the loop and once before it.

use std::hint::black_box;
use std::ptr;

use criterion::{Criterion, criterion_group, criterion_main};
use halide_pipelines::{Buffer, BufferMut, ParallelPool, add, set_thread_pool};
use halide_pipelines_sys::halide_runtime_sys::{halide_buffer_t, halide_dimension_t, halide_type_float, halide_type_t};
use ndarray::Array2;

fn raw_buffer(data: *mut f32, dims: &mut [halide_dimension_t; 2]) -> halide_buffer_t {
    halide_buffer_t {
        host: data.cast(),
        type_: halide_type_t {
            code: halide_type_float as u8,
            bits: 32,
            lanes: 1,
        },
        dimensions: 2,
        dim: dims.as_mut_ptr(),
        ..Default::default()
    }
}

fn overhead(c: &mut Criterion) {
    // Halide's own parallel-for for both (the hook is process-wide).
    set_thread_pool(ParallelPool::Halide);
    let mut group = c.benchmark_group("add overhead");
    for side in [1usize, 64] {
        let input = Array2::<f32>::from_elem((side, side), 1.5);
        let mut output = Array2::<f32>::zeros((side, side));
        group.bench_function(format!("safe {side}x{side}"), |b| {
            b.iter(|| {
                let i = Buffer::try_from(black_box(input.view())).unwrap();
                let mut o = BufferMut::try_from(output.view_mut()).unwrap();
                add(&i, &mut o).unwrap();
            })
        });
        // The views converted once, outside the loop: what a caller that runs
        // the same buffers repeatedly (video frames into one array) pays.
        {
            let i = Buffer::try_from(input.view()).unwrap();
            let mut o = BufferMut::try_from(output.view_mut()).unwrap();
            group.bench_function(format!("safe {side}x{side}, buffers reused"), |b| {
                b.iter(|| add(black_box(&i), &mut o).unwrap())
            });
        }
        group.bench_function(format!("raw -sys {side}x{side}"), |b| {
            b.iter(|| {
                let dim = |extent: usize, stride: usize| halide_dimension_t {
                    min: 0,
                    extent: extent as i32,
                    stride: stride as i32,
                    flags: 0,
                };
                let mut input_dims = [dim(side, 1), dim(side, side)];
                let mut output_dims = input_dims;
                // Halide only reads inputs; the pointer is `*mut` in the C struct.
                let mut i = raw_buffer(input.as_ptr().cast_mut(), &mut input_dims);
                let mut o = raw_buffer(output.as_mut_ptr(), &mut output_dims);
                // SAFETY: both buffers describe live side x side arrays.
                let code = unsafe { halide_pipelines_sys::add(ptr::null(), &mut i, &mut o) };
                assert_eq!(black_box(code), 0);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
