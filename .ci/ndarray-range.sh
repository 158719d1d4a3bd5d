#!/usr/bin/env bash
# halide-pipelines accepts ndarray >=0.15, <0.18, so a user on 0.15 or 0.16 passes their own arrays.
# Builds and runs its tests against the oldest and the newest ndarray in that range, in a copy of
# the crates it needs (the workspace's examples pin 0.17 through ndarray-npy).
# Usage: .ci/ndarray-range.sh SCRATCH_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$1
rm -rf "$work" && mkdir -p "$work"
cp -r halide-runtime-sys halide-pipelines-sys halide-pipelines prebuilt "$work/"
rm -rf "$work"/prebuilt/*/target
# The root manifest's workspace tables, with only these members.
python3 - "$root/Cargo.toml" "$work/Cargo.toml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
workspace = text[: text.index("# The root package only owns")]
workspace = re.sub(r"members = \[.*?\]", 'members = ["halide-runtime-sys", "halide-pipelines-sys", "halide-pipelines", "prebuilt/*"]', workspace, count=1, flags=re.S)
workspace = re.sub(r"exclude = \[.*?\]\n", "", workspace)
workspace = re.sub(r"default-members = \[.*?\]\n", "", workspace, flags=re.S)
open(sys.argv[2], "w").write(workspace)
PY
cd "$work"
range=$(sed -n 's/^ndarray = "\(.*\)"$/\1/p' Cargo.toml)
[ -n "$range" ] || { echo "FAIL: no ndarray requirement in the workspace manifest"; exit 1; }
cargo generate-lockfile --quiet
newest=$(cargo tree --quiet -p halide-pipelines --depth 1 -e normal | sed -n 's/.*ndarray v\([0-9.]*\).*/\1/p')
oldest=$(echo "$range" | sed -n 's/^>=\([0-9.]*\),.*/\1/p')
case "$oldest" in *.*.*) ;; *) oldest="$oldest.0" ;; esac
for version in "$oldest" "$newest"; do
  cargo update --quiet -p ndarray --precise "$version"
  started=$SECONDS
  # rustc's messages in tests/ui name ndarray's types as the newest spells them: compared in step 1.
  cargo test --quiet -p halide-pipelines --features image -- --skip misuse_does_not_compile > test.log 2>&1 \
    || { tail -n 40 test.log; echo "FAIL: halide-pipelines' tests with ndarray $version"; exit 1; }
  counts=$(grep -E "^test result:" test.log | awk '{p+=$4; f+=$6} END {print p " passed, " f " failed"}')
  echo "ndarray $version (of $range): halide-pipelines' tests: $counts in $((SECONDS - started)) s"
done
