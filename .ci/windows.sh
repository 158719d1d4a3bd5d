#!/usr/bin/env bash
# Windows (x86_64-pc-windows-gnu): cross-build the -sys and safe crates' tests with MinGW-w64
# and run them under wine (Cargo's runner setting). It generates nothing: the archives are the
# per-target crate prebuilt/x86_64-pc-windows-gnu/ (regenerate.py writes it from the manifest),
# or pass HALIDE_PIPELINES_SYS_FROM_SOURCE=1 and HALIDE_PIPELINES_SYS_PYTHON to build them here.
#
#   bash .ci/windows.sh
#
# The concurrency test re-executes itself: under wine that is Windows' CreateProcess, which wine
# runs itself, so no binfmt_misc is needed (unlike qemu-user in aarch64.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
started=$SECONDS

if [ ! -d "prebuilt/$target/pipelines" ] && [ -z "${HALIDE_PIPELINES_SYS_FROM_SOURCE:-}" ]; then
  echo "error: no prebuilt/$target: run generators/regenerate.py, or set HALIDE_PIPELINES_SYS_FROM_SOURCE=1" >&2
  exit 1
fi

# Debian's wine64 puts its loader in /usr/lib/wine; other packagings put wine64 or wine on PATH.
find_wine() {
  for candidate in wine64 /usr/lib/wine/wine64 wine; do
    command -v "$candidate" 2> /dev/null && return
  done
  return 1
}
if ! command -v x86_64-w64-mingw32-gcc > /dev/null || ! find_wine > /dev/null; then
  apt-get update -qq
  # One x86-64 C toolchain (Rust's linker and libgcc), not the mingw-w64 metapackage's four
  # (i686, C++, two thread models): 350 MB of downloads and 1.9 GB installed with it.
  apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64-posix wine64 > /dev/null
fi
wine=$(find_wine)
rustup target add "$target" > /dev/null
echo "tools ready in $((SECONDS - started)) s (wine: $wine, $("$wine" --version 2> /dev/null || echo 'version unknown'))"

export WINEPREFIX
WINEPREFIX=$(mktemp -d)
export WINEDEBUG=-all
wineserver=$(dirname "$(readlink -f "$wine")")/wineserver
cleanup() {
  { [ -x "$wineserver" ] && WINEPREFIX=$WINEPREFIX "$wineserver" -k; } 2> /dev/null || true
  rm -rf "$WINEPREFIX"
}
trap cleanup EXIT
prefix_started=$SECONDS
"$wine" wineboot --init > /dev/null 2>&1 || true
echo "wine prefix created in $((SECONDS - prefix_started)) s"

# Rust's std (1.78 and later) imports ProcessPrng from bcryptprimitives.dll, which wine only
# has from version 9: before that every Rust .exe fails to start (c0000135). Give older wines
# a one-function stand-in built on RtlGenRandom.
system32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -e "$system32/bcryptprimitives.dll" ]; then
  stub=$(mktemp -d)
  cat > "$stub/bcryptprimitives.c" << 'EOF'
#include <windows.h>
#include <ntsecapi.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len) {
    ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!RtlGenRandom(data, chunk)) return FALSE;
    data += chunk; len -= chunk;
  }
  return TRUE;
}
EOF
  printf 'LIBRARY bcryptprimitives\nEXPORTS\nProcessPrng\n' > "$stub/bcryptprimitives.def"
  x86_64-w64-mingw32-gcc -O2 -shared -o "$system32/bcryptprimitives.dll" \
    "$stub/bcryptprimitives.c" "$stub/bcryptprimitives.def" -ladvapi32
  rm -rf "$stub"
  echo "NOTE: this wine has no bcryptprimitives.dll; installed a ProcessPrng stand-in"
fi

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$wine
packages=(-p halide-runtime-sys -p halide-pipelines-sys -p halide-pipelines -p halide-pipelines-two-copies)
build_started=$SECONDS
cargo test --locked --release --target "$target" "${packages[@]}" --features halide-pipelines/rayon --no-run
echo "cross-build took $((SECONDS - build_started)) s"

# Release mode, as for aarch64; the rayon feature on, as in the workspace's `cargo test`.
log=$(mktemp)
test_started=$SECONDS
status=0
cargo test --locked --release --target "$target" "${packages[@]}" --features halide-pipelines/rayon \
  --no-fail-fast 2>&1 | tee "$log" || status=$?
echo "x86_64-pc-windows-gnu under wine: $(grep -E '^test result:' "$log" | awk '{p+=$4; f+=$6} END {print p " passed, " f " failed"}') in $((SECONDS - test_started)) s"
rm -f "$log"
[ "$status" -eq 0 ] || exit "$status"

# x86_64-pc-windows-msvc links the same archives (MSVC COFF) with bindings of its own
# (bindings_msvc.rs: MSVC's enums are signed). No MSVC linker here: compile the -sys and safe
# crates and their tests for it (the bindings' layout assertions are compile-time checks on
# that target's C layout), which `cargo check` does without linking.
rustup target add x86_64-pc-windows-msvc > /dev/null
check_started=$SECONDS
cargo check --locked --quiet --target x86_64-pc-windows-msvc --tests -p halide-runtime-sys -p halide-pipelines-sys -p halide-pipelines
echo "x86_64-pc-windows-msvc: the -sys and safe crates and their tests compile (layout assertions hold) in $((SECONDS - check_started)) s"
