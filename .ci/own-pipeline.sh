#!/usr/bin/env bash
# Builds examples/own-pipeline as a user would, against the packaged crates
# (halide-pipelines, the -sys crates and halide-build, unpacked from their
# .crate files), runs it (it checks its Halide output against a plain Rust
# reference, pixel by pixel) and checks that a second build runs no Python.
#
#   bash .ci/own-pipeline.sh VENV_PYTHON UNPACKED_CRATES_DIR
#
# VENV_PYTHON has `pip install halide==21.0.0`; UNPACKED_CRATES_DIR holds the
# unpacked halide-runtime-sys-*, halide-pipelines-sys-*, halide-pipelines-0*
# and halide-build-* folders (`cargo package -p ...` then `tar -xzf`).
set -euo pipefail
python=$1
unpacked=$2
here=$(cd "$(dirname "$0")/.." && pwd)
runtime_sys=$(ls -d "$unpacked"/halide-runtime-sys-*)
pipelines_sys=$(ls -d "$unpacked"/halide-pipelines-sys-*)
pipelines=$(ls -d "$unpacked"/halide-pipelines-0*)
build=$(ls -d "$unpacked"/halide-build-*)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
project="$scratch/own-pipeline"
cp -r "$here/examples/own-pipeline" "$project"
cp -r "$here/examples/assets" "$scratch/assets"
rm -rf "$project/target"
# The example's manifest with the packaged crates in place of the repository's.
sed -e "s|path = \"../../halide-pipelines\"|path = \"$pipelines\"|" \
    -e "s|path = \"../../halide-build\"|path = \"$build\"|" \
    "$here/examples/own-pipeline/Cargo.toml" > "$project/Cargo.toml"
cat >> "$project/Cargo.toml" <<TOML

[patch.crates-io]
halide-runtime-sys = { path = "$runtime_sys" }
halide-pipelines-sys = { path = "$pipelines_sys" }
TOML
# The per-target crates of archives, every target's (Cargo.lock covers them all).
for prebuilt in "$unpacked"/halide-pipelines-prebuilt-*; do
  name=$(basename "$prebuilt" | sed -E 's/-[0-9]+\.[0-9]+\.[0-9]+.*$//')
  echo "$name = { path = \"$prebuilt\" }" >> "$project/Cargo.toml"
done
grep -q "$build" "$project/Cargo.toml" || { echo "FAIL: could not point the example at the packaged halide-build"; exit 1; }

# Every Python run appends to a log: the second build must not add a line.
log="$scratch/python-runs.log"
cat > "$scratch/python" <<SH
#!/bin/sh
echo "\$*" >> "$log"
exec "$python" "\$@"
SH
chmod +x "$scratch/python"
export HALIDE_BUILD_PYTHON="$scratch/python" CARGO_TARGET_DIR="$scratch/target"
cd "$project"
cargo build --release --quiet
touch "$project/halide/unsharp.py"
start=$(date +%s.%N)
cargo build --release --quiet
cold=$(echo "$(date +%s.%N) - $start" | bc)
runs=$(wc -l < "$log")
start=$(date +%s.%N)
cargo build --release --quiet
warm=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(wc -l < "$log")" = "$runs" ] || { echo "FAIL: a build with nothing changed ran Python"; cat "$log"; exit 1; }
echo "own-pipeline: rebuild after a generator change ${cold} s, with nothing changed ${warm} s (no Python)"
cargo run --release --quiet -- ../assets/chelsea.png "$scratch/sharpened.png"
cargo test --release --quiet
# The snapshot a user commits must be what this build wrote.
diff -u "$here/examples/own-pipeline/halide/unsharp.py.halide-signatures" "$project/halide/unsharp.py.halide-signatures"
