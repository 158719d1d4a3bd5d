#!/usr/bin/env bash
# aarch64 Linux: build the -sys and safe crates' tests for aarch64-unknown-linux-gnu and run them
# under qemu-user (Cargo's runner setting), then the quality check against colour-demosaicing on
# the aarch64 archives (NumPy on the host, the demosaic under qemu) on two of the five photos.
#
#   bash .ci/aarch64.sh QUALITY_PYTHON
#
# QUALITY_PYTHON is a Python with generators/quality/requirements.txt installed.
set -euo pipefail
cd "$(dirname "$0")/.."
quality_python=$1
target=aarch64-unknown-linux-gnu

if ! command -v qemu-aarch64 > /dev/null || ! command -v aarch64-linux-gnu-gcc > /dev/null \
   || [ ! -d /usr/aarch64-linux-gnu/lib ]; then
  apt-get update -qq
  apt-get install -y -qq qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross > /dev/null
fi
rustup target add "$target" > /dev/null

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
# The concurrency test runs its workload in a child process (a re-exec of itself): the kernel
# must know to start aarch64 binaries through qemu. Register that if we can; otherwise skip
# that one test and say so.
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
skip=()
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2> /dev/null || true
  if [ -e /proc/sys/fs/binfmt_misc/register ] && [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
    cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register 2> /dev/null || true
  fi
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  echo "NOTE: no binfmt_misc here: the concurrency test (it re-executes itself) is skipped under qemu"
  skip=(--skip concurrent_calls_route_their_own_errors_and_print_nothing)
fi

# Release mode: the f64 reference comparisons are slow under emulation.
log=$(mktemp)
cargo test --locked --release --target "$target" --no-fail-fast \
  -p halide-runtime-sys -p halide-pipelines-sys -p halide-pipelines -p halide-pipelines-two-copies \
  -- "${skip[@]}" 2>&1 | tee "$log"
echo "aarch64 under qemu: $(grep -E '^test result:' "$log" | awk '{p+=$4; f+=$6} END {print p " passed, " f " failed"}')"
rm -f "$log"

# Two of the five photos (all patterns, u8 and u16): every demosaic runs emulated.
"$quality_python" generators/quality/compare_with_colour.py --target "$target" --photos chelsea,rocket > "${TMPDIR:-/tmp}/quality-aarch64.log" \
  || { grep -E "FAIL" "${TMPDIR:-/tmp}/quality-aarch64.log"; tail -n 20 "${TMPDIR:-/tmp}/quality-aarch64.log"; exit 1; }
grep -E "^agreement" "${TMPDIR:-/tmp}/quality-aarch64.log"
