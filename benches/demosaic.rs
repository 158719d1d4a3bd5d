//! Demosaic throughput on a 12-megapixel (4000x3000) RGGB frame, interleaved
//! output, all threads. (The full comparison with peers and the memory floor
//! is tracked in the speed issue.)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic};
use ndarray::{Array2, Array3};

const HEIGHT: usize = 3000;
const WIDTH: usize = 4000;

fn bench_sample<T: DemosaicSample + From<u8>>(c: &mut Criterion, name: &str) {
    let raw = Array2::<T>::from_shape_fn((HEIGHT, WIDTH), |(y, x)| T::from(((x * 7 + y * 13) % 251) as u8));
    let mut rgb = Array3::<T>::from_elem((HEIGHT, WIDTH, 3), T::from(0));
    let mut group = c.benchmark_group("demosaic 12MP");
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(20);
    group.bench_function(format!("bilinear {name} interleaved"), |b| {
        b.iter(|| {
            let input = Buffer::try_from(raw.view()).unwrap();
            let mut output = BufferMut::try_from(rgb.view_mut()).unwrap();
            demosaic(&input, &mut output, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap();
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_sample::<u8>(c, "u8");
    bench_sample::<u16>(c, "u16");
}

criterion_group!(demosaic_benches, benches);
criterion_main!(demosaic_benches);
