//! How the demosaics scale with threads: each shipped demosaic (interleaved
//! output; MLRI's one archive) on the 12 MP frame at 1, 2, 4, ... threads and
//! at every core, one process per thread count (`HL_NUM_THREADS`: Halide's pool
//! does not shrink once grown), against a parallel copy of the output's bytes
//! on as many threads (the floor), and the safe call beside the raw C call of
//! the same archive made in a process where this crate never installed its
//! hooks (Halide's own allocator, error handler and parallel-for).
//!
//! `cargo bench -p halide-pipelines-benches --bench scaling` prints a Markdown
//! table; `-- --counts 1,4,16` picks the thread counts, `--runs N` the calls
//! per figure (the fastest is reported, after two warm-up calls).
//!
//! `-- --allocator` times Halide's allocator instead, as the pipelines use it:
//! every thread allocates, writes and frees blocks of a strip's line-buffer
//! sizes through `halide_malloc` / `halide_free`, with this crate's allocator
//! installed and, in another process, Halide's own (the C library's
//! `malloc`); once writing one byte a block (the allocator's own cost), once
//! one a page (what a strip's first writes add). Thread counts above the
//! cores (`--counts 1,2,16` on 2 cores) show locks and spin-waits: a lock
//! held by a descheduled thread stalls the others.

use std::ffi::c_void;
use std::process::Command;
use std::ptr;
use std::sync::Barrier;
use std::time::Instant;

use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, demosaic};
use halide_pipelines_sys::halide_runtime_sys::{
    halide_buffer_t, halide_dimension_t, halide_free, halide_malloc, halide_type_t, halide_type_uint,
};
use ndarray::{Array2, Array3};

// The floor here is a plain parallel copy at each thread count, not common's expand kernels.
#[allow(dead_code, unused_imports)]
mod common;
use common::{HEIGHT, WIDTH, frame, print_machine};

/// One shipped archive the bench times: its name, algorithm, sample bits and
/// `argv` entry point.
struct Archive {
    name: &'static str,
    algorithm: DemosaicAlgorithm,
    bits: u8,
    argv: unsafe extern "C" fn(*mut *mut c_void) -> std::ffi::c_int,
}

/// The interleaved archives of every algorithm, and MLRI's any-layout ones,
/// from the manifest's table (halide-pipelines-sys's generated macro).
macro_rules! timed_archives {
    ($( $function:ident {
        algorithm: $algorithm:ident, input_type: $input:ty, layout: $layout:ident, output_type: $output:ty,
        argv: $argv:ident, metadata: $metadata:ident, arguments: $arguments:ident
    } ),* $(,)?) => {
        fn archives() -> Vec<Archive> {
            let mut archives = Vec::new();
            $(
                let layout = stringify!($layout);
                let algorithm = DemosaicAlgorithm::$algorithm;
                if layout == "Interleaved" || (algorithm == DemosaicAlgorithm::Mlri && layout == "Any") {
                    archives.push(Archive {
                        name: stringify!($function),
                        algorithm,
                        bits: (8 * size_of::<$output>()) as u8,
                        argv: halide_pipelines_sys::$argv,
                    });
                }
            )*
            archives
        }
    };
}
halide_pipelines_sys::shipped_demosaic_pipelines!(timed_archives!());

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = value("--runs").map_or(20, |v| v.parse().expect("--runs N"));
    if let Some(mode) = value("--child") {
        let threads: usize = value("--threads").and_then(|v| v.parse().ok()).expect("--threads N");
        child(&mode, threads, runs);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        // `cargo bench` asks benches without a harness for their names.
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let counts: Vec<usize> = value("--counts").map_or_else(
        || {
            let mut counts: Vec<usize> = (0..).map(|p| 1 << p).take_while(|&n| n < cores).collect();
            counts.push(cores);
            counts
        },
        |list| list.split(',').map(|n| n.parse().expect("--counts 1,2,4")).collect(),
    );
    print_machine();
    let allocator = args.iter().any(|a| a == "--allocator");
    eprintln!("scaling: thread counts {counts:?}, fastest of {runs} calls, one process per count and mode");
    let modes = if allocator {
        ["allocator safe", "allocator raw"]
    } else {
        ["safe", "raw"]
    };
    let mut results: Vec<(usize, String, String)> = Vec::new(); // (threads, mode, output)
    for &threads in &counts {
        for mode in modes {
            let output = Command::new(std::env::current_exe().expect("the bench's own path"))
                .args([
                    "--child",
                    mode,
                    "--threads",
                    &threads.to_string(),
                    "--runs",
                    &runs.to_string(),
                ])
                .env("HL_NUM_THREADS", threads.to_string())
                .output()
                .expect("running a child");
            assert!(
                output.status.success(),
                "child {mode} {threads} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            results.push((
                threads,
                mode.to_owned(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
            ));
        }
    }
    if allocator {
        print_allocator_table(&counts, &results);
    } else {
        print_table(&counts, &results);
    }
}

/// `name ms` lines of a child.
fn parse(output: &str) -> Vec<(String, f64)> {
    output
        .lines()
        .filter_map(|line| {
            let (name, ms) = line.rsplit_once(' ')?;
            Some((name.to_owned(), ms.parse().ok()?))
        })
        .collect()
}

/// The figure `name` printed by the child of `threads` threads in `mode`
/// (NaN where it printed none).
fn figure(results: &[(usize, String, String)], threads: usize, mode: &str, name: &str) -> f64 {
    results
        .iter()
        .filter(|(t, m, _)| *t == threads && m == mode)
        .flat_map(|(_, _, output)| parse(output))
        .find(|(n, _)| n == name)
        .map_or(f64::NAN, |(_, ms)| ms)
}

fn print_table(counts: &[usize], results: &[(usize, String, String)]) {
    for (threads, mode, output) in results {
        for (name, ms) in parse(output)
            .into_iter()
            .filter(|(name, _)| name.starts_with("with_threads"))
        {
            println!("{mode} call in a {threads}-thread pool, {name}: {ms:.2} ms");
        }
    }
    println!();
    let find = |threads, mode, name: &str| figure(results, threads, mode, name);
    let names: Vec<String> = archives().iter().map(|a| a.name.to_owned()).collect();
    println!("| pipeline | threads | safe ms | raw C ms | safe / raw | floor ms | safe × floor |");
    println!("|---|---|---|---|---|---|---|");
    for name in &names {
        let bits = if name.contains("_u16_") { 16 } else { 8 };
        for &threads in counts {
            let floor = find(threads, "safe", &format!("floor u{bits}"));
            let safe = find(threads, "safe", name);
            let raw = find(threads, "raw", name);
            println!(
                "| {name} | {threads} | {safe:.2} | {raw:.2} | {:.2} | {floor:.3} | {:.1} |",
                safe / raw,
                safe / floor
            );
        }
    }
}

fn print_allocator_table(counts: &[usize], results: &[(usize, String, String)]) {
    let find = |threads, mode, name: &str| figure(results, threads, mode, name);
    println!(
        "{ALLOCATIONS_PER_THREAD} allocations per thread, sizes {BLOCK_SIZES:?} bytes in turn, each written \
         (one byte, or one a page: touched) and freed; ms, fastest of the runs"
    );
    println!();
    println!("| threads | ours | Halide's default | ours ÷ default | touched: ours | default | ours ÷ default |");
    println!("|---|---|---|---|---|---|---|");
    for &threads in counts {
        let figures = ["allocations", "allocations touched"].map(|name| {
            let ours = find(threads, "allocator safe", name);
            let default = find(threads, "allocator raw", name);
            format!("{ours:.2} | {default:.2} | {:.2}", ours / default)
        });
        println!("| {threads} | {} | {} |", figures[0], figures[1]);
    }
}

/// Allocations each thread of the allocator bench makes, of these sizes in
/// turn: a strip's line buffers in the shipped pipelines (Bilinear's rows of
/// a 4000-pixel strip, Menon2007's and MLRI's per-tile stages).
const ALLOCATIONS_PER_THREAD: usize = 20_000;
const BLOCK_SIZES: [usize; 4] = [24 << 10, 96 << 10, 300 << 10, 1200 << 10];

/// `threads` threads allocating, writing (one byte, or with `touch` one a
/// page) and freeing blocks through Halide's `halide_malloc` /
/// `halide_free` at once; ms from the first thread's start
/// to the last one's end (each thread times itself: with more threads than
/// cores, the thread that starts them need not run before they finish).
fn allocations(threads: usize, touch: bool) -> f64 {
    let start = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let started = Instant::now();
                    for i in 0..ALLOCATIONS_PER_THREAD {
                        let size = BLOCK_SIZES[(i + thread) % BLOCK_SIZES.len()];
                        // SAFETY: Halide's allocation entry points with no user
                        // context (neither allocator reads it); the block is
                        // `size` bytes, written within them, freed once.
                        unsafe {
                            let block = halide_malloc(ptr::null_mut(), size).cast::<u8>();
                            assert!(!block.is_null(), "out of memory");
                            let step = if touch { 4096 } else { size };
                            for page in (0..size).step_by(step) {
                                block.add(page).write_volatile(1);
                            }
                            halide_free(ptr::null_mut(), block.cast());
                        }
                    }
                    (started, Instant::now())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a worker"))
            .collect()
    });
    let first = spans.iter().map(|span| span.0).min().expect("a thread");
    let last = spans.iter().map(|span| span.1).max().expect("a thread");
    (last - first).as_secs_f64() * 1e3
}

/// Fastest of `runs` calls after two warm-up calls, in ms.
fn fastest(runs: usize, mut call: impl FnMut()) -> f64 {
    call();
    call();
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            call();
            started.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn child(mode: &str, threads: usize, runs: usize) {
    match mode {
        "allocator safe" => {
            // Any call installs this crate's hooks, the allocator among them.
            let raw = Array2::<u8>::zeros((4, 4));
            halide_pipelines::demosaic_to_array(&raw, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap();
        }
        "allocator raw" => {}
        _ => return demosaic_child(mode, threads, runs),
    }
    for (name, touch) in [("allocations", false), ("allocations touched", true)] {
        allocations(threads, touch); // warm-up: the caches and the C library's arenas
        let ms = (0..runs.min(5))
            .map(|_| allocations(threads, touch))
            .fold(f64::INFINITY, f64::min);
        println!("{name} {ms}");
    }
}

fn demosaic_child(mode: &str, threads: usize, runs: usize) {
    let raw8 = frame::<u8>();
    let raw16 = frame::<u16>();
    let mut rgb8 = Array3::<u8>::zeros((HEIGHT, WIDTH, 3));
    let mut rgb16 = Array3::<u16>::zeros((HEIGHT, WIDTH, 3));
    if mode == "safe" {
        let pool = rayon_core::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a copy pool");
        let source8 = Array3::<u8>::from_elem((HEIGHT, WIDTH, 3), 7);
        let source16 = Array3::<u16>::from_elem((HEIGHT, WIDTH, 3), 7);
        println!(
            "floor u8 {}",
            fastest(runs, || parallel_copy(&pool, &source8, &mut rgb8))
        );
        println!(
            "floor u16 {}",
            fastest(runs, || parallel_copy(&pool, &source16, &mut rgb16))
        );
    }
    for archive in archives() {
        let ms = match (mode, archive.bits) {
            ("safe", 8) => safe(&raw8, &mut rgb8, archive.algorithm, runs),
            ("safe", _) => safe(&raw16, &mut rgb16, archive.algorithm, runs),
            (_, 8) => raw_call(&raw8, &mut rgb8, &archive, runs),
            _ => raw_call(&raw16, &mut rgb16, &archive, runs),
        };
        println!("{} {ms}", archive.name);
    }
    if mode == "safe" && threads > 1 {
        // After calls on every thread of the pool: calls limited with
        // `with_threads` run at their limit's speed (the pool does not shrink).
        for limit in [1, threads / 2] {
            let ms =
                halide_pipelines::with_threads(limit, || safe(&raw8, &mut rgb8, DemosaicAlgorithm::Menon2007, runs));
            println!("with_threads({limit}) Menon2007 u8 {ms}");
        }
    }
}

fn safe<T: halide_pipelines::DemosaicSample>(
    raw: &Array2<T>,
    rgb: &mut Array3<T>,
    algorithm: DemosaicAlgorithm,
    runs: usize,
) -> f64 {
    let input = Buffer::try_from(raw.view()).unwrap();
    let mut output = BufferMut::try_from(rgb.view_mut()).unwrap();
    fastest(runs, || {
        demosaic(&input, &mut output, CfaPattern::Rggb, algorithm).unwrap()
    })
}

/// The archive called through its `argv` entry point on hand-built buffers,
/// as a user of the `-sys` crate would: no hook of this crate installed.
fn raw_call<T: Copy>(raw: &Array2<T>, rgb: &mut Array3<T>, archive: &Archive, runs: usize) -> f64 {
    let type_ = halide_type_t {
        code: halide_type_uint as u8,
        bits: archive.bits,
        lanes: 1,
    };
    let dim = |min: i32, extent: usize, stride: usize| halide_dimension_t {
        min,
        extent: extent as i32,
        stride: stride as i32,
        flags: 0,
    };
    let mut input_dims = [dim(0, WIDTH, 1), dim(0, HEIGHT, WIDTH)];
    // Halide dimension 0 is ndarray's last axis: channel, then x, then y.
    let mut output_dims = [dim(0, 3, 1), dim(0, WIDTH, 3), dim(0, HEIGHT, 3 * WIDTH)];
    let mut input = halide_buffer_t {
        host: raw.as_ptr().cast_mut().cast(),
        type_,
        dimensions: 2,
        dim: input_dims.as_mut_ptr(),
        ..Default::default()
    };
    let mut output = halide_buffer_t {
        host: rgb.as_mut_ptr().cast(),
        type_,
        dimensions: 3,
        dim: output_dims.as_mut_ptr(),
        ..Default::default()
    };
    let user_context: *mut c_void = ptr::null_mut();
    let (mut red_x, mut red_y) = (0i32, 0i32);
    fastest(runs, || {
        let mut argv: [*mut c_void; 5] = [
            ptr::from_ref(&user_context).cast_mut().cast(),
            ptr::from_mut(&mut input).cast(),
            ptr::from_mut(&mut red_x).cast(),
            ptr::from_mut(&mut red_y).cast(),
            ptr::from_mut(&mut output).cast(),
        ];
        // SAFETY: `argv` holds the user context and the archive's arguments in
        // its order (input, red_x, red_y, output: the shipped demosaics'
        // signature), buffers describing the frame and the interleaved output,
        // which outlive the call.
        let code = unsafe { (archive.argv)(argv.as_mut_ptr()) };
        assert_eq!(code, 0, "{} failed", archive.name);
    })
}

/// A parallel copy of `source` into `target` (the output's size) on a pool
/// of `threads` threads, one contiguous share each: what writing the output
/// costs at this thread count.
fn parallel_copy<T: Copy + Send + Sync>(pool: &rayon_core::ThreadPool, source: &Array3<T>, target: &mut Array3<T>) {
    let source = source.as_slice().expect("contiguous");
    let target = target.as_slice_mut().expect("contiguous");
    let share = source.len().div_ceil(pool.current_num_threads());
    pool.scope(|scope| {
        for (from, to) in source.chunks(share).zip(target.chunks_mut(share)) {
            scope.spawn(move |_| to.copy_from_slice(from));
        }
    });
}
