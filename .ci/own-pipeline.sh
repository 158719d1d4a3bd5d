#!/usr/bin/env bash
# Builds examples/own-pipeline as a user would, against the packaged crates (halide-pipelines,
# the -sys crates and halide-build, unpacked from their .crate files):
#  1. with no Python on PATH and HALIDE_BUILD_PYTHON unset (its prebuilt set is committed): it
#     builds, runs (checking its Halide output against a plain Rust reference, pixel by pixel)
#     and its tests pass; `cargo package` of it, verified, passes; none of this writes into
#     its folder;
#  2. publishing again with Python reproduces the committed set and snapshot byte for byte;
#  3. after an edit of the generator, a build with Python rebuilds it (and says the set is
#     stale), one without Python fails naming the file.
#
#   bash .ci/own-pipeline.sh VENV_PYTHON UNPACKED_CRATES_DIR
set -euo pipefail
python=$1
unpacked=$2
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
no_python=$(bash "$here/.ci/path-without-python.sh" "$scratch/bin-without-python")
workspace="$scratch/workspace"
packages=$(bash "$here/.ci/unpacked-workspace.sh" "$workspace" "$unpacked" "$here/examples/own-pipeline")
cp -r "$here/examples/assets" "$workspace/assets"
project="$workspace/own-pipeline"
export CARGO_TARGET_DIR="$scratch/target"
fingerprint() { (cd "$1" && find . -type f -not -path './target/*' -print0 | sort -z | xargs -0 sha256sum); }
fingerprint "$project" > "$scratch/before"
without_python() { env -u HALIDE_BUILD_PYTHON PATH="$no_python" "$@"; }

cd "$project"
without_python cargo build --release --quiet
without_python cargo run --release --quiet -- ../assets/chelsea.png "$scratch/sharpened.png"
without_python cargo test --release --quiet
start=$(date +%s.%N)
without_python cargo build --release --quiet
echo "own-pipeline: built, run and tested without Python; a build with nothing changed $(echo "$(date +%s.%N) - $start" | bc) s"
# shellcheck disable=SC2086
(cd "$workspace" && without_python cargo package --quiet --allow-dirty $packages > "$scratch/package.log" 2>&1) \
  || { tail -n 40 "$scratch/package.log"; echo "FAIL: cargo package of the own-pipeline example without Python"; exit 1; }
echo "own-pipeline: cargo package (verified) passes without Python"
fingerprint "$project" | diff -u "$scratch/before" - \
  || { echo "FAIL: a build wrote into the example's folder"; exit 1; }

# Publishing is reproducible: the committed set and snapshot come back byte for byte.
HALIDE_BUILD_PUBLISH=1 HALIDE_BUILD_PYTHON="$python" cargo build --release --quiet 2> "$scratch/publish.log" \
  || { cat "$scratch/publish.log"; exit 1; }
diff -r "$here/examples/own-pipeline/halide-prebuilt" "$project/halide-prebuilt" \
  || { echo "FAIL: publishing does not reproduce the committed prebuilt set"; exit 1; }
diff -u "$here/examples/own-pipeline/halide/unsharp.py.halide-signatures" "$project/halide/unsharp.py.halide-signatures"
echo "own-pipeline: publishing reproduces the committed prebuilt set and snapshot"

# An edited generator: Python rebuilds it (saying so), no Python is an error naming the file.
echo "# edited" >> halide/unsharp.py
start=$(date +%s.%N)
HALIDE_BUILD_PYTHON="$python" cargo build --release > "$scratch/edited.log" 2>&1
echo "own-pipeline: rebuild with Python after a generator edit $(echo "$(date +%s.%N) - $start" | bc) s"
grep -F "halide/unsharp.py changed since the set was written" "$scratch/edited.log" > /dev/null \
  || { cat "$scratch/edited.log"; echo "FAIL: no warning that the prebuilt set is stale"; exit 1; }
if without_python cargo build --release > "$scratch/stale.log" 2>&1; then
  echo "FAIL: a stale prebuilt set was used without Python"; exit 1
fi
grep -F "HALIDE_BUILD_PUBLISH=1 cargo build" "$scratch/stale.log" > /dev/null \
  || { cat "$scratch/stale.log"; echo "FAIL: the stale set's error does not say how to refresh it"; exit 1; }
echo "own-pipeline: a stale set is rebuilt with Python and refused without it"
