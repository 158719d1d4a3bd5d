#!/usr/bin/env bash
# A real camera raw file through the example's raw path (rawloader, one
# `develop` call per algorithm, PNG), checked against LibRaw (rawpy) developing
# the same file: generators/quality/check_raw_file.py.
#
# The file: _DSC2164.ARW (Sony ILCE-7RM3, 5216x3464, 18.6 MB), the test fixture
# of the PyPI sdist libraw-cffi 0.19.0 (MIT, "Copyright (c) 2018 Julian
# Berman"), fetched from PyPI by hash; nothing of it is committed here.
# Usage: bash .ci/raw-file.sh PYTHON (a venv with generators/quality/requirements.txt)
set -euo pipefail
python=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sdist=libraw_cffi-0.19.0.tar.gz
sdist_sha256=c92b259c0a82a87e5e3636b8ffef84bcc3c0781c595994b09ceb9b87892ea930
arw_sha256=42ec55eef6047c1bfbd1fd05fdcae78993f3513814138eff4cbcf9498c57d4e6
# pip prepares the sdist's metadata (in an isolated build environment from PyPI) but builds nothing.
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
  libraw-cffi==0.19.0 -d "$work"
echo "$sdist_sha256  $work/$sdist" | sha256sum --check --quiet
tar -xzf "$work/$sdist" -C "$work" libraw_cffi-0.19.0/libraw_cffi/tests/_DSC2164.ARW
arw="$work/libraw_cffi-0.19.0/libraw_cffi/tests/_DSC2164.ARW"
echo "$arw_sha256  $arw" | sha256sum --check --quiet
cargo run --quiet --locked --release --example demosaic -- "$arw" --algorithm all --output "$work/out"
"$python" generators/quality/check_raw_file.py "$arw" "$work/out"
