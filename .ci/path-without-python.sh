#!/usr/bin/env bash
# Prints a PATH with every program of this one except Python (python*, py, pip*), as
# links in DIR: what a machine without Python looks like to cargo and build scripts.
#
#   PATH=$(bash .ci/path-without-python.sh DIR) cargo build
set -euo pipefail
dir=$1
mkdir -p "$dir"
IFS=: read -ra folders <<< "$PATH"
for folder in "${folders[@]}"; do
  for program in "$folder"/*; do
    name=$(basename "$program")
    case "$name" in python* | py | pip*) continue ;; esac
    [ -x "$program" ] && [ ! -e "$dir/$name" ] && ln -s "$program" "$dir/$name"
  done
done
if PATH="$dir" command -v python3 > /dev/null || PATH="$dir" command -v python > /dev/null; then
  echo "FAIL: $dir still has a Python" >&2; exit 1
fi
echo "$dir"
