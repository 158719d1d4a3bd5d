//! Raw development throughput on a 12-megapixel (4000x3000) RGGB frame of
//! 12-bit samples (black level 64, white 4095): for each algorithm, the plain
//! 16-bit demosaic of the same frame (the yardstick: `develop` is meant to cost
//! at most 1.3 times it) and `develop` to 8-bit sRGB and to 16-bit linear, with
//! white balance and a colour matrix, interleaved output, all threads.
//!
//! With `HALIDE_PIPELINES_BENCH_RAW=FILE` (a camera raw file rawloader reads,
//! such as the one `.ci/raw-file.sh` fetches), a second group times `develop`
//! to 8-bit sRGB on that file's decoded sensor data (its levels and white
//! balance; decode excluded).
//!
//! Peers, run right after on the same frame and file: imagepipe's whole
//! pipeline (Rust; `benches/imagepipe-peer`, a crate of its own outside the
//! workspace, because imagepipe is LGPL-3.0 and brings every codec of the
//! `image` crate) and rawpy/LibRaw's `postprocess` (`benches/raw_peers.py FILE`).
//!
//! `cargo bench -p halide-pipelines-benches --bench develop` (criterion reports Melem/s = MP/s).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, RawParams, Transfer, demosaic, develop};
use ndarray::{Array2, Array3};

mod common;
use common::{Floor, HEIGHT, WIDTH, print_machine};

const BLACK: u16 = 64;
const WHITE: u16 = 4095;
const GAINS: [f32; 3] = [2.1, 1.0, 1.6];
/// A typical camera-to-sRGB matrix (rows sum to 1).
const MATRIX: [[f32; 3]; 3] = [[1.7, -0.5, -0.2], [-0.25, 1.45, -0.2], [0.05, -0.6, 1.55]];

/// The 12 MP test frame of `common`, as 12-bit samples above the black level.
fn raw_frame() -> Array2<u16> {
    common::frame::<u16>().mapv(|v| BLACK + v * 16)
}

fn benches(c: &mut Criterion) {
    print_machine();
    let raw = raw_frame();
    let mut rgb16 = Array3::<u16>::zeros((HEIGHT, WIDTH, 3));
    let mut rgb8 = Array3::<u8>::zeros((HEIGHT, WIDTH, 3));
    let srgb = RawParams::new()
        .with_black_levels([BLACK; 4])
        .with_white_level(WHITE)
        .with_white_balance(GAINS)
        .with_color_matrix(MATRIX)
        .with_transfer(Transfer::Srgb);
    let linear = srgb.with_transfer(Transfer::Linear);

    let mut group = c.benchmark_group("develop 12MP 12-bit");
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);
    // The memory floor of the plain 16-bit demosaic (read the mosaic, write
    // three u16 per pixel), for the "x floor" column of benches/table.py.
    let floor = Floor::calibrate(&raw, &mut rgb16);
    group.bench_function("memory floor u16 (all threads)", |b| {
        b.iter(|| floor.run(black_box(&raw), &mut rgb16))
    });
    let input = Buffer::try_from(raw.view()).unwrap();
    for &algorithm in DemosaicAlgorithm::ALL {
        let mut output16 = BufferMut::try_from(rgb16.view_mut()).unwrap();
        group.bench_function(
            BenchmarkId::new(format!("{algorithm:?} demosaic u16 (plain)"), "all threads"),
            |b| b.iter(|| demosaic(&input, &mut output16, CfaPattern::Rggb, algorithm).unwrap()),
        );
        let mut output8 = BufferMut::try_from(rgb8.view_mut()).unwrap();
        group.bench_function(
            BenchmarkId::new(format!("{algorithm:?} develop u8 sRGB"), "all threads"),
            |b| b.iter(|| develop(&input, &mut output8, CfaPattern::Rggb, algorithm, &srgb).unwrap()),
        );
        group.bench_function(
            BenchmarkId::new(format!("{algorithm:?} develop u16 linear"), "all threads"),
            |b| b.iter(|| develop(&input, &mut output16, CfaPattern::Rggb, algorithm, &linear).unwrap()),
        );
    }

    group.finish();

    if let Some(path) = std::env::var_os("HALIDE_PIPELINES_BENCH_RAW") {
        bench_file(c, std::path::Path::new(&path));
    }
}

/// `develop` on a real raw file's sensor data (2x2 Bayer, integer samples).
fn bench_file(c: &mut Criterion, path: &std::path::Path) {
    let image = rawloader::decode_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rawloader::RawImageData::Integer(samples) = &image.data else {
        panic!("{}: not integer samples", path.display());
    };
    let name = format!("develop {}", path.file_name().unwrap_or_default().to_string_lossy());
    let raw =
        ndarray::ArrayView2::from_shape((image.height, image.width), samples.as_slice()).expect("one sample per pixel");
    let tile: String = [(0, 0), (0, 1), (1, 0), (1, 1)]
        .iter()
        .map(|&(r, col)| ['R', 'G', 'B', 'E'][image.cfa.color_at(r, col).min(3)])
        .collect();
    let pattern: CfaPattern = tile.parse().expect("a 2x2 Bayer pattern");
    let site_black =
        [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(r, col)| image.blacklevels[image.cfa.color_at(r, col).min(3)]);
    let [r, g, b, _] = image.wb_coeffs;
    let params = RawParams::new()
        .with_black_levels(site_black)
        .with_white_level(*image.whitelevels.iter().min().unwrap())
        .with_white_balance([r / g, 1.0, b / g])
        .with_color_matrix(MATRIX)
        .with_transfer(Transfer::Srgb);
    let mut rgb8 = Array3::<u8>::zeros((image.height, image.width, 3));
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements((image.height * image.width) as u64));
    group.sample_size(10);
    let input = Buffer::try_from(raw).unwrap();
    for &algorithm in DemosaicAlgorithm::ALL {
        let mut output8 = BufferMut::try_from(rgb8.view_mut()).unwrap();
        group.bench_function(
            BenchmarkId::new(format!("{algorithm:?} develop u8 sRGB"), "all threads"),
            |bencher| bencher.iter(|| develop(&input, &mut output8, pattern, algorithm, &params).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(develop_benches, benches);
criterion_main!(develop_benches);
