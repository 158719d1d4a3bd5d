#!/usr/bin/env python3
"""Checks every shipped archive without running it: each member's object format
and architecture match the Rust target of its folder, and the archive's symbol
index exports what the bindings call; pipelines reach Halide's thread pool only
through `halide_do_par_for` (the one hook the safe crate's `rayon` feature
replaces). This is what CI can prove for the targets
it cannot run (cross-generated archives).

    python generators/check_archives.py [--root DIR]

Pure standard library: it reads `ar` archives, ELF, Mach-O and COFF headers itself.
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

from regenerate import RUNTIME_ARCHIVE, archive_suffix, load_manifest

HERE = Path(__file__).resolve().parent

# Rust target -> (object format, machine) expected of every archive member.
ELF_MACHINES = {"x86_64": 62, "aarch64": 183}
MACHO_CPUS = {"x86_64": 0x01000007, "aarch64": 0x0100000C}
COFF_MACHINES = {"x86_64": 0x8664, "aarch64": 0xAA64}


def expected_format(rust_target: str) -> tuple[str, int]:
    arch = rust_target.split("-")[0]
    if "apple-darwin" in rust_target:
        return "mach-o", MACHO_CPUS[arch]
    if "linux" in rust_target:
        return "elf", ELF_MACHINES[arch]
    if "-windows-" in rust_target:
        return "coff", COFF_MACHINES[arch]
    raise SystemExit(f"error: no object format known for {rust_target}; extend {__file__}")


def read_ar(path: Path) -> list[tuple[str, bytes]]:
    data = path.read_bytes()
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    members, offset, long_names = [], 8, b""
    while offset + 60 <= len(data):
        header = data[offset : offset + 60]
        name = header[:16].decode().rstrip()
        size = int(header[48:58].decode().strip())
        body = data[offset + 60 : offset + 60 + size]
        if name.startswith("#1/"):  # BSD long name stored before the body
            name_length = int(name[3:])
            name, body = body[:name_length].rstrip(b"\0").decode(), body[name_length:]
        elif name == "//":
            long_names = body
        elif name.startswith("/") and name[1:].isdigit():
            start = int(name[1:])
            # GNU ends a long name with "/\n", the COFF (MSVC) format with a NUL.
            end = min(i for i in (long_names.find(b"/\n", start), long_names.find(b"\0", start)) if i >= 0)
            name = long_names[start:end].decode()
        members.append((name, body))
        offset += 60 + size + (size % 2)
    return members


def symbol_index(members: list[tuple[str, bytes]]) -> set[str]:
    """Symbols of the archive's index: GNU `/` or BSD `__.SYMDEF`."""
    for name, body in members:
        if name == "/":
            count = struct.unpack(">I", body[:4])[0]
            strings = body[4 + 4 * count :]
            return {s.decode() for s in strings.split(b"\0")[:count]}
        if name.startswith("__.SYMDEF"):
            ranlib_size = struct.unpack("<I", body[:4])[0]
            strings_at = 4 + ranlib_size + 4
            strings = body[strings_at:]
            names = set()
            for i in range(ranlib_size // 8):
                string_offset = struct.unpack("<I", body[4 + 8 * i : 8 + 8 * i])[0]
                names.add(strings[string_offset : strings.index(b"\0", string_offset)].decode())
            return names
    return set()


def object_format(body: bytes) -> tuple[str, int] | None:
    if body[:4] == b"\x7fELF":
        return "elf", struct.unpack("<H", body[18:20])[0]
    if body[:4] == b"\xcf\xfa\xed\xfe":
        return "mach-o", struct.unpack("<I", body[4:8])[0]
    # A COFF object has no magic: its header starts with the machine. Windows archives'
    # index members (`/`, `//`) are skipped by the caller, so only objects get here.
    if len(body) >= 20 and struct.unpack("<H", body[:2])[0] in COFF_MACHINES.values():
        return "coff", struct.unpack("<H", body[:2])[0]
    return None


# Task entry points a pipeline could call besides `halide_do_par_for` (async
# producers, parallel tasks): the `rayon` feature would not route them.
UNROUTED_TASK_ENTRY_POINTS = ("halide_do_parallel_tasks", "halide_do_task", "halide_do_loop_task")


def references(body: bytes, symbol: str) -> bool:
    """Whether an object file names `symbol` in its string table (a symbol it
    defines or imports; a name is stored NUL-terminated and NUL-preceded)."""
    return any(f"\0{prefix}{symbol}\0".encode() in body for prefix in ("", "_"))


def check_archive(path: Path, rust_target: str, symbols: list[str], pipeline: bool = False) -> list[str]:
    problems = []
    members = read_ar(path)
    index = symbol_index(members)
    members = [(name, body) for name, body in members if name not in ("/", "//")]  # COFF: not objects
    want_format = expected_format(rust_target)
    objects = [(name, object_format(body)) for name, body in members if object_format(body)]
    if not objects:
        problems.append(f"{path}: no object files")
    for name, fmt in objects:
        if fmt != want_format:
            problems.append(f"{path}: member {name} is {fmt}, expected {want_format} for {rust_target}")
    if pipeline:
        for name, body in members:
            for symbol in UNROUTED_TASK_ENTRY_POINTS:
                if object_format(body) and references(body, symbol):
                    problems.append(f"{path}: member {name} calls {symbol}, which the rayon feature does not route")
    prefix = "_" if want_format[0] == "mach-o" else ""
    for symbol in symbols:
        if prefix + symbol not in index:
            problems.append(f"{path}: symbol {prefix + symbol} is not exported")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=HERE.parent)
    root = parser.parse_args().root
    manifest = load_manifest()
    problems, checked = [], 0
    for rust_target in manifest["targets"]:
        crate = root / "prebuilt" / rust_target
        runtime = crate / "runtime" / RUNTIME_ARCHIVE
        problems += check_archive(runtime, rust_target, ["halide_set_error_handler", "halide_set_num_threads"])
        checked += 1
        for pipeline in manifest["pipeline"]:
            name = pipeline["function"]
            archive = crate / "pipelines" / f"{name}{archive_suffix(rust_target)}"
            problems += check_archive(archive, rust_target, [name, f"{name}_argv", f"{name}_metadata"], pipeline=True)
            checked += 1
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"{checked} archives checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
