#!/usr/bin/env python3
"""The shipped develop pipelines against their NumPy reference
(`develop_oracle.py`: colour-demosaicing 0.2.7 plus the formulas), on real
photographs turned into 12-bit raw frames.

    python generators/quality/check_develop.py [--target T] [--photos a,b]

Needs `pip install -r generators/quality/requirements.txt` and cargo: the
pipelines run through the shipped archives, via the Rust example
`develop_npy` (release mode), never through the generators.

Raw frames: scikit-image's photos (as compare_with_colour.py), made linear
(sRGB-decoded), divided by the white-balance gains of each site's colour and
mapped to 12 bits above per-site black levels (64, 60, 66, 62), rounded, then
mosaicked with each of the four CFA patterns; a few highlights clip.

Agreement (the exit status): for every algorithm, u8 and u16 output, linear
and sRGB transfer, with and without a colour matrix: |ours - reference| <= 1
on >= 99.9% of the samples more than 10 pixels from the border (colour
repeats edge samples where we mirror about them).

Also checks the sRGB polynomial of generators/develop.py against the curve
(its documented largest error), evaluated in float32 as Halide does.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from develop_oracle import develop_reference, srgb_encode
from bridge import ROOT, build_bridge
from photos import interior, mosaic, photos

ALGORITHMS = ("bilinear", "malvar2004", "menon2007", "mlri")
PATTERNS = ("rggb", "bggr", "grbg", "gbrg")
BLACK = (64, 60, 66, 62)
WHITE = 4095
GAINS = (2.1, 1.0, 1.6)
MATRIX = ((1.7, -0.5, -0.2), (-0.25, 1.45, -0.2), (0.05, -0.6, 1.55))
MIN_AGREEMENT = 0.999


def raw_frame(photo: np.ndarray, pattern: str) -> np.ndarray:
    """A 12-bit raw frame that develops back to about `photo` (with GAINS)."""
    linear = srgb_decode(photo.astype(np.float64) / 255.0) * 1.1  # a little over: some highlights clip
    channel = {"r": 0, "g": 1, "b": 2}
    rows, cols = np.indices(photo.shape[:2])
    raw = np.empty(photo.shape[:2])
    for index, letter in enumerate(pattern):
        dy, dx = divmod(index, 2)
        site = (rows % 2 == dy) & (cols % 2 == dx)
        c = channel[letter]
        black = BLACK[2 * dy + dx]
        raw[site] = black + linear[..., c][site] / GAINS[c] * (WHITE - black)
    return np.clip(np.round(raw), 0, WHITE).astype(np.uint16)


def srgb_decode(encoded: np.ndarray) -> np.ndarray:
    return np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)


def develop_constants(*names: str) -> dict:
    """Module-level constants of generators/develop.py, read from its source
    (importing it needs Halide, which this check does not)."""
    import ast

    tree = ast.parse((ROOT / "generators" / "develop.py").read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and getattr(node.targets[0], "id", None) in names:
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


def check_curve_fit() -> list[str]:
    """develop.py's sRGB polynomials, evaluated in float32, against the curve."""
    constants = develop_constants("SRGB_POWER_FIT", "SRGB_THRESHOLD")
    SRGB_POWER_FIT, SRGB_THRESHOLD = constants["SRGB_POWER_FIT"], constants["SRGB_THRESHOLD"]
    failures = []
    v = np.linspace(SRGB_THRESHOLD, 1.0, 400001).astype(np.float32)
    exact = srgb_encode(v.astype(np.float64))
    for bits, (roots, coefficients) in SRGB_POWER_FIT.items():
        t = v
        for _ in range(roots):
            t = np.sqrt(t).astype(np.float32)
        power = np.float32(coefficients[-1])
        for coefficient in reversed(coefficients[:-1]):
            power = (power * t + np.float32(coefficient)).astype(np.float32)
        approx = (np.float32(1.055) * power - np.float32(0.055)).astype(np.float64)
        error = np.abs(approx - exact).max() * (2**bits - 1)
        print(f"sRGB polynomial for {bits}-bit output: largest error {error:.4f} LSB")
        if error > 0.1:
            failures.append(f"the {bits}-bit sRGB polynomial errs by {error:.3f} LSB (limit 0.1)")
    return failures


def check_agreement(bridge: list[str], images: dict[str, np.ndarray], scratch: Path) -> list[str]:
    failures = []
    print("| photo | pattern | transfer | matrix | output | algorithm | within 1 | exact | max |")
    print("|---|---|---|---|---|---|---|---|---|")
    for photo, truth in images.items():
        for pattern in PATTERNS:
            raw = raw_frame(truth, pattern)
            np.save(scratch / "raw.npy", raw)
            for transfer in ("linear", "srgb"):
                for matrix in (None, MATRIX):
                    flags = ["--black", ",".join(map(str, BLACK)), "--white", str(WHITE),
                             "--gains", ",".join(map(str, GAINS)), "--transfer", transfer]
                    if matrix is not None:
                        flags += ["--matrix", ",".join(str(v) for row in matrix for v in row)]
                    subprocess.run([*bridge, str(scratch / "raw.npy"), pattern, str(scratch / "out"), *flags], check=True)
                    for name in ALGORITHMS:
                        for bits in (8, 16):
                            ours = np.load(scratch / f"out_{name}_u{bits}.npy")
                            reference = develop_reference(raw, pattern, name, black=BLACK, white=WHITE, gains=GAINS,
                                                          matrix=matrix, transfer=transfer, output_bits=bits)
                            difference = np.abs(interior(ours).astype(np.float64) - interior(reference))
                            within = np.mean(difference <= 1)
                            print(f"| {photo} | {pattern} | {transfer} | {'yes' if matrix else 'no'} | u{bits} | {name} "
                                  f"| {100 * within:.3f}% | {100 * np.mean(difference == 0):.2f}% | {difference.max():.0f} |")
                            if within < MIN_AGREEMENT:
                                failures.append(f"{photo} {pattern} {transfer} matrix={matrix is not None} u{bits} {name}: "
                                                f"only {100 * within:.3f}% within 1 of the reference (needs 99.9%)")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", help="run the archives of this Rust target (through its Cargo runner)")
    parser.add_argument("--photos", help="comma-separated subset of the photos")
    args = parser.parse_args()
    started = time.monotonic()
    failures = check_curve_fit()
    bridge = build_bridge("develop_npy", args.target)
    images = photos()
    if args.photos:
        images = {name: images[name] for name in args.photos.split(",")}
    with tempfile.TemporaryDirectory() as scratch_name:
        failures += check_agreement(bridge, images, Path(scratch_name))
    print(f"\n{time.monotonic() - started:.0f} s")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("develop against its reference: " + ("FAILED" if failures else "every case within bounds"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
