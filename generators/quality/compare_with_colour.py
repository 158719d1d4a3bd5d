#!/usr/bin/env python3
"""Our shipped demosaic pipelines against the reference implementations of
colour-demosaicing 0.2.7, on real photographs, and the quality report.

    python generators/quality/compare_with_colour.py [--report-only]

Needs `pip install -r generators/quality/requirements.txt` and cargo: the
pipelines are called through the shipped archives, via the Rust example
`demosaic_npy` (built in release mode), never through the generators.

Photos: scikit-image's bundled astronaut, chelsea, coffee, motorcycle_left and
rocket (public domain / CC0), mosaicked with each of the four CFA patterns,
as 8-bit and as 16-bit (photo * 257) frames.

Agreement (the exit status): pixels more than 10 pixels from the border
(colour repeats edge samples where we mirror about them, so borders differ):
- Bilinear and Malvar2004: |ours - round(colour)| <= 1 on >= 99.9% of samples;
- Menon2007: PSNR (against the true photo) >= colour's - 0.05 dB, and >= 99%
  of samples within 2 of round(colour);
- MLRI (not in colour-demosaicing): |ours - round(oracle)| <= 1 on >= 99.9% of
  samples, the oracle being the float64 NumPy implementation `mlri.py`
  (about 0.7 s per photo and pattern).

Report: PSNR (dB, 8-bit, 10-pixel border excluded, RGGB) per photo and mean,
for our four algorithms, colour's, the MLRI oracle, and OpenCV's bilinear, VNG and EA, as a
Markdown table for the README; and our four on a grey zone plate: false colour by band of local
frequency (`check_mlri_fringes.py`'s measures), where MLRI is weakest.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import colour_demosaicing as colour
import cv2
import numpy as np

from bridge import build_bridge
from check_mlri_fringes import BANDS, chroma_psnr, zone_plate, zone_plate_bands
from mlri import demosaic_mlri
from photos import interior, mosaic, photos, psnr

ALGORITHMS = ("bilinear", "malvar2004", "menon2007", "mlri")
COLOUR = {
    "bilinear": colour.demosaicing_CFA_Bayer_bilinear,
    "malvar2004": colour.demosaicing_CFA_Bayer_Malvar2004,
    "menon2007": colour.demosaicing_CFA_Bayer_Menon2007,
}
# References not in colour-demosaicing, reported as "oracle <name>".
ORACLE = {"mlri": lambda raw, pattern, peak: demosaic_mlri(raw, pattern, peak=float(peak))}
PATTERNS = ("rggb", "bggr", "grbg", "gbrg")
# OpenCV names a Bayer code after the second row's first two samples: an RGGB
# mosaic is COLOR_BayerBG2RGB.
OPENCV = {
    "OpenCV bilinear": cv2.COLOR_BayerBG2RGB,
    "OpenCV VNG": cv2.COLOR_BayerBG2RGB_VNG,
    "OpenCV EA": cv2.COLOR_BayerBG2RGB_EA,
}


def ours(bridge: list[str], raw: np.ndarray, pattern: str, scratch: Path) -> dict[str, np.ndarray]:
    np.save(scratch / "raw.npy", raw)
    subprocess.run([*bridge, str(scratch / "raw.npy"), pattern, str(scratch / "out")], check=True)
    return {name: np.load(scratch / f"out_{name}.npy") for name in ALGORITHMS}


def colour_rounded(name: str, raw: np.ndarray, pattern: str, peak: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference's result for `name`: colour-demosaicing's, or the oracle's
    for an algorithm it lacks."""
    if name in ORACLE:
        result = ORACLE[name](raw, pattern, peak)
    else:
        result = COLOUR[name](raw.astype(np.float64), pattern.upper())
    return result, np.clip(np.round(result), 0, peak)


def check_agreement(bridge: list[str], images: dict[str, np.ndarray], scratch: Path) -> list[str]:
    failures = []
    print("| photo | pattern | type | algorithm | within 1 | within 2 | PSNR ours | PSNR colour (mlri: oracle) |")
    print("|---|---|---|---|---|---|---|---|")
    for photo, truth8 in images.items():
        for bits, dtype in ((8, np.uint8), (16, np.uint16)):
            peak = 2**bits - 1
            truth = truth8.astype(dtype) * (257 if bits == 16 else 1)
            for pattern in PATTERNS:
                raw = mosaic(truth, pattern)
                results = ours(bridge, raw, pattern, scratch)
                for name in ALGORITHMS:
                    _, reference = colour_rounded(name, raw, pattern, peak)
                    difference = np.abs(interior(results[name]).astype(np.int64) - interior(reference).astype(np.int64))
                    within1 = np.mean(difference <= 1) * 100
                    within2 = np.mean(difference <= 2) * 100
                    ours_psnr = psnr(results[name], truth, peak)
                    colour_psnr = psnr(reference, truth, peak)
                    print(f"| {photo} | {pattern} | u{bits} | {name} | {within1:.3f}% | {within2:.3f}% "
                          f"| {ours_psnr:.3f} | {colour_psnr:.3f} |")
                    case = f"{photo} {pattern} u{bits} {name}"
                    if name in ("bilinear", "malvar2004") and within1 < 99.9:
                        failures.append(f"{case}: only {within1:.3f}% within 1 LSB of colour (needs 99.9%)")
                    if name in ORACLE and within1 < 99.9:
                        failures.append(f"{case}: only {within1:.3f}% within 1 LSB of the oracle (needs 99.9%)")
                    if name == "menon2007":
                        if within2 < 99.0:
                            failures.append(f"{case}: only {within2:.3f}% within 2 LSB of colour (needs 99%)")
                        if ours_psnr < colour_psnr - 0.05:
                            failures.append(f"{case}: PSNR {ours_psnr:.3f} dB < colour's {colour_psnr:.3f} - 0.05")
    return failures


def report(bridge: list[str], images: dict[str, np.ndarray], scratch: Path) -> None:
    columns = ([f"ours {name}" for name in ALGORITHMS] + [f"colour {name}" for name in COLOUR]
               + [f"oracle {name}" for name in ORACLE] + list(OPENCV))
    table = {column: [] for column in columns}
    for truth in images.values():
        raw = mosaic(truth, "rggb")
        results = ours(bridge, raw, "rggb", scratch)
        for name in ALGORITHMS:
            table[f"ours {name}"].append(psnr(results[name], truth, 255))
            source = "oracle" if name in ORACLE else "colour"
            table[f"{source} {name}"].append(psnr(colour_rounded(name, raw, "rggb", 255)[1], truth, 255))
        for column, code in OPENCV.items():
            table[column].append(psnr(cv2.cvtColor(raw, code), truth, 255))
    print("\nPSNR in dB (8-bit, RGGB, 10-pixel border excluded):\n")
    print("| algorithm | " + " | ".join(images) + " | mean |")
    print("|---|" + "---|" * (len(images) + 1))
    for column in columns:
        values = table[column]
        print(f"| {column} | " + " | ".join(f"{v:.2f}" for v in values) + f" | **{np.mean(values):.2f}** |")


def false_colour_report(bridge: list[str], scratch: Path) -> None:
    """The shipped archives on a grey zone plate (check_mlri_fringes.py's, 8-bit
    RGGB): every bit of chroma in the result is false colour. A report, not a
    check: no constant was chosen by it."""
    truth = zone_plate()
    raw = mosaic(truth, "rggb")
    results = ours(bridge, raw, "rggb", scratch)
    print("\nZone plate (grey, 8-bit, RGGB, 10-pixel border excluded): PSNR, false-colour PSNR, and mean false")
    print("colour (8-bit units) per band of local frequency in cycles/pixel (0.5: Nyquist):\n")
    print("| algorithm | PSNR dB | false-colour dB | " + " | ".join(f"{lo}–{hi}" for lo, hi in BANDS) + " |")
    print("|---|---|---|" + "---|" * len(BANDS))
    for name in ALGORITHMS:
        out = results[name]
        bands = zone_plate_bands(out, truth)
        print(f"| ours {name} | {psnr(out, truth, 255):.2f} | {chroma_psnr(out, truth):.2f} | "
              + " | ".join(f"{v:.2f}" for v in bands) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report-only", action="store_true", help="skip the agreement check")
    parser.add_argument("--target", help="run the archives of this Rust target (through its Cargo runner)")
    parser.add_argument("--photos", help="comma-separated subset of the photos (e.g. for slow emulated targets)")
    args = parser.parse_args()
    started = time.monotonic()
    bridge = build_bridge("demosaic_npy", args.target)
    images = photos()
    if args.photos:
        images = {name: images[name] for name in args.photos.split(",")}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        failures = [] if args.report_only else check_agreement(bridge, images, scratch)
        report(bridge, images, scratch)
        false_colour_report(bridge, scratch)
    print(f"\n{time.monotonic() - started:.0f} s")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if not args.report_only:
        print("agreement with colour-demosaicing: " + ("FAILED" if failures else "every case within bounds"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
