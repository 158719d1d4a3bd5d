#!/usr/bin/env python3
"""Rebuild every artifact the -sys crates ship, from the generators in this folder.

    python generators/regenerate.py                 # everything, into this repository
    python generators/regenerate.py --root DIR      # everything, into a copy of it (CI)
    python generators/regenerate.py --no-bindings   # archives and headers only (no cargo)

What it writes (all of it, nothing else; stale files are removed):
    halide-runtime-sys/include/HalideRuntime.h          the wheel's runtime header
    halide-runtime-sys/src/bindings.rs                  bindgen output (via the `bindgen` feature)
    halide-runtime-sys/src/bindings_msvc.rs             the same for x86_64-pc-windows-msvc (its enums
                                                        are signed; needs MinGW-w64's C headers and
                                                        `rustup target add x86_64-pc-windows-msvc`)
    prebuilt/<rust target>/                             one crate per target, which
                                                        halide-runtime-sys depends on for that
                                                        target only (the windows-targets pattern):
        Cargo.toml, build.rs, src/lib.rs, LICENSE-HALIDE
        runtime/halide_runtime.a
        pipelines/<function>.a and <function>.h         (.lib, Halide's name, on Windows)
    halide-pipelines-sys/src/bindings.rs
    halide-pipelines-sys/src/signatures.rs              every pipeline's arguments (Halide's function info)
    halide-pipelines-sys/src/pipelines.rs               the manifest as Rust: one macro per generator
                                                        listing its pipelines, their parameters and
                                                        entry points (the safe crate's tables)
    (`--tables-only` writes just pipelines.rs, from the manifest alone: no Halide, no cargo.)

The -sys build scripts use the `build` subcommand for their from-source mode:
    python generators/regenerate.py build --rust-target T [--halide-target HL] --runtime DIR
    python generators/regenerate.py build --rust-target T [--halide-target HL] --pipelines DIR
T is a key of [targets] in pipelines.toml, that is a prebuilt folder: the build
scripts map the Rust target to it by architecture, OS and C library
(halide-runtime-sys/src/target_map.rs), so x86_64-unknown-linux-musl passes
x86_64-unknown-linux-gnu. With --halide-target, T is not looked up.

Requirements: `pip install -r generators/requirements.txt` (pinned: other
versions produce other bytes), and cargo for the bindings.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "pipelines.toml"
# Rust target -> Halide targets, shared with the halide-build crate (users' pipelines).
TARGETS = HERE.parent / "halide-build" / "targets.toml"
RUNTIME_ARCHIVE = "halide_runtime.a"
# The per-target crates of archives: prebuilt/<rust target>/, named PREBUILT_CRATE.
PREBUILT_DIR = "prebuilt"
PREBUILT_CRATE = "halide-pipelines-prebuilt-{rust_target}"


def archive_suffix(rust_target: str) -> str:
    """The suffix Halide gives a pipeline's static library: `.lib` (a COFF archive) for
    its Windows targets, `.a` elsewhere. The runtime archive is always named RUNTIME_ARCHIVE."""
    return ".lib" if "-windows-" in rust_target else ".a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    build = sub.add_parser("build", help="build one Rust target's archives into a folder (from-source mode)")
    build.add_argument(
        "--rust-target", required=True,
        help="the manifest's [targets] key (prebuilt folder) the Rust target maps to, e.g. x86_64-unknown-linux-gnu for -musl too",
    )
    build.add_argument("--halide-target", help="override the manifest's Halide targets, e.g. host-trace_stores")
    what = build.add_mutually_exclusive_group(required=True)
    what.add_argument("--runtime", type=Path, metavar="DIR", help="write halide_runtime.a here")
    what.add_argument("--pipelines", type=Path, metavar="DIR", help="write every pipeline's .a (.lib) and .h here")
    parser.add_argument("--root", type=Path, default=HERE.parent, help="repository root to write into")
    parser.add_argument("--no-bindings", action="store_true", help="skip the bindgen step")
    parser.add_argument("--tables-only", action="store_true",
                        help="write only halide-pipelines-sys/src/pipelines.rs (from the manifest; no Halide needed)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    manifest = load_manifest()
    if args.tables_only:
        write_pipeline_tables(manifest, args.root.resolve() / "halide-pipelines-sys" / "src" / "pipelines.rs")
        return 0
    check_dispatch_order(manifest)
    check_halide_version(manifest)
    if args.command == "build":
        return build_one(manifest, args)
    return regenerate_all(manifest, args.root.resolve(), args.jobs, not args.no_bindings)


def load_manifest() -> dict:
    with open(MANIFEST, "rb") as f:
        manifest = tomllib.load(f)
    if "targets" in manifest:
        sys.exit(f"error: {MANIFEST} has [targets.*] tables; they belong in {TARGETS} (one table for every pipeline)")
    with open(TARGETS, "rb") as f:
        manifest["targets"] = tomllib.load(f)["targets"]
    manifest["pipeline"] = [p for entry in manifest["pipeline"] for p in expand_matrix(entry)]
    return manifest


def expand_matrix(entry: dict) -> list[dict]:
    """One pipeline per combination of the entry's `matrix` values, with the
    `function` and params templates filled in."""
    matrix = entry.get("matrix")
    if not matrix:
        return [entry]
    combos = [{}]
    for key, values in matrix.items():
        combos = [dict(combo, **{key: value}) for combo in combos for value in values]
    return [
        {
            "function": entry["function"].format(**combo),
            "generator_file": entry["generator_file"],
            "generator": entry["generator"],
            "params": {key: value.format(**combo) for key, value in entry["params"].items()},
            "features": entry.get("features", []),
            "skip_variants": entry.get("skip_variants", []),
        }
        for combo in combos
    ]


def check_dispatch_order(manifest: dict) -> None:
    """Halide tries multi-target entries in order and does not check the order:
    each entry must have every feature of the next one, the last none at all."""
    for rust_target, entry in manifest["targets"].items():
        feature_sets = [set(t.split("-")[3:]) for t in entry["pipelines"]]
        if feature_sets[-1]:
            sys.exit(f"error: {rust_target}: the last pipeline target must be the plain baseline, not {entry['pipelines'][-1]}")
        for better, fallback, name in zip(feature_sets, feature_sets[1:], entry["pipelines"]):
            if not better > fallback:
                sys.exit(f"error: {rust_target}: {name} must have every feature of the entry after it, and more")


def check_halide_version(manifest: dict) -> None:
    try:
        from importlib.metadata import version, PackageNotFoundError

        installed = version("halide")
    except PackageNotFoundError:
        sys.exit(
            "error: the Python package `halide` is not installed.\n"
            f"  pip install -r {HERE / 'requirements.txt'}"
        )
    wanted = manifest["halide_version"]
    if installed != wanted:
        sys.exit(f"error: halide {installed} is installed but the manifest pins {wanted}: pip install halide=={wanted}")


def pipeline_target(manifest: dict, halide_targets: list[str]) -> str:
    features = "-".join(manifest["pipeline_features"])
    return ",".join(f"{t}-{features}" for t in halide_targets)


def run(cmd: list[str], cwd: Path) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed in {cwd}:\n{result.stdout}{result.stderr}")


def generate_pipeline(pipeline: dict, target: str, out_dir: Path, function_info: bool = False) -> None:
    """Run one generator. It runs inside `out_dir` with `-o .` because Halide
    derives the header's include guard from the output path: this keeps the
    guard (and so the header's bytes) independent of where we build.
    `function_info`: also write Halide's `<name>.function_info.h` (C++17, for
    `write_signatures`; never shipped, bindgen cannot read it)."""
    params = [f"{key}={value}" for key, value in sorted(pipeline["params"].items())]
    name = pipeline["function"]
    # CPU variants this pipeline leaves out (`skip_variants`: dispatch entries
    # holding any of those features), then its own target features
    # (`features`), on every entry left.
    if pipeline.get("skip_variants"):
        entries = [entry for entry in target.split(",")
                   if not set(pipeline["skip_variants"]) & set(entry.split("-"))]
        if not entries:
            sys.exit(f"error: {name}: skip_variants {pipeline['skip_variants']} leaves no variant of {target}")
        target = ",".join(entries)
    if pipeline.get("features"):
        target = ",".join("-".join([entry, *pipeline["features"]]) for entry in target.split(","))
    emit = "c_header,static_library" + (",function_info_header" if function_info else "")
    run(
        [sys.executable, str(HERE / pipeline["generator_file"]), "-g", pipeline["generator"],
         "-f", name, "-n", name, "-e", emit, "-o", ".",
         f"target={target}", *params],
        cwd=out_dir,
    )


# One argument line of Halide's function info header, e.g.
#   {"input", ::HalideFunctionInfo::InputBuffer, 2, halide_type_t{halide_type_float, 32, 1}},
FUNCTION_INFO_ARGUMENT = re.compile(
    r'\{"([^"]+)", ::HalideFunctionInfo::(InputScalar|InputBuffer|OutputBuffer), (\d+), '
    r'halide_type_t\{halide_type_(int|uint|float|handle|bfloat), (\d+), (\d+)\}\}'
)
ARGUMENT_KINDS = {"InputScalar": 0, "InputBuffer": 1, "OutputBuffer": 2}
TYPE_CODES = {"int": 0, "uint": 1, "float": 2, "handle": 3, "bfloat": 4}


def read_function_info(header: Path) -> list[tuple]:
    """(name, kind, type code, bits, lanes, dimensions) per argument, in argv
    order. Multi-target builds suffix some names with `$N`: dropped."""
    arguments = []
    for name, kind, dimensions, code, bits, lanes in FUNCTION_INFO_ARGUMENT.findall(header.read_text()):
        arguments.append((re.sub(r"\$\d+$", "", name), ARGUMENT_KINDS[kind], TYPE_CODES[code],
                          int(bits), int(lanes), int(dimensions)))
    if not arguments or arguments[0][0] != "__user_context":
        sys.exit(f"error: {header}: no arguments, or not `__user_context` first (built without user_context?)")
    return arguments


def write_signatures(manifest: dict, scratch: Path, out: Path) -> None:
    """halide-pipelines-sys/src/signatures.rs: every pipeline's arguments
    after `__user_context`, from Halide's function info. The safe crate checks
    its hand-written wrappers against these at compile time, so a generator
    change that breaks a wrapper fails to compile. Every target must agree."""
    lines = [
        "// @generated by generators/regenerate.py from Halide's function info headers: do not edit.",
        "",
    ]
    for pipeline in manifest["pipeline"]:
        name = pipeline["function"]
        infos = {rust_target: read_function_info(scratch / "pipelines" / rust_target / name / f"{name}.function_info.h")
                 for rust_target in manifest["targets"]}
        first, *others = infos.values()
        for rust_target, info in infos.items():
            if info != first:
                sys.exit(f"error: {name}: the function info for {rust_target} differs from the other targets'")
        lines.append(f"/// `{name}`: the arguments after `__user_context`, in the order of `{name}_argv`.")
        lines.append(f"pub const {name.upper()}_ARGUMENTS: &[ArgumentInfo] = &[")
        for arg_name, kind, code, bits, lanes, dimensions in first[1:]:
            lines.append(
                f'    ArgumentInfo {{ name: "{arg_name}", kind: {kind}, type_code: {code}, type_bits: {bits}, '
                f"type_lanes: {lanes}, dimensions: {dimensions} }},"
            )
        lines.append("];")
    out.write_text("\n".join(lines) + "\n")


# Halide type names in the manifest's params -> Rust types.
RUST_TYPES = {"uint8": "u8", "uint16": "u16", "uint32": "u32", "int8": "i8", "int16": "i16", "int32": "i32",
              "float32": "f32", "float64": "f64"}


def rust_param(key: str, value: str) -> tuple[str, str]:
    """A manifest param as a field of the generated macro: `input.type = uint8` ->
    `input_type: u8`, `algorithm = malvar2004` -> `algorithm: Malvar2004` (the Rust
    enum variant of that name: the safe crate's enums spell the manifest's values so)."""
    field = re.sub(r"[^a-z0-9_]", "_", key.lower())
    if key.endswith(".type"):
        if value not in RUST_TYPES:
            sys.exit(f"error: the param {key} = {value} has no Rust type in RUST_TYPES")
        return field, RUST_TYPES[value]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        sys.exit(f"error: the param {key} = {value!r} is not a Rust variant name once capitalised")
    return field, value[0].upper() + value[1:]


def write_pipeline_tables(manifest: dict, out: Path) -> None:
    """halide-pipelines-sys/src/pipelines.rs: per generator of the manifest, a macro
    `shipped_<generator>_pipelines!(callback!(prefix...))` that invokes `callback!` with
    `prefix...` and then one entry per shipped pipeline of that generator:
    `function { params..., argv: .., metadata: .., arguments: .. }`. The safe crate builds
    its lookup tables from these, so the list of pipelines is written once, here."""
    by_generator: dict[str, list[dict]] = {}
    for pipeline in manifest["pipeline"]:
        by_generator.setdefault(pipeline["generator"], []).append(pipeline)
    lines = [
        "// @generated by generators/regenerate.py from generators/pipelines.toml: do not edit.",
        "",
    ]
    for generator, pipelines in by_generator.items():
        fields = [sorted(p["params"]) for p in pipelines]
        if any(f != fields[0] for f in fields):
            sys.exit(f"error: the pipelines of generator {generator} do not all set the same params")
        lines += [
            f"/// The shipped pipelines of the `{generator}` generator, one entry each:",
            f"/// `shipped_{generator}_pipelines!(callback!(prefix...))` expands to",
            "/// `callback! { prefix... function { <params>, argv: .., metadata: .., arguments: .. }, ... }`",
            "/// (params: the manifest's, `input.type` as `input_type: u8`, other values as",
            "/// capitalised identifiers: `algorithm: Malvar2004`). The entry points are this crate's.",
            "#[macro_export]",
            f"macro_rules! shipped_{generator}_pipelines {{",
            "    ($callback:ident ! ($($prefix:tt)*)) => {",
            "        $callback! {",
            "            $($prefix)*",
        ]
        for pipeline in pipelines:
            name = pipeline["function"]
            params = [rust_param(key, pipeline["params"][key]) for key in sorted(pipeline["params"])]
            entries = [f"{field}: {value}" for field, value in params] + [
                f"argv: {name}_argv", f"metadata: {name}_metadata", f"arguments: {name.upper()}_ARGUMENTS"]
            lines.append(f"            {name} {{ {', '.join(entries)} }},")
        lines += ["        }", "    };", "}", ""]
    lines += packed_format_table()
    out.write_text("\n".join(lines))


def packed_format_table() -> list[str]:
    """`PACKED_FORMATS`: generators/packed.py's table as Rust, in the order of the
    pipelines' `format` codes (read without Halide: packed.py imports it lazily)."""
    sys.path.insert(0, str(HERE))
    from packed import FORMATS

    lines = [
        "/// The packed sensor formats the `unpack` pipeline reads, from generators/packed.py:",
        "/// a format's `format` argument is its index here.",
        "pub const PACKED_FORMATS: &[PackedFormatInfo] = &[",
    ]
    for name, fmt in FORMATS.items():
        lines.append(
            f"    PackedFormatInfo {{ name: \"{name}\", bits_per_sample: {fmt['bits']}, "
            f"group_samples: {fmt['group_samples']}, group_bytes: {fmt['group_bytes']}, "
            f"bit_stream: {str(fmt['bit_stream']).lower()} }},")
    return lines + ["];", ""]


def generate_runtime(target: str, out_dir: Path) -> None:
    code = (
        "import halide as hl, sys;"
        "hl.compile_standalone_runtime({hl.OutputFileType.static_library: sys.argv[1]}, hl.Target(sys.argv[2]))"
    )
    run([sys.executable, "-c", code, str(out_dir / RUNTIME_ARCHIVE), target], cwd=out_dir)


def target_entry(manifest: dict, rust_target: str) -> dict:
    try:
        return manifest["targets"][rust_target]
    except KeyError:
        sys.exit(f"error: {rust_target} is not in {TARGETS} (known: {', '.join(manifest['targets'])})")


def build_one(manifest: dict, args) -> int:
    """From-source mode of the -sys build scripts: one Rust target, into a folder."""
    entry = target_entry(manifest, args.rust_target) if not args.halide_target else None
    if args.runtime:
        target = args.halide_target or entry["runtime"]
        args.runtime.mkdir(parents=True, exist_ok=True)
        generate_runtime(strip_pipeline_features(manifest, target), args.runtime)
    else:
        targets = [args.halide_target] if args.halide_target else entry["pipelines"]
        target = pipeline_target(manifest, [strip_pipeline_features(manifest, t) for t in targets])
        args.pipelines.mkdir(parents=True, exist_ok=True)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for future in [pool.submit(generate_pipeline, p, target, args.pipelines) for p in manifest["pipeline"]]:
                future.result()
    return 0


def strip_pipeline_features(manifest: dict, target: str) -> str:
    """`host-trace_stores-user_context` -> `host-trace_stores`: the manifest adds them back."""
    parts = [p for p in target.split("-") if p not in manifest["pipeline_features"]]
    return "-".join(parts)


def regenerate_all(manifest: dict, root: Path, jobs: int, bindings: bool) -> int:
    started = time.monotonic()
    runtime_crate = root / "halide-runtime-sys"
    pipelines_crate = root / "halide-pipelines-sys"
    for crate in (runtime_crate, pipelines_crate):
        if not (crate / "Cargo.toml").is_file():
            sys.exit(f"error: {crate} is not a crate folder; is --root the repository root?")

    with tempfile.TemporaryDirectory(prefix="halide-regenerate-") as scratch_name:
        scratch = Path(scratch_name)
        jobs_list = []
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for rust_target, entry in manifest["targets"].items():
                runtime_dir = scratch / "runtime" / rust_target
                runtime_dir.mkdir(parents=True)
                jobs_list.append(pool.submit(generate_runtime, entry["runtime"], runtime_dir))
                target = pipeline_target(manifest, entry["pipelines"])
                for pipeline in manifest["pipeline"]:
                    out = scratch / "pipelines" / rust_target / pipeline["function"]
                    out.mkdir(parents=True)
                    jobs_list.append(pool.submit(generate_pipeline, pipeline, target, out, True))
            for job in jobs_list:
                job.result()

        # Replace the shipped files wholesale so a removed pipeline or target leaves nothing behind.
        shutil.rmtree(root / PREBUILT_DIR, ignore_errors=True)
        (runtime_crate / "include").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(halide_include_dir() / "HalideRuntime.h", runtime_crate / "include" / "HalideRuntime.h")

        version = crate_version(runtime_crate)
        for rust_target in manifest["targets"]:
            crate = root / PREBUILT_DIR / rust_target
            write_prebuilt_crate(crate, rust_target, version, runtime_crate / "LICENSE-HALIDE")
            (crate / "runtime").mkdir()
            shutil.copyfile(scratch / "runtime" / rust_target / RUNTIME_ARCHIVE, crate / "runtime" / RUNTIME_ARCHIVE)
            # Each target keeps its own headers beside its archives: a multi-target
            # build names some parameters differently (same ABI, other bytes).
            (crate / "pipelines").mkdir()
            for pipeline in manifest["pipeline"]:
                name = pipeline["function"]
                for suffix in (archive_suffix(rust_target), ".h"):
                    built = scratch / "pipelines" / rust_target / name / f"{name}{suffix}"
                    shutil.copyfile(built, crate / "pipelines" / f"{name}{suffix}")
        write_signatures(manifest, scratch, pipelines_crate / "src" / "signatures.rs")
        write_pipeline_tables(manifest, pipelines_crate / "src" / "pipelines.rs")
    print(f"archives and headers regenerated in {time.monotonic() - started:.1f} s")

    if bindings:
        regenerate_bindings(root)
        print(f"bindings regenerated; total {time.monotonic() - started:.1f} s")
    return 0


def crate_version(crate: Path) -> str:
    """The `version` of a crate's Cargo.toml: the per-target crates carry the -sys crates' version."""
    return tomllib.loads((crate / "Cargo.toml").read_text())["package"]["version"]


def write_prebuilt_crate(crate: Path, rust_target: str, version: str, license_halide: Path) -> None:
    """The per-target crate's own files (its archives are copied in by the caller).

    Its build script exports the crate's folder to halide-runtime-sys (`links`
    metadata: DEP_<LINKS>_ROOT), which links the runtime from `runtime/` and
    passes the folder on to halide-pipelines-sys, which links `pipelines/`."""
    name = PREBUILT_CRATE.format(rust_target=rust_target)
    links = name.replace("-", "_")
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(f"""# @generated by generators/regenerate.py: do not edit.
[package]
name = "{name}"
version = "{version}"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
authors.workspace = true
description = "The prebuilt Halide archives of halide-runtime-sys and halide-pipelines-sys for {rust_target} (and the targets that share its archives). Not for direct use."
links = "{links}"
build = "build.rs"
include = ["build.rs", "src/**", "runtime/**", "pipelines/**", "LICENSE-HALIDE"]
""")
    (crate / "build.rs").write_text("""// @generated by generators/regenerate.py: do not edit.
// Tells halide-runtime-sys where this crate's archives are (DEP_<LINKS>_ROOT). Rerun when an
// archive changes (a regeneration): the -sys crates' build scripts rerun after this one, and
// everything that links the archives is linked again.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=runtime");
    println!("cargo:rerun-if-changed=pipelines");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:root={root}");
}
""")
    (crate / "src" / "lib.rs").write_text(f"""// @generated by generators/regenerate.py: do not edit.
//! The prebuilt Halide archives of `halide-runtime-sys` and `halide-pipelines-sys`
//! for `{rust_target}`: `runtime/` (the Halide runtime) and `pipelines/` (every
//! pipeline's archive and header), generated by `generators/regenerate.py`.
//! `halide-runtime-sys` depends on this crate for this target only, so a build
//! downloads the archives of its own target. It has no API.
#![no_std]
""")
    shutil.copyfile(license_halide, crate / "LICENSE-HALIDE")


def halide_include_dir() -> Path:
    import halide

    return Path(halide.__file__).parent / "include"


def regenerate_bindings(root: Path) -> None:
    """Run both -sys crates' build scripts with the `bindgen` feature and copy
    what they wrote to OUT_DIR (for the host target, x86_64-unknown-linux-gnu:
    every shipped target is 64-bit with the same C layout, which bindgen's
    layout assertions check wherever the crates compile). One bindgen configuration, in build.rs, serves
    both this command and users who opt into the feature."""
    import clang

    env = dict(os.environ, LIBCLANG_PATH=str(Path(clang.__file__).parent / "native"))
    for variable in ("HALIDE_PIPELINES_SYS_TARGET", "HALIDE_PIPELINES_SYS_FROM_SOURCE"):
        env.pop(variable, None)  # the shipped bindings describe the shipped archives
    cmd = [
        "cargo", "build", "--quiet", "--message-format=json",
        "-p", "halide-runtime-sys", "-p", "halide-pipelines-sys",
        "--features", "halide-runtime-sys/bindgen,halide-pipelines-sys/bindgen",
    ]
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{result.stderr}")
    out_dirs = {}
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "build-script-executed":
            package = message["package_id"]
            for crate in ("halide-runtime-sys", "halide-pipelines-sys"):
                if f"/{crate}#" in package or package.startswith(f"{crate} ") or f"{crate}@" in package:
                    out_dirs[crate] = Path(message["out_dir"])
    for crate in ("halide-runtime-sys", "halide-pipelines-sys"):
        if crate not in out_dirs:
            sys.exit(f"error: cargo did not report the build script output of {crate}")
        shutil.copyfile(out_dirs[crate] / "bindings.rs", root / crate / "src" / "bindings.rs")
    regenerate_msvc_bindings(root, env)


# MSVC types C enums without negative values as `int` (GCC and Clang elsewhere: `unsigned
# int`), so x86_64-pc-windows-msvc has runtime bindings of its own. Its C library headers
# come from MinGW-w64 (Debian's mingw-w64-x86-64-dev): HalideRuntime.h only needs
# <string.h>, <stddef.h>, <stdint.h> and <stdbool.h> from it, and the types that differ are
# the header's own. The pipelines' bindings name the runtime's types and are the same.
MSVC_TARGET = "x86_64-pc-windows-msvc"
MINGW_INCLUDE = Path("/usr/x86_64-w64-mingw32/include")


def regenerate_msvc_bindings(root: Path, env: dict) -> None:
    if not (MINGW_INCLUDE / "string.h").is_file():
        sys.exit(f"error: {MINGW_INCLUDE}/string.h is missing: apt-get install mingw-w64-x86-64-dev "
                 f"(the C headers the {MSVC_TARGET} bindings are generated with)")
    env = dict(env, **{f"BINDGEN_EXTRA_CLANG_ARGS_{MSVC_TARGET.replace('-', '_')}": f"-isystem{MINGW_INCLUDE}"})
    cmd = ["cargo", "build", "--quiet", "--message-format=json", "--target", MSVC_TARGET,
           "-p", "halide-runtime-sys", "--features", "halide-runtime-sys/bindgen"]
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed (is the Rust target installed? rustup target add {MSVC_TARGET}):\n"
                 f"{result.stderr}")
    for line in result.stdout.splitlines():
        message = json.loads(line)
        package = message.get("package_id", "")
        if message.get("reason") == "build-script-executed" and "halide-runtime-sys" in package:
            shutil.copyfile(Path(message["out_dir"]) / "bindings.rs", root / "halide-runtime-sys" / "src" / "bindings_msvc.rs")
            return
    sys.exit("error: cargo did not report the build script output of halide-runtime-sys for " + MSVC_TARGET)


if __name__ == "__main__":
    sys.exit(main())
