#!/usr/bin/env python3
"""False colour of MLRI and the colour-demosaicing algorithms on synthetic
targets: a zone plate (grey, so every bit of chroma in the result is false
colour), a slanted grey edge and a slanted colour edge.

    python generators/quality/check_mlri_fringes.py

Per target and algorithm (8-bit, RGGB, 10-pixel border excluded):
- PSNR against the target;
- chroma error: mean over pixels of the RMS, over (R - G, B - G), of the
  error of the colour differences, in 8-bit units (for the grey targets this
  is the false colour itself);
- the false-colour PSNR: the same error as a PSNR;
- for the zone plate also the false colour per band of local frequency
  (below a quarter of the sampling rate, where red and blue are not yet
  aliased, up to Nyquist, and beyond it in the corners).

This is a report, not a test: nothing here chose MLRI's constants.
"""

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mlri import demosaic_mlri, to8  # noqa: E402
from photos import interior, mosaic, psnr  # noqa: E402

SIZE = 512
SUPERSAMPLE = 4


def zone_plate(size: int = SIZE) -> np.ndarray:
    """Grey circular zone plate, cos(pi r^2 / size): the local frequency
    reaches Nyquist (0.5 cycles/pixel) at r = size / 2, the middle of each
    edge, and goes beyond it towards the corners. Box-filtered from a 4x
    supersampled plate, so frequencies beyond Nyquist are attenuated, as by a
    sensor's pixel aperture (not removed: there is no optical low-pass)."""
    n = size * SUPERSAMPLE
    coords = (np.arange(n) + 0.5) / SUPERSAMPLE - size / 2
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    plate = 0.5 + 0.5 * np.cos(np.pi * (xx**2 + yy**2) / size)
    plate = plate.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(1, 3))
    grey = np.round(16 + 223 * plate).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def slanted_edge(colour_a, colour_b, degrees: float = 5.0, size: int = 256) -> np.ndarray:
    """Two flat colours split by a near-vertical edge slanted by `degrees`,
    box-filtered from a 4x supersampled edge (an area-sampling sensor)."""
    n = size * SUPERSAMPLE
    coords = (np.arange(n) + 0.5) / SUPERSAMPLE - size / 2
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    t = np.radians(degrees)
    side = (xx * np.cos(t) - yy * np.sin(t) > 0).astype(np.float64)
    side = side.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(1, 3))[..., None]
    a, b = np.asarray(colour_a, float), np.asarray(colour_b, float)
    return np.round(a * (1 - side) + b * side).astype(np.uint8)


def chroma_error(result: np.ndarray, truth: np.ndarray) -> float:
    r, t = interior(result).astype(np.float64), interior(truth).astype(np.float64)
    e_rg = (r[..., 0] - r[..., 1]) - (t[..., 0] - t[..., 1])
    e_bg = (r[..., 2] - r[..., 1]) - (t[..., 2] - t[..., 1])
    return float(np.mean(np.sqrt(0.5 * (e_rg**2 + e_bg**2))))


def chroma_psnr(result: np.ndarray, truth: np.ndarray) -> float:
    r, t = interior(result).astype(np.float64), interior(truth).astype(np.float64)
    e = np.concatenate([((r[..., k] - r[..., 1]) - (t[..., k] - t[..., 1])).ravel() for k in (0, 2)])
    return float(10 * np.log10(255.0**2 / np.mean(e**2)))


BANDS = ((0.0, 0.25), (0.25, 0.4), (0.4, 0.5), (0.5, 0.71))


def zone_plate_bands(result: np.ndarray, truth: np.ndarray, size: int = SIZE) -> list[float]:
    """Mean false colour (as `chroma_error`) per band of the zone plate's
    local frequency, r / size cycles per pixel (0.5: Nyquist)."""
    yy, xx = np.indices(truth.shape[:2]) + 0.5 - size / 2
    freq = interior(np.hypot(yy, xx) / size)
    r, t = interior(result).astype(np.float64), interior(truth).astype(np.float64)
    e_rg = (r[..., 0] - r[..., 1]) - (t[..., 0] - t[..., 1])
    e_bg = (r[..., 2] - r[..., 1]) - (t[..., 2] - t[..., 1])
    err = np.sqrt(0.5 * (e_rg**2 + e_bg**2))
    return [float(np.mean(err[(freq >= lo) & (freq < hi)])) for lo, hi in BANDS]


def algorithms():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour_demosaicing as colour
    return {
        "bilinear": lambda raw, p: colour.demosaicing_CFA_Bayer_bilinear(raw, p.upper()),
        "Malvar2004": lambda raw, p: colour.demosaicing_CFA_Bayer_Malvar2004(raw, p.upper()),
        "Menon2007": lambda raw, p: colour.demosaicing_CFA_Bayer_Menon2007(raw, p.upper()),
        "MLRI": demosaic_mlri,
    }


def fringe_report(pattern: str = "rggb") -> dict:
    targets = {
        "zone plate": zone_plate(),
        "slanted grey edge": slanted_edge((40, 40, 40), (220, 220, 220)),
        "slanted colour edge": slanted_edge((200, 40, 40), (40, 160, 200)),
    }
    results = {}
    for target, truth in targets.items():
        raw = mosaic(truth, pattern).astype(np.float64)
        for name, run in algorithms().items():
            out = to8(run(raw, pattern))
            results[target, name] = (psnr(out, truth), chroma_error(out, truth), chroma_psnr(out, truth))
            if target == "zone plate":
                results["bands", name] = zone_plate_bands(out, truth)
    return results


def main() -> int:
    results = fringe_report()
    print(f"{'target':<20} {'algorithm':<11} {'PSNR dB':>8} {'chroma err':>10} {'chroma dB':>9}")
    for (target, name), values in results.items():
        if target != "bands":
            db, err, cdb = values
            print(f"{target:<20} {name:<11} {db:8.2f} {err:10.3f} {cdb:9.2f}")
    print("\nzone plate, mean false colour (8-bit units) per band of local frequency (cycles/pixel):")
    print(f"{'algorithm':<11} " + " ".join(f"{f'{lo}-{hi}':>9}" for lo, hi in BANDS))
    for (target, name), values in results.items():
        if target == "bands":
            print(f"{name:<11} " + " ".join(f"{v:9.2f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
