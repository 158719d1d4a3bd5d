#!/usr/bin/env bash
# Builds a project outside the workspace that depends on the unpacked .crate
# files, as a user's project would after `cargo add halide-pipelines`, and
# calls `add` and `demosaic` through it.
set -euo pipefail
unpacked=$1
project=$2
runtime_sys=$(ls -d "$unpacked"/halide-runtime-sys-*)
pipelines_sys=$(ls -d "$unpacked"/halide-pipelines-sys-*)
pipelines=$(ls -d "$unpacked"/halide-pipelines-0*)
mkdir -p "$project/src"
cat > "$project/Cargo.toml" <<TOML
[package]
name = "user-project"
version = "0.1.0"
edition = "2024"

[dependencies]
halide-pipelines = { path = "$pipelines" }
ndarray = "0.17"

[patch.crates-io]
halide-runtime-sys = { path = "$runtime_sys" }
halide-pipelines-sys = { path = "$pipelines_sys" }
TOML
# The per-target crates of archives, every target's (Cargo.lock covers them all).
for prebuilt in "$unpacked"/halide-pipelines-prebuilt-*; do
  name=$(basename "$prebuilt" | sed -E 's/-[0-9]+\.[0-9]+\.[0-9]+.*$//')
  echo "$name = { path = \"$prebuilt\" }" >> "$project/Cargo.toml"
done
cat > "$project/src/main.rs" <<'RUST'
use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, add, demosaic};

fn main() -> Result<(), halide_pipelines::Error> {
    let a = ndarray::Array2::<f32>::from_shape_fn((31, 17), |(i, j)| (i * 17 + j) as f32);
    let mut b = ndarray::Array2::<f32>::zeros((31, 17));
    add(&Buffer::try_from(a.view())?, &mut BufferMut::try_from(b.view_mut())?)?;
    assert_eq!(b, &a + 1.0);
    let raw = ndarray::Array2::<u8>::from_elem((8, 8), 77);
    let mut rgb = ndarray::Array3::<u8>::zeros((8, 8, 3));
    demosaic(&Buffer::try_from(raw.view())?, &mut BufferMut::try_from(rgb.view_mut())?, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear)?;
    assert!(rgb.iter().all(|&v| v == 77));
    println!("user project: add and demosaic work from the packaged crates");
    Ok(())
}
RUST
(cd "$project" && cargo run --quiet)
