#!/usr/bin/env bash
# valgrind memcheck over the test binaries of the -sys and safe crates (the slow
# pure-Rust reference tests, demosaic_reference and develop_reference, excepted): no invalid access, no uninitialised use,
# no definite leak, also in the child process the concurrency test starts.
# valgrind's own reports go to log files, so the tests still see a clean stderr.
# Twice: on Halide's thread pool, and with the `rayon` feature on rayon's.
# The allocator's cache of freed blocks is off: a block Halide freed must be
# freed for valgrind too, or a use-after-free inside Halide would go unseen.
set -euo pipefail
export HALIDE_PIPELINES_ALLOCATOR_CACHE=off
# valgrind cannot decode one AVX2 instruction LLVM emits in the develop archives
# (`vmovq xmm, xmm`, 0xD6 form: SIGILL under valgrind only): develop_properties then
# runs the archives' SSE4.1 variant (see that test file).
export HALIDE_PIPELINES_TEST_X86_SSE41=1
logs=$(mktemp -d)
for features in "" "halide-pipelines/rayon"; do
echo "features: ${features:-default}"
binaries=$(cargo test --locked -p halide-pipelines -p halide-pipelines-sys -p halide-pipelines-two-copies --features "$features" --no-run --message-format=json 2>/dev/null \
  | python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    executable = message.get("executable")
    # The compile_fail test runs cargo and rustc (trybuild): nothing of ours to check, and slow under valgrind.
    if message.get("profile", {}).get("test") and executable and "_reference-" not in executable and "compile_fail-" not in executable:
        print(executable)')
for binary in $binaries; do
  name=$(basename "$binary")${features:+-rayon}
  valgrind --quiet --trace-children=yes --log-file="$logs/$name.%p" --error-exitcode=9 \
    --leak-check=full --errors-for-leak-kinds=definite "$binary" --test-threads=2 > "$logs/$name.out" 2>&1 \
    || { cat "$logs/$name.out"; cat "$logs/$name".*; echo "FAIL: memcheck on $name"; exit 1; }
  echo "memcheck clean: $name ($(grep -E '^test result' "$logs/$name.out"))"
done
done
if grep -l -E "Invalid|uninitialised|definitely lost: [1-9]" "$logs"/*.[0-9]* 2>/dev/null; then
  echo "FAIL: valgrind reported errors"; exit 1
fi
rm -rf "$logs"
