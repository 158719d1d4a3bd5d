//! `tiles`: one large frame demosaiced as tiles on rayon's threads, checked against the
//! whole-frame call pixel for pixel.
//!
//! ```text
//! cargo run --release --example tiles                         # 8000x6000, Menon2007, 1024x1024 tiles
//! cargo run --release --example tiles -- --algorithm mlri --tile 512x2048
//! ```
//!
//! `demosaic_region` computes one region of a frame from its real neighbours, so each tile
//! equals the same pixels of the whole frame's result: a frame too large for one call (or one
//! machine) splits into independent tasks without seams. Here every tile writes straight into
//! its own part of one output array (disjoint `ndarray` views), and Halide's own parallel
//! loops run on the same rayon threads (`set_thread_pool(ParallelPool::Rayon)`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use halide_pipelines::{
    CfaPattern, DemosaicAlgorithm, Error, ParallelPool, demosaic, demosaic_region, set_thread_pool,
};
use ndarray::{Array2, Array3, ArrayViewMut3, Axis};
use rayon::prelude::*;

// An example's crate root resolves `mod` paths next to it: point into examples/common/.
#[path = "common/args.rs"]
mod args;
#[macro_use]
#[path = "common/say.rs"]
mod say;
use args::{parse_algorithm, parse_size};

#[derive(Parser)]
#[command(about = "Demosaic a large frame as tiles on rayon's threads and check it equals the whole-frame call")]
struct Args {
    /// Frame size, WIDTHxHEIGHT.
    #[arg(long, default_value = "8000x6000", value_parser = parse_size)]
    frame: (usize, usize),
    /// Tile size, WIDTHxHEIGHT (the last row and column of tiles may be smaller).
    #[arg(long, default_value = "1024x1024", value_parser = parse_size)]
    tile: (usize, usize),
    /// bilinear, malvar2004, menon2007 or mlri.
    #[arg(long, default_value = "menon2007", value_parser = parse_algorithm)]
    algorithm: DemosaicAlgorithm,
    /// Timed calls of each kind (the best is reported), after one warm-up call.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// A 12-bit mosaic with detail at every scale (rings and noise), so every algorithm's
/// neighbourhood differs from tile to tile.
fn synthetic_mosaic(width: usize, height: usize) -> Array2<u16> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    Array2::from_shape_fn((height, width), |(y, x)| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let (dx, dy) = (x as f64 - width as f64 / 2.0, y as f64 - height as f64 / 2.0);
        let rings = ((dx * dx + dy * dy).sqrt() / 9.0).sin() * 1500.0 + 2000.0;
        (rings + (state % 512) as f64) as u16
    })
}

/// Every tile of `output` as (origin, view): disjoint mutable views of one array.
fn tiles(
    output: &mut Array3<u16>,
    (tile_width, tile_height): (usize, usize),
) -> Vec<([usize; 2], ArrayViewMut3<'_, u16>)> {
    let mut tiles = Vec::new();
    for (band_index, mut rest) in output.axis_chunks_iter_mut(Axis(0), tile_height).enumerate() {
        // `split_at` hands both halves on with the array's own lifetime.
        let mut column = 0;
        while rest.len_of(Axis(1)) > 0 {
            let width = tile_width.min(rest.len_of(Axis(1)));
            let (tile, right) = rest.split_at(Axis(1), width);
            tiles.push(([band_index * tile_height, column], tile));
            rest = right;
            column += width;
        }
    }
    tiles
}

fn best_of(runs: usize, mut call: impl FnMut() -> Result<(), Error>) -> Result<Duration, Error> {
    call()?;
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        call()?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<bool, Error> {
    let (width, height) = args.frame;
    let pattern = CfaPattern::Grbg;
    // Both the tiles and Halide's loops inside each call on rayon's threads.
    set_thread_pool(ParallelPool::Rayon);
    let raw = synthetic_mosaic(width, height);

    let mut whole = Array3::<u16>::zeros((height, width, 3));
    let whole_time = best_of(args.runs, || demosaic(&raw, &mut whole, pattern, args.algorithm))?;

    let mut tiled = Array3::<u16>::zeros((height, width, 3));
    let mut count = 0;
    let tiled_time = best_of(args.runs, || {
        let views = tiles(&mut tiled, args.tile);
        count = views.len();
        views
            .into_par_iter()
            .try_for_each(|(origin, mut view)| demosaic_region(&raw, &mut view, origin, pattern, args.algorithm))
    })?;

    let mismatches = whole.iter().zip(&tiled).filter(|(a, b)| a != b).count();
    say!(
        "{width}x{height} {:?} on {} rayon threads: whole frame {:.1} ms, {count} tiles of {}x{} {:.1} ms ({:.2}x)",
        args.algorithm,
        rayon::current_num_threads(),
        whole_time.as_secs_f64() * 1e3,
        args.tile.0,
        args.tile.1,
        tiled_time.as_secs_f64() * 1e3,
        tiled_time.as_secs_f64() / whole_time.as_secs_f64(),
    );
    if mismatches == 0 {
        say!("tiles == whole frame: every pixel equal");
        Ok(true)
    } else {
        say!("tiles != whole frame: {mismatches} samples differ");
        Ok(false)
    }
}
