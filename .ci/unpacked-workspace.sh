#!/usr/bin/env bash
# Makes WORKSPACE a cargo workspace of copies of the unpacked published crates
# (UNPACKED: halide-runtime-sys-*, halide-pipelines-sys-*, halide-pipelines-0*,
# halide-build-*, halide-pipelines-prebuilt-*) and of each CRATE, whose
# dependencies on halide-pipelines and halide-build are pointed at those copies.
# Then `cargo package` can package and verify a crate that depends on ours
# before ours are on crates.io (cargo packages the members it is given together).
# Prints the `-p` arguments for all members.
#
#   bash .ci/unpacked-workspace.sh WORKSPACE UNPACKED CRATE...
set -euo pipefail
workspace=$1
unpacked=$2
shift 2
mkdir -p "$workspace"
# A manifest's first `KEY = "..."` value: the package's `name` or `version`.
field() { sed -n "s/^$2 = \"\(.*\)\"/\1/p" "$1/Cargo.toml" | head -n 1; }
members=()
for dir in "$unpacked"/*/; do
  cp -r "$dir" "$workspace/"
  # Names cargo reserves for what it adds when packaging.
  rm -f "$workspace/$(basename "$dir")/Cargo.toml.orig" "$workspace/$(basename "$dir")/.cargo_vcs_info.json"
  members+=("$(basename "$dir")")
done
# A packaged manifest names its dependencies on our other crates by version only: give
# each its copy's path too, so cargo packages them in dependency order.
for dir in "$unpacked"/*/; do
  name=$(field "$dir" name)
  sed -i -E "/^\[(.*\.)?dependencies\.$name\]\$/a path = \"../$(basename "$dir")\"" "$workspace"/*/Cargo.toml
done
pipelines=$(basename "$(ls -d "$unpacked"/halide-pipelines-0*)")
build=$(basename "$(ls -d "$unpacked"/halide-build-*)")
for crate in "$@"; do
  name=$(basename "$crate")
  cp -r "$crate" "$workspace/$name"
  rm -rf "$workspace/$name/target" "$workspace/$name/Cargo.lock"
  # Our crates by path and version (a packaged crate's dependencies need a version);
  # the crate's own `[workspace]` table goes (it is a member of this one now).
  sed -i -E \
    -e "s|^halide-pipelines = \{ path = \"[^\"]*\"[^}]*\}|halide-pipelines = { path = \"../$pipelines\", version = \"$(field "$workspace/$pipelines" version)\" }|" \
    -e "s|^halide-build = \{ path = \"[^\"]*\"[^}]*\}|halide-build = { path = \"../$build\", version = \"$(field "$workspace/$build" version)\" }|" \
    -e '/^\[workspace\]/,$d' \
    "$workspace/$name/Cargo.toml"
  grep -q "path = \"../$pipelines\"" "$workspace/$name/Cargo.toml" \
    || { echo "FAIL: could not point $name at the packaged halide-pipelines" >&2; exit 1; }
  members+=("$name")
done
{
  echo "[workspace]"
  echo "resolver = \"3\""
  printf 'members = ['
  printf '"%s", ' "${members[@]}"
  echo ']'
  # Builds inside the workspace take ours from the copies too (crates.io has none yet).
  echo
  echo "[patch.crates-io]"
  for dir in "$unpacked"/*/; do
    echo "$(field "$dir" name) = { path = \"$(basename "$dir")\" }"
  done
} > "$workspace/Cargo.toml"
for member in "${members[@]}"; do
  printf -- '-p %s ' "$(field "$workspace/$member" name)"
done
echo
