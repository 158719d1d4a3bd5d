//! Camera streams on a 12-megapixel (4000x3000) RGGB frame, all threads:
//!
//! - `packed demosaic`: RAW12 and RAW10 to 16-bit RGB with `demosaic_packed`, next to (a)
//!   `unpack` then `demosaic`, (b) `demosaic` of the frame already unpacked, and (c) the 16-bit
//!   memory floor (common/floor.rs: read 2 bytes a sample, write 6; a packed frame reads 1.25 or
//!   1.5, so the true floor of `demosaic_packed` is up to 6% below it).
//! - `packed develop`: RAW12 to 8-bit sRGB with `develop_packed`, next to `unpack` then `develop`
//!   and `develop` of the unpacked frame.
//! - `unpack`: every format, next to what a user writes by hand in Rust (a loop over each row's
//!   groups, on one thread and on rayon's threads by rows) and a copy of the unpacked frame's
//!   bytes on all threads (reads and writes 2 bytes a sample: more than unpacking moves).
//! - `half`: `demosaic_half` u8 and u16, next to a copy of the frame's bytes on all threads (reads
//!   and writes the whole frame: more than the preview, which writes 3/4 of it).
//! - `tiles`: Bilinear and Menon2007 as `demosaic_region` tiles on rayon's threads (1024x1024
//!   squares, and bands of 256 whole rows), next to the whole-frame call on the same rayon
//!   threads, and the whole-frame call on strided views: the same pixels as the left half of a
//!   mosaic and an output twice as wide, so that every row is a segment of a longer one, as a
//!   tile's rows are (what that layout costs the memory system, with no tiles involved); and the
//!   1024x1024 tiles each written into an array of its own, densely, as workers that pass their
//!   tiles on would.
//!
//! `cargo bench -p halide-pipelines-benches --bench stream` (criterion reports Melem/s = MP/s).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use halide_pipelines::{
    CfaPattern, DemosaicAlgorithm, PackedFormat, PackedFrame, ParallelPool, RawParams, Transfer, demosaic,
    demosaic_half, demosaic_packed, demosaic_region, demosaic_to_array, develop, develop_packed, set_thread_pool,
    unpack,
};
use ndarray::{Array2, Array3, ArrayViewMut3, Axis, s};
use rayon::prelude::*;

mod common;
use common::{Floor, HEIGHT, WIDTH, print_machine};

/// A 12 MP frame of `format`: random bytes (every byte sequence is a valid
/// packed frame), rows back to back.
fn packed_bytes(format: PackedFormat) -> Vec<u8> {
    let mut state = 0x853c_49e6_748f_ea9b_u64;
    (0..format.min_row_bytes(WIDTH) * HEIGHT)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// What a user writes by hand: each row's groups, sample by sample (RAW12 and
/// RAW10; the other formats have no hand-written peer here).
fn unpack_row_by_hand(format: PackedFormat, bytes: &[u8], samples: &mut [u16]) {
    match format {
        PackedFormat::Csi2Raw12 => {
            for (group, out) in bytes.chunks_exact(3).zip(samples.chunks_exact_mut(2)) {
                out[0] = u16::from(group[0]) << 4 | u16::from(group[2] & 0xf);
                out[1] = u16::from(group[1]) << 4 | u16::from(group[2] >> 4);
            }
        }
        PackedFormat::Csi2Raw10 => {
            for (group, out) in bytes.chunks_exact(5).zip(samples.chunks_exact_mut(4)) {
                for (k, sample) in out.iter_mut().enumerate() {
                    *sample = u16::from(group[k]) << 2 | u16::from(group[4] >> (2 * k) & 3);
                }
            }
        }
        other => unreachable!("no hand-written peer for {other}"),
    }
}

fn unpack_by_hand(format: PackedFormat, bytes: &[u8], samples: &mut Array2<u16>, parallel: bool) {
    let row_bytes = format.min_row_bytes(WIDTH);
    let rows = bytes.chunks_exact(row_bytes);
    let samples = samples.as_slice_mut().expect("the frame is contiguous");
    if parallel {
        rows.collect::<Vec<_>>()
            .into_par_iter()
            .zip(samples.par_chunks_exact_mut(WIDTH))
            .for_each(|(row, out)| unpack_row_by_hand(format, row, out));
    } else {
        for (row, out) in rows.zip(samples.chunks_exact_mut(WIDTH)) {
            unpack_row_by_hand(format, row, out);
        }
    }
}

/// A copy of `source` into `target` on every core, one share of rows each.
fn copy_on_all_threads(source: &[u8], target: &mut [u8]) {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let share = source.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (from, to) in source.chunks(share).zip(target.chunks_mut(share)) {
            scope.spawn(move || to.copy_from_slice(from));
        }
    });
}

fn bench_packed_demosaic(c: &mut Criterion) {
    let mut group = c.benchmark_group("packed demosaic 12MP to u16 RGB");
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);
    let mut rgb = Array3::<u16>::zeros((HEIGHT, WIDTH, 3));
    let mut samples = Array2::<u16>::zeros((HEIGHT, WIDTH));
    let floor = Floor::calibrate(&samples, &mut rgb);
    group.bench_function("memory floor, u16 mosaic (all threads)", |b| {
        b.iter(|| floor.run(black_box(&samples), &mut rgb))
    });
    for format in [PackedFormat::Csi2Raw12, PackedFormat::Csi2Raw10] {
        let bytes = packed_bytes(format);
        let frame = PackedFrame::new(&bytes, WIDTH, HEIGHT, format).unwrap();
        unpack(&frame, &mut samples).unwrap();
        for &algorithm in DemosaicAlgorithm::ALL {
            let name = |what: &str| BenchmarkId::new(format!("{algorithm:?} {what}"), format);
            group.bench_function(name("demosaic_packed"), |b| {
                b.iter(|| demosaic_packed(&frame, &mut rgb, CfaPattern::Rggb, algorithm).unwrap())
            });
            group.bench_function(name("unpack + demosaic"), |b| {
                b.iter(|| {
                    unpack(&frame, &mut samples).unwrap();
                    demosaic(&samples, &mut rgb, CfaPattern::Rggb, algorithm).unwrap()
                })
            });
            group.bench_function(name("demosaic of the unpacked frame"), |b| {
                b.iter(|| demosaic(&samples, &mut rgb, CfaPattern::Rggb, algorithm).unwrap())
            });
        }
    }
    group.finish();
}

fn bench_packed_develop(c: &mut Criterion) {
    let mut group = c.benchmark_group("packed develop 12MP to u8 sRGB");
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);
    let format = PackedFormat::Csi2Raw12;
    let bytes = packed_bytes(format);
    let frame = PackedFrame::new(&bytes, WIDTH, HEIGHT, format).unwrap();
    let mut samples = Array2::<u16>::zeros((HEIGHT, WIDTH));
    unpack(&frame, &mut samples).unwrap();
    let params = RawParams::new()
        .with_black_levels([256; 4])
        .with_white_level(4095)
        .with_white_balance([2.0, 1.0, 1.5])
        .with_transfer(Transfer::Srgb);
    let mut srgb = Array3::<u8>::zeros((HEIGHT, WIDTH, 3));
    for &algorithm in DemosaicAlgorithm::ALL {
        let name = |what: &str| BenchmarkId::new(format!("{algorithm:?} {what}"), format);
        group.bench_function(name("develop_packed"), |b| {
            b.iter(|| develop_packed(&frame, &mut srgb, CfaPattern::Rggb, algorithm, &params).unwrap())
        });
        group.bench_function(name("unpack + develop"), |b| {
            b.iter(|| {
                unpack(&frame, &mut samples).unwrap();
                develop(&samples, &mut srgb, CfaPattern::Rggb, algorithm, &params).unwrap()
            })
        });
        group.bench_function(name("develop of the unpacked frame"), |b| {
            b.iter(|| develop(&samples, &mut srgb, CfaPattern::Rggb, algorithm, &params).unwrap())
        });
    }
    group.finish();
}

fn bench_unpack(c: &mut Criterion) {
    let mut group = c.benchmark_group("unpack 12MP");
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(20);
    let mut samples = Array2::<u16>::zeros((HEIGHT, WIDTH));
    let copy_source = vec![0x5au8; HEIGHT * WIDTH * 2];
    group.bench_function("copy of the u16 frame's bytes (all threads)", |b| {
        b.iter(|| copy_on_all_threads(black_box(&copy_source), bytemuck_bytes(&mut samples)))
    });
    for &format in PackedFormat::ALL {
        let bytes = packed_bytes(format);
        let frame = PackedFrame::new(&bytes, WIDTH, HEIGHT, format).unwrap();
        group.bench_function(BenchmarkId::new("unpack", format), |b| {
            b.iter(|| unpack(&frame, &mut samples).unwrap())
        });
        if matches!(format, PackedFormat::Csi2Raw12 | PackedFormat::Csi2Raw10) {
            // The peer is checked against `unpack` before it is timed.
            let mut expected = Array2::<u16>::zeros((HEIGHT, WIDTH));
            unpack(&frame, &mut expected).unwrap();
            unpack_by_hand(format, &bytes, &mut samples, false);
            assert_eq!(samples, expected, "the hand-written {format} loop differs from unpack");
            group.bench_function(BenchmarkId::new("peer: by hand, 1 thread", format), |b| {
                b.iter(|| unpack_by_hand(format, black_box(&bytes), &mut samples, false))
            });
            group.bench_function(BenchmarkId::new("peer: by hand, rayon rows", format), |b| {
                b.iter(|| unpack_by_hand(format, black_box(&bytes), &mut samples, true))
            });
        }
    }
    group.finish();
}

fn bytemuck_bytes(samples: &mut Array2<u16>) -> &mut [u8] {
    bytemuck::cast_slice_mut(samples.as_slice_mut().expect("the frame is contiguous"))
}

fn bench_half(c: &mut Criterion) {
    let mut group = c.benchmark_group("half-size preview 12MP");
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(20);
    let raw8 = common::frame::<u8>();
    let raw16 = common::frame::<u16>();
    let mut copy8 = vec![0u8; HEIGHT * WIDTH];
    let mut copy16 = vec![0u8; HEIGHT * WIDTH * 2];
    let mut half8 = Array3::<u8>::zeros((HEIGHT / 2, WIDTH / 2, 3));
    let mut half16 = Array3::<u16>::zeros((HEIGHT / 2, WIDTH / 2, 3));
    group.bench_function("copy of the u8 frame's bytes (all threads)", |b| {
        b.iter(|| copy_on_all_threads(raw8.as_slice().unwrap(), &mut copy8))
    });
    group.bench_function("demosaic_half u8", |b| {
        b.iter(|| demosaic_half(&raw8, &mut half8, CfaPattern::Rggb).unwrap())
    });
    group.bench_function("copy of the u16 frame's bytes (all threads)", |b| {
        b.iter(|| copy_on_all_threads(bytemuck::cast_slice(raw16.as_slice().unwrap()), &mut copy16))
    });
    group.bench_function("demosaic_half u16", |b| {
        b.iter(|| demosaic_half(&raw16, &mut half16, CfaPattern::Rggb).unwrap())
    });
    group.finish();
}

/// Tiles of a frame: (origin, view) each.
type Tiles<'a> = Vec<([usize; 2], ArrayViewMut3<'a, u16>)>;

/// Every tile of `output` (`TILE_WIDTH` x `TILE_HEIGHT`, the last ones cut
/// at the frame's edges) as (origin, view).
fn tiles<const TILE_WIDTH: usize, const TILE_HEIGHT: usize>(output: &mut Array3<u16>) -> Tiles<'_> {
    let mut tiles = Vec::new();
    for (band_index, mut rest) in output.axis_chunks_iter_mut(Axis(0), TILE_HEIGHT).enumerate() {
        let mut column = 0;
        while rest.len_of(Axis(1)) > 0 {
            let width = TILE_WIDTH.min(rest.len_of(Axis(1)));
            let (tile, right) = rest.split_at(Axis(1), width);
            tiles.push(([band_index * TILE_HEIGHT, column], tile));
            rest = right;
            column += width;
        }
    }
    tiles
}

fn bench_tiles(c: &mut Criterion) {
    let mut group = c.benchmark_group("tiles 12MP u16 on rayon's threads");
    group.throughput(Throughput::Elements((HEIGHT * WIDTH) as u64));
    group.sample_size(10);
    set_thread_pool(ParallelPool::Rayon);
    let raw = common::frame::<u16>();
    // The same mosaic as the left half of one twice as wide, and an output
    // twice as wide: rows `WIDTH` samples long, `2 * WIDTH` apart.
    let mut wide_raw = Array2::<u16>::zeros((HEIGHT, 2 * WIDTH));
    wide_raw.slice_mut(s![.., ..WIDTH]).assign(&raw);
    let mut wide_output = Array3::<u16>::zeros((HEIGHT, 2 * WIDTH, 3));
    // The tiles write into the same array as the whole-frame call, so that
    // neither gains from where its pages happen to lie (two arrays of the
    // same size timed 9.4 and 12.0 ms for the same whole-frame call on one
    // thread).
    let mut output = Array3::<u16>::zeros((HEIGHT, WIDTH, 3));
    for algorithm in [DemosaicAlgorithm::Bilinear, DemosaicAlgorithm::Menon2007] {
        let whole = demosaic_to_array(&raw, CfaPattern::Rggb, algorithm).unwrap();
        let id = |what: &str| BenchmarkId::new(format!("{algorithm:?}"), what);
        group.bench_function(id("whole frame"), |b| {
            b.iter(|| demosaic(&raw, &mut output, CfaPattern::Rggb, algorithm).unwrap())
        });
        group.bench_function(id("whole frame, strided views"), |b| {
            b.iter(|| {
                let mut view = wide_output.slice_mut(s![.., ..WIDTH, ..]);
                demosaic(&wide_raw.slice(s![.., ..WIDTH]), &mut view, CfaPattern::Rggb, algorithm).unwrap()
            })
        });
        assert_eq!(
            wide_output.slice(s![.., ..WIDTH, ..]),
            whole,
            "{algorithm:?}: strided views"
        );
        let mut bench_tiling = |name: &str, tiling: fn(&mut Array3<u16>) -> Tiles<'_>| {
            output.fill(0);
            group.bench_function(id(name), |b| {
                b.iter(|| {
                    tiling(&mut output).into_par_iter().for_each(|(origin, mut tile)| {
                        demosaic_region(&raw, &mut tile, origin, CfaPattern::Rggb, algorithm).unwrap()
                    })
                })
            });
            assert_eq!(output, whole, "{algorithm:?}: the {name} differ from the whole frame");
        };
        bench_tiling("1024x1024 tiles", tiles::<1024, 1024>);
        bench_tiling("bands of 256 rows", tiles::<WIDTH, 256>);
        // The same tiles, each into an array of its own, as workers that pass
        // their tiles on write them: rows of 1024 pixels, densely, instead of
        // segments of the frame's rows (what separates this from the tiles
        // above is the memory system's, not the pipeline's).
        let mut own_arrays: Vec<([usize; 2], Array3<u16>)> = tiles::<1024, 1024>(&mut output)
            .into_iter()
            .map(|(origin, view)| (origin, Array3::zeros(view.raw_dim())))
            .collect();
        group.bench_function(id("1024x1024 tiles, each into an array of its own"), |b| {
            b.iter(|| {
                own_arrays.par_iter_mut().for_each(|(origin, tile)| {
                    demosaic_region(&raw, tile, *origin, CfaPattern::Rggb, algorithm).unwrap()
                })
            })
        });
        for ([row, column], tile) in &own_arrays {
            let (height, width, _) = tile.dim();
            assert_eq!(
                tile,
                whole.slice(s![*row..row + height, *column..column + width, ..]),
                "{algorithm:?}: the tile at {row}, {column} in an array of its own differs from the whole frame"
            );
        }
    }
    set_thread_pool(ParallelPool::Halide);
    group.finish();
}

fn benches(c: &mut Criterion) {
    print_machine();
    bench_unpack(c);
    bench_half(c);
    bench_packed_demosaic(c);
    bench_packed_develop(c);
    bench_tiles(c);
}

criterion_group!(stream_benches, benches);
criterion_main!(stream_benches);
