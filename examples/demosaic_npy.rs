//! The bridge between the shipped pipelines and the Python quality checks in
//! `generators/quality/`: demosaics a raw frame stored as a 2-D `.npy` array
//! (u8 or u16) with every algorithm and writes each result as an `(H, W, 3)`
//! `.npy` array of the same type.
//!
//! ```text
//! cargo run --release --example demosaic_npy -- RAW.npy PATTERN OUT_PREFIX
//! ```
//! writes `OUT_PREFIX_bilinear.npy`, `OUT_PREFIX_malvar2004.npy`,
//! `OUT_PREFIX_menon2007.npy` and `OUT_PREFIX_mlri.npy`. PATTERN is rggb, bggr, grbg or gbrg (any case).

use std::process::ExitCode;

use halide_pipelines::{CfaPattern, DemosaicAlgorithm, DemosaicSample, ParseCfaPatternError, demosaic_to_array};
use ndarray::Array2;
use ndarray_npy::{ReadNpyExt, WritableElement, WriteNpyExt};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [raw_path, pattern, prefix] = args.as_slice() else {
        return Err("usage: demosaic_npy RAW.npy PATTERN OUT_PREFIX".into());
    };
    let pattern: CfaPattern = pattern.parse().map_err(|e: ParseCfaPatternError| e.to_string())?;
    let bytes = std::fs::read(raw_path).map_err(|e| format!("cannot read {raw_path}: {e}"))?;
    if let Ok(raw) = Array2::<u8>::read_npy(bytes.as_slice()) {
        demosaic_all(&raw, pattern, prefix)
    } else {
        let raw = Array2::<u16>::read_npy(bytes.as_slice())
            .map_err(|e| format!("{raw_path} is not a 2-D u8 or u16 array: {e}"))?;
        demosaic_all(&raw, pattern, prefix)
    }
}

fn demosaic_all<T: DemosaicSample + WritableElement>(
    raw: &Array2<T>,
    pattern: CfaPattern,
    prefix: &str,
) -> Result<(), String> {
    for &algorithm in DemosaicAlgorithm::ALL {
        let rgb = demosaic_to_array(raw.view(), pattern, algorithm).map_err(|e| e.to_string())?;
        let path = format!("{prefix}_{}.npy", format!("{algorithm:?}").to_lowercase());
        let file = std::fs::File::create(&path).map_err(|e| format!("cannot create {path}: {e}"))?;
        rgb.write_npy(std::io::BufWriter::new(file))
            .map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(())
}
