#!/usr/bin/env bash
# A library crate that publishes Halide pipelines, built as its author and its users would:
#  1. the author fills the prebuilt set (HALIDE_BUILD_PUBLISH=1 cargo build, with Python), then
#     packages the crate, verified, with no Python on PATH and HALIDE_BUILD_PYTHON unset, and
#     nothing else writes into its folder;
#  2. so for two semver-incompatible versions, fixture-filt 1.0.0 (`scale` multiplies by 2) and
#     2.0.0 (`scale` multiplies by 3, same pipeline name);
#  3. an application depending on both .crate files builds and runs with no Python: each
#     version's `scale` runs its own code;
#  4. an edited generator makes the set stale: without Python the build fails naming the file
#     and the command that refreshes the set.
#
#   bash .ci/publisher.sh VENV_PYTHON UNPACKED_CRATES_DIR
set -euo pipefail
python=$1
unpacked=$2
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
no_python=$(bash "$here/.ci/path-without-python.sh" "$scratch/bin-without-python")
export CARGO_TARGET_DIR="$scratch/target"
# Every file of a crate's folder but build output, with its hash.
fingerprint() { (cd "$1" && find . -type f -not -path './target/*' -print0 | sort -z | xargs -0 sha256sum); }

for version in 1 2; do
  workspace="$scratch/publisher-$version"
  packages=$(bash "$here/.ci/unpacked-workspace.sh" "$workspace" "$unpacked" \
    "$here/halide-build/tests/fixtures/filt-$version")
  crate="$workspace/filt-$version"
  (cd "$crate" && HALIDE_BUILD_PUBLISH=1 HALIDE_BUILD_PYTHON="$python" cargo build --quiet)
  ls "$crate"/halide-prebuilt/x86_64-unknown-linux-gnu/*.a > /dev/null
  fingerprint "$crate" > "$scratch/before"
  # shellcheck disable=SC2086
  (cd "$workspace" && env -u HALIDE_BUILD_PYTHON PATH="$no_python" \
    cargo package --quiet --allow-dirty $packages > "$scratch/package.log" 2>&1) \
    || { tail -n 40 "$scratch/package.log"; echo "FAIL: cargo package of fixture-filt $version.0.0 without Python"; exit 1; }
  fingerprint "$crate" | diff -u "$scratch/before" - \
    || { echo "FAIL: a build other than the publishing one wrote into the crate's folder"; exit 1; }
  mkdir -p "$scratch/crates"
  tar -xzf "$CARGO_TARGET_DIR/package/fixture-filt-$version.0.0.crate" -C "$scratch/crates"
  echo "fixture-filt $version.0.0: published, packaged and verified without Python"
done

# The application: both versions, by their .crate files, and nothing of Python.
app="$scratch/app"
mkdir -p "$app/src"
{
  cat <<TOML
[package]
name = "publisher-app"
version = "0.1.0"
edition = "2024"

[dependencies]
ndarray = "0.17"
halide-pipelines = "0.1.0"
filt1 = { package = "fixture-filt", path = "$scratch/crates/fixture-filt-1.0.0" }
filt2 = { package = "fixture-filt", path = "$scratch/crates/fixture-filt-2.0.0" }

[patch.crates-io]
TOML
  for dir in "$unpacked"/*/; do
    echo "$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -n 1) = { path = \"$dir\" }"
  done
} > "$app/Cargo.toml"
cat > "$app/src/main.rs" <<'RUST'
fn main() -> Result<(), halide_pipelines::Error> {
    let input = ndarray::Array1::from_iter((0..100).map(|i| i as f32 * 0.5));
    let mut doubled = ndarray::Array1::<f32>::zeros(100);
    let mut tripled = ndarray::Array1::<f32>::zeros(100);
    filt1::scale(&input, &mut doubled)?;
    filt2::scale(&input, &mut tripled)?;
    assert_eq!(doubled, &input * 2.0, "fixture-filt 1.0.0 must multiply by 2");
    assert_eq!(tripled, &input * 3.0, "fixture-filt 2.0.0 must multiply by 3");
    println!("publisher app: 1.0.0 doubled and 2.0.0 tripled, each its own code");
    Ok(())
}
RUST
(cd "$app" && env -u HALIDE_BUILD_PYTHON PATH="$no_python" cargo run --quiet)

# A user who edits the published generator without Python: a clear error, not a silent old archive.
stale="$scratch/crates/fixture-filt-1.0.0"
echo "# edited" >> "$stale/halide/scale.py"
if (cd "$app" && env -u HALIDE_BUILD_PYTHON PATH="$no_python" cargo build --quiet > "$scratch/stale.log" 2>&1); then
  echo "FAIL: a stale prebuilt set was used"; exit 1
fi
grep -F "halide/scale.py changed since the set was written" "$scratch/stale.log" > /dev/null \
  && grep -F "HALIDE_BUILD_PUBLISH=1 cargo build" "$scratch/stale.log" > /dev/null \
  || { tail -n 30 "$scratch/stale.log"; echo "FAIL: the stale set's error does not say what changed and how to refresh"; exit 1; }
echo "an edited generator without Python: the build names it and the command that refreshes the set"
