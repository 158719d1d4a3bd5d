//! `stream`: a camera's packed frames, developed one after another as they would arrive,
//! with the frame rate this machine sustains.
//!
//! ```text
//! cargo run --release --example stream                                  # 60 synthetic 12 MP RAW12 frames to sRGB
//! cargo run --release --example stream -- --format mono10p --output rgb16 --algorithm menon2007
//! cargo run --release --example stream -- --input capture.raw --frame 4056x3040 --format raw12 --row-stride 6112
//! ```
//!
//! Each frame is a `PackedFrame` over the bytes as the camera delivered them (no copy, no
//! unpacking pass): `develop_packed` to 8-bit sRGB, or `demosaic_packed` to 16-bit RGB. Without
//! `--input`, frames are synthetic (random bytes are valid packed frames of any format).

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use halide_pipelines::{
    CfaPattern, DemosaicAlgorithm, Error, PackedFormat, PackedFrame, RawParams, Transfer, demosaic_packed,
    develop_packed,
};
use ndarray::Array3;

// An example's crate root resolves `mod` paths next to it: point into examples/common/.
#[path = "common/args.rs"]
mod args;
#[macro_use]
#[path = "common/say.rs"]
mod say;
use args::{parse_algorithm, parse_size};

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// MIPI CSI-2 RAW10 (V4L2 SRGGB10P, ...).
    Raw10,
    /// MIPI CSI-2 RAW12 (V4L2 SRGGB12P, ...).
    Raw12,
    /// MIPI CSI-2 RAW14 (V4L2 SRGGB14P, ...).
    Raw14,
    /// GenICam Mono10p / BayerRG10p, ...
    Mono10p,
    /// GenICam Mono12p / BayerRG12p, ...
    Mono12p,
    /// GigE Vision Mono12Packed / BayerRG12Packed, ...
    Mono12packed,
}

impl Format {
    fn packed(self) -> PackedFormat {
        match self {
            Format::Raw10 => PackedFormat::Csi2Raw10,
            Format::Raw12 => PackedFormat::Csi2Raw12,
            Format::Raw14 => PackedFormat::Csi2Raw14,
            Format::Mono10p => PackedFormat::Mono10p,
            Format::Mono12p => PackedFormat::Mono12p,
            Format::Mono12packed => PackedFormat::Mono12Packed,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    /// develop_packed: white balance 1, the format's full range, sRGB curve, 8-bit.
    Srgb8,
    /// demosaic_packed: the samples as they are, 16-bit.
    Rgb16,
}

#[derive(Parser)]
#[command(about = "Develop a stream of packed camera frames and print the frame rate")]
struct Args {
    /// How the camera packs its samples.
    #[arg(long, value_enum, default_value = "raw12")]
    format: Format,
    /// Frame size, WIDTHxHEIGHT in samples.
    #[arg(long, default_value = "4000x3000", value_parser = parse_size)]
    frame: (usize, usize),
    /// Bytes from one row to the next (V4L2's bytesperline); default: rows back to back.
    #[arg(long)]
    row_stride: Option<usize>,
    /// Frames to process (a file's frames are cycled through).
    #[arg(long, default_value_t = 60)]
    frames: usize,
    /// rggb, bggr, grbg or gbrg: the sensor's pattern.
    #[arg(long, default_value = "rggb")]
    pattern: CfaPattern,
    /// bilinear, malvar2004, menon2007 or mlri.
    #[arg(long, default_value = "bilinear", value_parser = parse_algorithm)]
    algorithm: DemosaicAlgorithm,
    #[arg(long, value_enum, default_value = "srgb8")]
    output: Output,
    /// Raw frames back to back, each `row_stride * height` bytes (a capture's dump).
    #[arg(long)]
    input: Option<PathBuf>,
}

/// Four frames of random bytes (xorshift): distinct frames, as a stream's are.
fn synthetic_frames(frame_bytes: usize) -> Vec<Vec<u8>> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..4)
        .map(|_| {
            (0..frame_bytes)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        })
        .collect()
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let (width, height) = args.frame;
    let format = args.format.packed();
    let row_stride = args.row_stride.unwrap_or_else(|| format.min_row_bytes(width));
    let frame_bytes = row_stride * height;
    let frames = match &args.input {
        Some(path) => {
            let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            if bytes.len() < frame_bytes {
                return Err(format!(
                    "{}: {} bytes, less than one {width}x{height} frame of {frame_bytes} bytes",
                    path.display(),
                    bytes.len()
                ));
            }
            bytes.chunks_exact(frame_bytes).map(<[u8]>::to_vec).collect()
        }
        None => synthetic_frames(frame_bytes),
    };
    let white = (1u16 << format.bits_per_sample()) - 1;
    let params = RawParams::new().with_white_level(white).with_transfer(Transfer::Srgb);
    let mut srgb = Array3::<u8>::zeros((height, width, 3));
    let mut rgb16 = Array3::<u16>::zeros((height, width, 3));

    let mut process = |bytes: &[u8]| -> Result<Duration, Error> {
        let start = Instant::now();
        let frame = PackedFrame::with_row_stride(bytes, width, height, row_stride, format)?;
        match args.output {
            Output::Srgb8 => develop_packed(&frame, &mut srgb, args.pattern, args.algorithm, &params)?,
            Output::Rgb16 => demosaic_packed(&frame, &mut rgb16, args.pattern, args.algorithm)?,
        }
        Ok(start.elapsed())
    };
    // The first frame pays for the thread pool's start.
    process(&frames[0]).map_err(|e| e.to_string())?;
    let mut times = Vec::with_capacity(args.frames);
    let start = Instant::now();
    for bytes in frames.iter().cycle().take(args.frames) {
        times.push(process(bytes).map_err(|e| e.to_string())?);
    }
    let total = start.elapsed().as_secs_f64();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    say!(
        "{} frames of {width}x{height} {format} ({:.1} MB each) -> {}, {:?}, {} threads:",
        args.frames,
        frame_bytes as f64 / 1e6,
        match args.output {
            Output::Srgb8 => "8-bit sRGB",
            Output::Rgb16 => "16-bit RGB",
        },
        args.algorithm,
        std::thread::available_parallelism().map_or(1, usize::from),
    );
    say!(
        "{:.1} frames/s; per frame: median {:.2} ms, fastest {:.2} ms, slowest {:.2} ms",
        args.frames as f64 / total,
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    Ok(())
}
