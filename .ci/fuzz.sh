#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS seconds each (default 60),
# starting from a copy of its committed seed corpus (fuzz/corpus/<target>), so
# the run does not grow the repository. Prints executions and time per target;
# exits non-zero if any target crashes (libFuzzer's output is then shown, and
# the crashing input is in fuzz/artifacts/<target>/ and printed as base64).
#
# Usage, from the repository root: bash .ci/fuzz.sh [SECONDS]
# Needs nightly features of rustc, which a stable toolchain gives with
# RUSTC_BOOTSTRAP=1 (sanitizer flags); cargo-fuzz is installed if missing.
set -euo pipefail

seconds=${1:-60}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash .ci/fuzz.sh [SECONDS]   (SECONDS: a positive whole number, default 60)" >&2
  exit 2
fi
if [ ! -f fuzz/Cargo.toml ] || [ ! -d fuzz/corpus ]; then
  echo "run this from the repository root (no fuzz/Cargo.toml or fuzz/corpus here: $(pwd))" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never
if ! cargo fuzz --version > /dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install --locked cargo-fuzz > /dev/null 2>&1 || cargo install --locked cargo-fuzz
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cargo fuzz has no --locked: check that the committed fuzz/Cargo.lock (its own
# workspace, not covered by the root's `cargo fetch`) is up to date, and fetch it.
cargo fetch --locked --manifest-path fuzz/Cargo.toml
if ! cargo fuzz build --fuzz-dir fuzz > "$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log"
  echo "FAIL: building the fuzz targets"
  exit 1
fi

targets=$(cargo fuzz list --fuzz-dir fuzz)
[ -n "$targets" ] || { echo "FAIL: cargo fuzz list found no fuzz targets"; exit 1; }
failed=0
for target in $targets; do
  corpus="$work/corpus/$target"
  mkdir -p "$corpus"
  if [ -d "fuzz/corpus/$target" ]; then
    cp -R "fuzz/corpus/$target/." "$corpus/"
  fi
  seeds=$(find "$corpus" -type f | wc -l)
  log="$work/$target.log"
  touch "$work/started"
  # -timeout: a single input running this long is a hang, reported as a failure.
  if cargo fuzz run --fuzz-dir fuzz "$target" "$corpus" -- \
      -max_total_time="$seconds" -timeout=60 -print_final_stats=1 > "$log" 2>&1; then
    done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)
    if [[ $done_line =~ ^Done\ ([0-9]+)\ runs\ in\ ([0-9]+)\ second ]]; then
      runs=${BASH_REMATCH[1]}
      took=${BASH_REMATCH[2]}
      corpus_after=$(find "$corpus" -type f | wc -l)
      printf '%-20s %10d executions in %4d s (%d/s), corpus %d -> %d inputs\n' \
        "$target" "$runs" "$took" $((runs / (took > 0 ? took : 1))) "$seeds" "$corpus_after"
    else
      tail -n 30 "$log"
      echo "FAIL: $target: no final \"Done N runs in S second(s)\" line from libFuzzer"
      failed=1
    fi
  else
    tail -n 60 "$log"
    echo "--- what went wrong, from the log above:"
    grep -E -A 4 "panicked at|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|^SUMMARY:" "$log" | head -n 40 || true
    echo "FAIL: $target crashed or stopped (the last 60 lines of its log are above)"
    find "fuzz/artifacts/$target" -type f -newer "$work/started" 2> /dev/null | while read -r artifact; do
      echo "  input $artifact (base64): $(base64 -w 0 "$artifact")"
      echo "  reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run $target $artifact"
    done || true
    failed=1
  fi
done
exit "$failed"
