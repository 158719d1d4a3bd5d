"""The Rust examples the quality checks call the shipped archives through
(`demosaic_npy`, `develop_npy`), built in release mode."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build_bridge(example: str, target: str | None) -> list[str]:
    """Builds `example` and returns the command that runs it. For another
    target (`--target`), the command starts with Cargo's runner for it
    (`CARGO_TARGET_<TRIPLE>_RUNNER`, e.g. qemu), as `cargo test` would use."""
    command = ["cargo", "build", "--quiet", "--release", "--example", example]
    if target is None:
        subprocess.run(command, cwd=ROOT, check=True)
        return [str(ROOT / "target" / "release" / "examples" / example)]
    subprocess.run([*command, "--target", target], cwd=ROOT, check=True)
    runner = os.environ.get(f"CARGO_TARGET_{target.upper().replace('-', '_')}_RUNNER", "")
    return [*shlex.split(runner), str(ROOT / "target" / target / "release" / "examples" / example)]
