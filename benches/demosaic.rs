//! Demosaic throughput on a 12-megapixel (4000x3000) RGGB frame: every
//! algorithm x u8/u16 x interleaved/planar output, on all threads and on one
//! of Halide's pool, and (interleaved) on rayon's pool (feature `rayon`),
//! next to the memory floor: one pass that reads the mosaic and writes three
//! samples per pixel (each sample copied into R, G and B), on all threads.
//! No demosaic that reads its input once and writes its output once can beat
//! the floor; the ratio to it is the figure to watch.
//!
//! The same groups time two Rust peers on the same frame, named `peer ...`:
//! the `bayer` crate (Linear and Cubic, 8- and 16-bit, interleaved RGB) and the
//! `demosaic` crate (Bilinear, MHC and PPG, f32 only, planar RGB). Before any
//! timing, [`check_peers`] demosaics a small ramp with each peer and panics if
//! one is mis-wired, so a wrong call can never show up as a number.
//!
//! `cargo bench -p halide-pipelines-benches --bench demosaic` (criterion reports Melem/s = MP/s).

use std::hint::black_box;
use std::io::Cursor;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use halide_pipelines::{
    Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, ParallelPool, demosaic, set_num_threads,
    set_thread_pool,
};
use ndarray::{Array3, ArrayViewMut3};

mod common;
use common::{Floor, HEIGHT, WIDTH, frame, print_machine};

/// The bayer crate's Linear and Cubic.
const BAYER_ALGORITHMS: [bayer::Demosaic; 2] = [bayer::Demosaic::Linear, bayer::Demosaic::Cubic];
/// The demosaic crate's algorithms closest to ours (its AHD and VNG are slower
/// and have no counterpart here).
const DEMOSAIC_ALGORITHMS: [::demosaic::Algorithm; 3] = [
    ::demosaic::Algorithm::Bilinear,
    ::demosaic::Algorithm::Mhc,
    ::demosaic::Algorithm::Ppg,
];

/// What the peers need to know about our two sample types.
trait PeerSample: DemosaicSample + From<u8> + Into<f32> + bytemuck::Pod + Send + Sync {
    /// bayer reads the mosaic as a byte stream; ours lies in memory
    /// native-endian, so that is the byte order to announce.
    const BAYER_DEPTH: bayer::BayerDepth;
    const RASTER_DEPTH: bayer::RasterDepth;
    /// The demosaic crate takes f32; we hand it samples scaled to [0, 1].
    const FULL_SCALE: f32;
    fn quantize(unit: f32) -> Self;
}

impl PeerSample for u8 {
    const BAYER_DEPTH: bayer::BayerDepth = bayer::BayerDepth::Depth8;
    const RASTER_DEPTH: bayer::RasterDepth = bayer::RasterDepth::Depth8;
    const FULL_SCALE: f32 = u8::MAX as f32;
    fn quantize(unit: f32) -> Self {
        (unit * Self::FULL_SCALE).round() as u8
    }
}

impl PeerSample for u16 {
    const BAYER_DEPTH: bayer::BayerDepth = if cfg!(target_endian = "little") {
        bayer::BayerDepth::Depth16LE
    } else {
        bayer::BayerDepth::Depth16BE
    };
    const RASTER_DEPTH: bayer::RasterDepth = bayer::RasterDepth::Depth16;
    const FULL_SCALE: f32 = u16::MAX as f32;
    fn quantize(unit: f32) -> Self {
        (unit * Self::FULL_SCALE).round() as u16
    }
}

/// bayer demosaics an RGGB mosaic into interleaved RGB of the same depth.
/// Its API takes an `io::Read`, so every call first copies the mosaic into a
/// padded buffer of its own, on one thread (16-bit: one sample per read); that
/// copy is what any caller pays, so the benchmarks time it too.
fn bayer_rgb<T: PeerSample>(raw: &[T], width: usize, height: usize, algorithm: bayer::Demosaic, rgb: &mut [T]) {
    // The raster is bytes, but bayer writes 16-bit output through a `*mut u16`
    // cast of them: viewing a `[T]` keeps them aligned for it.
    let mut raster = bayer::RasterMut::new(width, height, T::RASTER_DEPTH, bytemuck::cast_slice_mut(rgb));
    let mut stream = Cursor::new(bytemuck::cast_slice::<T, u8>(raw));
    bayer::run_demosaic(&mut stream, T::BAYER_DEPTH, bayer::CFA::RGGB, algorithm, &mut raster)
        .unwrap_or_else(|error| panic!("bayer {algorithm:?}: {error:?}"));
}

/// The mosaic as the demosaic crate takes it: f32, scaled to [0, 1].
fn to_unit_f32<T: PeerSample>(raw: &[T]) -> Vec<f32> {
    raw.iter().map(|&sample| sample.into() / T::FULL_SCALE).collect()
}

/// The demosaic crate on an RGGB mosaic: f32 in, planar f32 RGB out, on the
/// calling thread (it has no threads of its own).
fn demosaic_planar(unit_raw: &[f32], width: usize, height: usize, algorithm: ::demosaic::Algorithm, rgb: &mut [f32]) {
    let cfa = ::demosaic::CfaPattern::bayer_rggb();
    ::demosaic::demosaic(unit_raw, width, height, &cfa, algorithm, rgb)
        .unwrap_or_else(|error| panic!("demosaic {algorithm}: {error}"));
}

/// Runs each peer, at each depth, on a 64x48 image of three distinct smooth
/// ramps mosaicked RGGB here, and panics unless every channel comes out close
/// to the truth away from the borders. A wrong CFA constant, swapped channels,
/// a misread layout or byte order all give errors of tens of percent; a right
/// call stays within rounding (the ramps are linear, which every algorithm
/// here reproduces). Takes about a millisecond.
fn check_peers() {
    check_peers_at::<u8>("u8");
    check_peers_at::<u16>("u16");
}

fn check_peers_at<T: PeerSample>(sample: &str) {
    const W: usize = 64;
    const H: usize = 48;
    // Wider than the largest peer kernel (bayer Cubic: 7x7), so border
    // handling, which differs between crates, is not judged.
    const MARGIN: usize = 4;
    // Mean absolute error per channel, as a fraction of full scale.
    const LIMIT: f32 = 0.01;
    // R rises to the right, G downwards, B falls along the diagonal.
    let truth = |y: usize, x: usize| {
        let (u, v) = (x as f32 / (W - 1) as f32, y as f32 / (H - 1) as f32);
        [0.1 + 0.8 * u, 0.2 + 0.6 * v, 0.9 - 0.4 * (u + v)]
    };
    let raw: Vec<T> = (0..H * W)
        .map(|i| {
            let (y, x) = (i / W, i % W);
            // RGGB: R at (even, even), B at (odd, odd), G elsewhere.
            let channel = [[0, 1], [1, 2]][y % 2][x % 2];
            T::quantize(truth(y, x)[channel])
        })
        .collect();
    // `unit(y, x, c)` reads a peer's output as a fraction of full scale.
    let judge = |peer: &str, unit: &dyn Fn(usize, usize, usize) -> f32| {
        let interior = (H - 2 * MARGIN) * (W - 2 * MARGIN);
        for (c, channel) in ["R", "G", "B"].iter().enumerate() {
            let total: f32 = (MARGIN..H - MARGIN)
                .flat_map(|y| (MARGIN..W - MARGIN).map(move |x| (y, x)))
                .map(|(y, x)| (unit(y, x, c) - truth(y, x)[c]).abs())
                .sum();
            let error = total / interior as f32;
            assert!(
                error <= LIMIT,
                "{peer} ({sample}) is mis-wired: channel {channel} is off by {error:.4} of full scale on average \
                 (limit {LIMIT}) inside a {W}x{H} RGGB ramp; its timings would be meaningless"
            );
        }
    };

    let mut rgb = vec![T::default(); 3 * H * W];
    for algorithm in BAYER_ALGORITHMS {
        bayer_rgb(&raw, W, H, algorithm, &mut rgb);
        judge(&format!("peer bayer {algorithm:?}"), &|y, x, c| {
            rgb[3 * (y * W + x) + c].into() / T::FULL_SCALE
        });
    }

    let unit_raw = to_unit_f32(&raw);
    let mut planar = vec![0.0f32; 3 * H * W];
    for algorithm in DEMOSAIC_ALGORITHMS {
        demosaic_planar(&unit_raw, W, H, algorithm, &mut planar);
        judge(&format!("peer demosaic {algorithm}"), &|y, x, c| {
            planar[(c * H + y) * W + x]
        });
    }
}

fn bench_sample<T: PeerSample>(c: &mut Criterion, sample: &str) {
    let raw = frame::<T>();
    let mut interleaved = Array3::<T>::from_elem((HEIGHT, WIDTH, 3), T::default());
    let mut planar = Array3::<T>::from_elem((3, HEIGHT, WIDTH), T::default());
    let mut group = c.benchmark_group(format!("demosaic 12MP {sample}"));
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);

    let floor = Floor::calibrate(&raw, &mut interleaved);
    group.bench_function("memory floor (all threads)", |b| {
        b.iter(|| floor.run(black_box(&raw), &mut interleaved))
    });
    // Halide's own pool, on one thread and on all, then rayon's global pool
    // (feature `rayon`) on all.
    for (pool, threads) in [
        (ParallelPool::Halide, 1),
        (ParallelPool::Halide, 0),
        (ParallelPool::Rayon, 0),
    ] {
        // Halide 21's pool keeps every worker it has started even when the
        // thread count is lowered: start from a fresh pool so "1 thread" is one.
        // SAFETY: no pipeline is running (criterion runs one benchmark at a time
        // on this thread); the next call starts a new pool.
        unsafe { halide_pipelines_sys::halide_runtime_sys::halide_shutdown_thread_pool() };
        set_num_threads(threads);
        set_thread_pool(pool);
        let thread_label = match (pool, threads) {
            (ParallelPool::Rayon, _) => "rayon pool",
            (_, 0) => "all threads",
            _ => "1 thread",
        };
        for &algorithm in DemosaicAlgorithm::ALL {
            let mut run = |name: &str, output: ArrayViewMut3<T>| {
                let input = Buffer::try_from(raw.view()).unwrap();
                let mut output = BufferMut::try_from(output).unwrap();
                group.bench_function(BenchmarkId::new(format!("{algorithm:?} {name}"), thread_label), |b| {
                    b.iter(|| demosaic(&input, &mut output, CfaPattern::Rggb, algorithm).unwrap())
                });
            };
            run("interleaved", interleaved.view_mut());
            if pool == ParallelPool::Halide {
                run("planar", planar.view_mut().permuted_axes([1, 2, 0]));
            }
        }
    }
    set_num_threads(0);
    set_thread_pool(ParallelPool::Halide);

    // bayer parallelises over rows on rayon's global pool (all threads); run
    // inside a one-thread pool, the same code gives its serial figure.
    let raw = raw.as_slice().expect("the frame is contiguous");
    let rgb = interleaved.as_slice_mut().expect("the output is contiguous");
    let one_thread = rayon_core::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread rayon pool");
    for algorithm in BAYER_ALGORITHMS {
        let name = format!("peer bayer {algorithm:?} interleaved");
        group.bench_function(BenchmarkId::new(&name, "all threads"), |b| {
            b.iter(|| bayer_rgb(raw, WIDTH, HEIGHT, algorithm, rgb))
        });
        group.bench_function(BenchmarkId::new(&name, "1 thread"), |b| {
            b.iter(|| one_thread.install(|| bayer_rgb(raw, WIDTH, HEIGHT, algorithm, rgb)))
        });
    }

    // The demosaic crate works in f32 only, on buffers the caller owns: the
    // frame is converted once, here, outside the timing, as a caller keeping
    // f32 frames would. So the work is the same in the u8 and u16 groups (only
    // the values differ); it is in both so that each group compares everything.
    // PPG allocates a full-frame f32 green plane per call: that stays inside
    // the timing, as any caller pays it.
    let unit_raw = to_unit_f32(raw);
    let mut unit_planar = vec![0.0f32; 3 * HEIGHT * WIDTH];
    for algorithm in DEMOSAIC_ALGORITHMS {
        let name = format!("peer demosaic {algorithm} (f32) planar");
        group.bench_function(BenchmarkId::new(name, "1 thread"), |b| {
            b.iter(|| demosaic_planar(&unit_raw, WIDTH, HEIGHT, algorithm, &mut unit_planar))
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    print_machine();
    check_peers();
    bench_sample::<u8>(c, "u8");
    bench_sample::<u16>(c, "u16");
}

criterion_group!(demosaic_benches, benches);
criterion_main!(demosaic_benches);
