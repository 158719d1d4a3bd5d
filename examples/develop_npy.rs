//! The bridge between the shipped develop pipelines and the Python check
//! `generators/quality/check_develop.py`: develops a raw frame stored as a
//! 2-D u16 `.npy` array with every algorithm, to u8 and to u16, and writes
//! each result as an `(H, W, 3)` `.npy` array.
//!
//! ```text
//! cargo run --release --example develop_npy -- RAW.npy PATTERN OUT_PREFIX \
//!     --black B00,B01,B10,B11 --white W --gains R,G,B [--matrix M00,M01,...,M22] [--transfer srgb|linear]
//! ```
//! writes `OUT_PREFIX_<algorithm>_<u8|u16>.npy`, algorithm bilinear, malvar2004, menon2007, mlri.

use std::process::ExitCode;

use halide_pipelines::{CfaPattern, DemosaicAlgorithm, DevelopOutput, RawParams, Transfer, develop_to_array};
use ndarray::Array2;
use ndarray_npy::{ReadNpyExt, WritableElement, WriteNpyExt};

const USAGE: &str = "usage: develop_npy RAW.npy PATTERN OUT_PREFIX --black B00,B01,B10,B11 --white W \
                     --gains R,G,B [--matrix M00,...,M22] [--transfer srgb|linear]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `N` comma-separated numbers.
fn numbers<T: std::str::FromStr, const N: usize>(flag: &str, text: &str) -> Result<[T; N], String> {
    let values: Vec<T> = text
        .split(',')
        .map(|part| {
            part.trim()
                .parse()
                .map_err(|_| format!("{flag}: {part:?} is not a number"))
        })
        .collect::<Result<_, _>>()?;
    values
        .try_into()
        .map_err(|_| format!("{flag}: expected {N} comma-separated numbers, got {text:?}"))
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (positional, flags) = args.split_at(args.len().min(3));
    let [raw_path, pattern, prefix] = positional else {
        return Err(USAGE.into());
    };
    let pattern: CfaPattern = pattern.parse().map_err(|e| format!("{e}"))?;
    let mut params = RawParams::new();
    for pair in flags.chunks(2) {
        let [flag, value] = pair else {
            return Err(format!("{USAGE}\n(a flag without its value: {pair:?})"));
        };
        params = match flag.as_str() {
            "--black" => params.with_black_levels(numbers::<u16, 4>(flag, value)?),
            "--white" => {
                params.with_white_level(value.parse().map_err(|_| format!("--white: {value:?} is not a u16"))?)
            }
            "--gains" => params.with_white_balance(numbers::<f32, 3>(flag, value)?),
            "--matrix" => {
                let m = numbers::<f32, 9>(flag, value)?;
                params.with_color_matrix([[m[0], m[1], m[2]], [m[3], m[4], m[5]], [m[6], m[7], m[8]]])
            }
            "--transfer" => params.with_transfer(match value.as_str() {
                "srgb" => Transfer::Srgb,
                "linear" => Transfer::Linear,
                other => return Err(format!("--transfer: {other:?} is neither srgb nor linear")),
            }),
            other => return Err(format!("unknown flag {other:?}\n{USAGE}")),
        };
    }
    let bytes = std::fs::read(raw_path).map_err(|e| format!("cannot read {raw_path}: {e}"))?;
    let raw =
        Array2::<u16>::read_npy(bytes.as_slice()).map_err(|e| format!("{raw_path} is not a 2-D u16 array: {e}"))?;
    for &algorithm in DemosaicAlgorithm::ALL {
        write::<u8>(
            &raw,
            pattern,
            algorithm,
            &params,
            &format!("{prefix}_{}_u8.npy", name(algorithm)),
        )?;
        write::<u16>(
            &raw,
            pattern,
            algorithm,
            &params,
            &format!("{prefix}_{}_u16.npy", name(algorithm)),
        )?;
    }
    Ok(())
}

fn name(algorithm: DemosaicAlgorithm) -> String {
    format!("{algorithm:?}").to_lowercase()
}

fn write<T: DevelopOutput + WritableElement>(
    raw: &Array2<u16>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    params: &RawParams,
    path: &str,
) -> Result<(), String> {
    let rgb = develop_to_array::<T>(raw.view(), pattern, algorithm, params).map_err(|e| e.to_string())?;
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
    rgb.write_npy(std::io::BufWriter::new(file))
        .map_err(|e| format!("cannot write {path}: {e}"))
}
