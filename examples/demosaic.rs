//! `demosaic`: Bayer demosaicing with `halide-pipelines`, as a command-line tool.
//!
//! ```text
//! cargo run --release --example demosaic                 # the built-in photo: every algorithm, scored
//! cargo run --release --example demosaic -- photo.jpg    # your photo: mosaicked, demosaiced again, scored
//! cargo run --release --example demosaic -- shot.dng     # a camera raw file: developed to an sRGB PNG
//! cargo run --release --example demosaic -- --help
//! ```
//!
//! A camera sensor records one colour per pixel, through a Bayer colour filter array; demosaicing
//! interpolates the two missing colours. For a photo, this tool simulates the sensor (keeps one
//! sample per pixel), demosaics with each algorithm and measures how close the result is to the
//! original. For a camera raw file it develops the real sensor data to sRGB in one call. The library
//! calls are in [`imaging::timed_demosaic`] (`demosaic_to_array` for a new array, `demosaic` into an
//! existing one) and [`imaging::timed_develop`] (`develop_to_array`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use halide_pipelines::{CfaPattern, DemosaicAlgorithm, ParallelPool, set_num_threads, set_thread_pool};
use image::{ColorType, DynamicImage, ImageFormat, ImageReader};
use ndarray::Array3;

// The crate root of an example resolves `mod` paths next to it, in examples/: point into examples/demosaic/
// and examples/common/.
#[macro_use]
#[path = "common/say.rs"]
mod say;
#[path = "demosaic/imaging.rs"]
mod imaging;
#[path = "demosaic/raw.rs"]
mod raw;

use imaging::{CROP, ZOOM, algorithm_name};

/// The default input, embedded in the binary (451x300 pixels, 8-bit RGB).
const CHELSEA: &[u8] = include_bytes!("assets/chelsea.png");
const CHELSEA_CREDIT: &str = "\"Chelsea the cat\" by Stéfan van der Walt (CC0), from scikit-image's sample data";

const AFTER_HELP: &str = "\
Photos (PNG, JPEG; converted to 8-bit RGB): the photo is sampled through the Bayer pattern (one
colour per pixel, as a sensor records it), demosaiced again with each algorithm, and scored by PSNR
against the original (8-bit, all 3 channels, a 10-pixel border left out). Timings are the best of
10 calls after a warm-up call. Files written to DIR:
  mosaic.png        the simulated sensor frame, colourised: each pixel's one sample in its own channel
  <algorithm>.png   the demosaiced photo
  comparison.png    the most detailed 80x80 crop, enlarged 4x: original | each algorithm, left to right

Camera raw files (DNG, CR2, NEF, ARW, ORF, RW2, PEF, ...: whatever rawloader decodes; 2x2 Bayer
sensors only, no X-Trans): developed by one `develop` call per algorithm, from rawloader's own
buffer: the file's black and white levels, the camera's as-shot white balance, the demosaic, the
camera-to-sRGB matrix from the file's colour data (white-balanced camera RGB when the camera has
none), the sRGB curve, 8-bit output, written as DIR/<name>.png. No pixel is touched in Rust.

Without INPUT, the built-in photo is used: \"Chelsea the cat\" by Stéfan van der Walt, released
under CC0, from scikit-image's sample data.";

/// Demosaic Bayer images with halide-pipelines: compare the algorithms on a photo, or develop a
/// camera raw file.
#[derive(Debug, Parser)]
#[command(name = "demosaic", after_help = AFTER_HELP)]
pub struct Cli {
    /// PNG or JPEG photo, or camera raw file [default: the built-in photo]
    input: Option<PathBuf>,

    /// Algorithm [default: all for photos, menon2007 for raw files]
    #[arg(short, long, value_enum)]
    algorithm: Option<AlgorithmArg>,

    /// Bayer pattern to simulate on a photo: rggb, bggr, grbg or gbrg (any case), the 2x2 tile at the
    /// top-left, row by row [default: rggb]. Raw files use their own pattern
    #[arg(short, long)]
    pattern: Option<CfaPattern>,

    /// Folder for the PNGs (created if missing)
    #[arg(short, long, value_name = "DIR", default_value = "demosaic-output")]
    output: PathBuf,

    /// Threads in Halide's thread pool; 0 = Halide's default [default: Halide's default, one per core]
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,

    /// Threads that run the pipelines' parallel loops (the `rayon` feature adds rayon's)
    #[arg(long, value_enum, default_value = "halide")]
    pool: PoolArg,
}

/// `--pool`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PoolArg {
    /// Halide's own thread pool, sized by --threads
    Halide,
    /// rayon's global pool (size it with RAYON_NUM_THREADS; --threads does not apply)
    Rayon,
}

/// `--algorithm`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// Bilinear interpolation of each colour plane: the fastest and the softest
    Bilinear,
    /// Malvar, He and Cutler (2004): bilinear with a gradient correction
    #[value(name = "malvar2004")]
    Malvar2004,
    /// Menon, Andriani and Calvagno (2007): directional, the best quality here
    #[value(name = "menon2007")]
    Menon2007,
    /// Kiku, Monno, Tanaka and Okutomi (2014): minimized-Laplacian residual interpolation, the best
    /// PSNR here, the slowest
    Mlri,
    /// Each of them, fastest first
    All,
}

impl Cli {
    /// The algorithms to run: `--algorithm`, or `default` without it.
    pub fn algorithms(&self, default: AlgorithmArg) -> Vec<DemosaicAlgorithm> {
        match self.algorithm.unwrap_or(default) {
            AlgorithmArg::Bilinear => vec![DemosaicAlgorithm::Bilinear],
            AlgorithmArg::Malvar2004 => vec![DemosaicAlgorithm::Malvar2004],
            AlgorithmArg::Menon2007 => vec![DemosaicAlgorithm::Menon2007],
            AlgorithmArg::Mlri => vec![DemosaicAlgorithm::Mlri],
            AlgorithmArg::All => DemosaicAlgorithm::ALL.to_vec(),
        }
    }

    /// The thread pool and its size, for the output.
    pub fn threads_description(&self) -> String {
        match (self.pool, self.threads) {
            (PoolArg::Rayon, _) => "rayon's global pool".to_string(),
            (PoolArg::Halide, Some(n)) if n > 0 => format!("{n} (Halide's pool)"),
            (PoolArg::Halide, _) => "Halide's default (one per core)".to_string(),
        }
    }
}

/// One line of a results table: the first cell left-aligned, the others right-aligned.
pub fn table_row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let cell = cell.as_ref();
        if i == 0 {
            line += &format!("{cell:<12}");
        } else {
            line += &format!("{cell:>12}");
        }
    }
    line
}

/// An I/O error's message without Rust's " (os error 2)" suffix.
pub fn without_os_error(message: &str) -> String {
    match message.rfind(" (os error ") {
        Some(at) if message.ends_with(')') => message[..at].to_string(),
        _ => message.to_string(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the input turned out to be.
enum Input {
    Photo {
        image: DynamicImage,
        name: String,
        credit: Option<&'static str>,
    },
    Raw {
        image: Box<rawloader::RawImage>,
        path: PathBuf,
        decode_ms: f64,
    },
}

fn run(cli: &Cli) -> Result<(), String> {
    if cli.pool == PoolArg::Rayon && cli.threads.is_some() {
        return Err("--threads sizes Halide's pool; with --pool rayon, set RAYON_NUM_THREADS instead".into());
    }
    set_thread_pool(match cli.pool {
        PoolArg::Halide => ParallelPool::Halide,
        PoolArg::Rayon => ParallelPool::Rayon,
    });
    if let Some(threads) = cli.threads {
        set_num_threads(threads);
    }
    let input = match &cli.input {
        None => Input::Photo {
            image: image::load_from_memory_with_format(CHELSEA, ImageFormat::Png)
                .map_err(|e| format!("cannot decode the built-in photo: {e}"))?,
            name: "built-in photo".to_string(),
            credit: Some(CHELSEA_CREDIT),
        },
        Some(path) => open(path)?,
    };
    fs::create_dir_all(&cli.output).map_err(|e| {
        format!(
            "cannot create the output folder {}: {}",
            cli.output.display(),
            without_os_error(&e.to_string())
        )
    })?;
    match input {
        Input::Photo { image, name, credit } => run_photo(image, &name, credit, cli),
        Input::Raw { image, path, decode_ms } => raw::run(*image, &path, cli, decode_ms),
    }
}

/// Reads `path`: a PNG or JPEG photo (recognised by its contents), or else a camera raw file.
fn open(path: &Path) -> Result<Input, String> {
    let cannot_read =
        |e: std::io::Error| format!("cannot read {}: {}", path.display(), without_os_error(&e.to_string()));
    let reader = ImageReader::open(path)
        .map_err(cannot_read)?
        .with_guessed_format()
        .map_err(cannot_read)?;
    match reader.format() {
        Some(format @ (ImageFormat::Png | ImageFormat::Jpeg)) => {
            let image = reader.decode().map_err(|e| {
                let format = if format == ImageFormat::Png { "PNG" } else { "JPEG" };
                format!(
                    "cannot decode {} as {format}: {}",
                    path.display(),
                    without_os_error(&e.to_string())
                )
            })?;
            Ok(Input::Photo {
                image,
                name: path.display().to_string(),
                credit: None,
            })
        }
        other => {
            let start = Instant::now();
            let image = raw::decode(path).map_err(|reason| {
                let looks_like = match other.and_then(|format| format.extensions_str().first()) {
                    Some(extension) => format!(" (it looks like a {} image)", extension.to_uppercase()),
                    None => String::new(),
                };
                format!(
                    "cannot read {}: not a PNG or JPEG photo{looks_like}, nor a camera raw file rawloader can \
                     decode ({reason})",
                    path.display()
                )
            })?;
            let decode_ms = start.elapsed().as_secs_f64() * 1e3;
            Ok(Input::Raw {
                image: Box::new(image),
                path: path.to_path_buf(),
                decode_ms,
            })
        }
    }
}

/// Mosaics a photo, demosaics it with each chosen algorithm, scores and times them, writes the PNGs.
fn run_photo(photo: DynamicImage, name: &str, credit: Option<&str>, cli: &Cli) -> Result<(), String> {
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    if width < 2 || height < 2 {
        return Err(format!(
            "{name} is {width}x{height} pixels: demosaicing needs at least 2x2"
        ));
    }
    let converted = match photo.color() {
        ColorType::Rgb8 => String::new(),
        other => format!(", converted from {other:?} to 8-bit RGB"),
    };
    let original = Array3::from_shape_vec((height, width, 3), photo.into_rgb8().into_raw())
        .map_err(|e| format!("{name}: unexpected pixel data: {e}"))?;
    let pattern = cli.pattern.unwrap_or(CfaPattern::Rggb);
    let algorithms = cli.algorithms(AlgorithmArg::All);
    // Enough calls for a stable best time, few enough for CI's debug build and for big photos.
    let calls = if cfg!(debug_assertions) {
        2
    } else if width * height > 4_000_000 {
        3
    } else {
        10
    };
    let border = imaging::border_for(height, width, 1);

    say!("input: {name}, {width}x{height}{converted}");
    if let Some(credit) = credit {
        say!("       {credit}");
    }
    say!(
        "mosaic: {} Bayer frame simulated from it (8-bit); threads: {}",
        pattern,
        cli.threads_description()
    );
    let raw = imaging::mosaic(original.view(), pattern);
    say!("\n{}", table_row(&["algorithm", "PSNR (dB)", "time (ms)", "MP/s"]));
    let mut results = Vec::new();
    for &algorithm in &algorithms {
        let (rgb, time) = imaging::timed_demosaic(raw.view(), pattern, algorithm, calls)?;
        let psnr = imaging::psnr(original.view(), rgb.view(), border);
        say!(
            "{}",
            table_row(&[
                algorithm_name(algorithm),
                format!("{psnr:.2}"),
                format!("{:.3}", time.as_secs_f64() * 1e3),
                format!("{:.1}", imaging::megapixels_per_second(width * height, time)),
            ])
        );
        results.push((algorithm, rgb));
    }
    let scored = if border > 0 {
        format!("{border}-pixel border left out")
    } else {
        "whole image (a small one)".into()
    };
    say!(
        "\nPSNR: against the original, 8-bit, all 3 channels, {scored}; higher is better.\n\
         time: best of {calls} calls after a warm-up call{}.",
        if cfg!(debug_assertions) {
            " (a debug build: use --release for 10 calls)"
        } else {
            ""
        }
    );

    let mut written = vec![];
    imaging::write_png(
        &cli.output.join("mosaic.png"),
        imaging::colourise(raw.view(), pattern).view(),
    )?;
    written.push((
        "mosaic.png".to_string(),
        "the simulated sensor frame, colourised: each pixel's one sample in its own channel".to_string(),
    ));
    for (algorithm, rgb) in &results {
        let file = format!("{}.png", algorithm_name(*algorithm));
        imaging::write_png(&cli.output.join(&file), rgb.view())?;
        written.push((file, format!("demosaiced with {}", algorithm_name(*algorithm))));
    }
    let crop = imaging::most_detailed_crop(original.view(), CROP);
    let mut columns = vec![original.view()];
    columns.extend(results.iter().map(|(_, rgb)| rgb.view()));
    imaging::write_png(
        &cli.output.join("comparison.png"),
        imaging::side_by_side(&columns, crop).view(),
    )?;
    let order: Vec<String> = results
        .iter()
        .map(|(algorithm, _)| algorithm_name(*algorithm))
        .collect();
    written.push((
        "comparison.png".to_string(),
        format!(
            "the most detailed {0}x{0} crop, at (x, y) = ({1}, {2}), enlarged {ZOOM}x: original | {3}",
            crop.size,
            crop.x,
            crop.y,
            order.join(" | ")
        ),
    ));

    let folder = fs::canonicalize(&cli.output).unwrap_or_else(|_| cli.output.clone());
    say!("\nwrote to {}:", folder.display());
    for (file, what) in written {
        say!("  {file:<16} {what}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_error_suffixes_are_dropped() {
        assert_eq!(
            without_os_error("No such file or directory (os error 2)"),
            "No such file or directory"
        );
        assert_eq!(without_os_error("Invalid PNG signature."), "Invalid PNG signature.");
    }

    #[test]
    fn the_command_line_parses() {
        let cli = Cli::try_parse_from([
            "demosaic",
            "-a",
            "malvar2004",
            "--pattern",
            "gbrg",
            "-o",
            "out",
            "x.png",
        ]);
        let cli = cli.unwrap();
        assert_eq!(cli.algorithms(AlgorithmArg::All), vec![DemosaicAlgorithm::Malvar2004]);
        assert_eq!(cli.pattern, Some(CfaPattern::Gbrg));
        let upper_case = Cli::try_parse_from(["demosaic", "-p", "BGGR"]).unwrap();
        assert_eq!(upper_case.pattern, Some(CfaPattern::Bggr));
        let error = Cli::try_parse_from(["demosaic", "--pattern", "rgb"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("unknown CFA pattern \"rgb\": expected rggb, bggr, grbg or gbrg"),
            "{error}"
        );
        assert_eq!(
            Cli::try_parse_from(["demosaic"])
                .unwrap()
                .algorithms(AlgorithmArg::All)
                .len(),
            DemosaicAlgorithm::ALL.len()
        );
        assert!(Cli::try_parse_from(["demosaic", "--algorithm", "fast"]).is_err());
        // Names match the library's own.
        for &algorithm in DemosaicAlgorithm::ALL {
            let name = algorithm_name(algorithm);
            assert!(AlgorithmArg::from_str(&name, false).is_ok(), "{name}");
        }
    }

    #[test]
    fn the_built_in_photo_decodes() {
        let photo = image::load_from_memory_with_format(CHELSEA, ImageFormat::Png).unwrap();
        assert_eq!(
            (photo.width(), photo.height(), photo.color()),
            (451, 300, ColorType::Rgb8)
        );
    }
}
