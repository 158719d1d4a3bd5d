"""The NumPy reference of `develop` (generators/develop.py, the safe crate's
`halide_pipelines::develop`): colour-demosaicing 0.2.7 for the demosaic step
(MLRI, which it lacks: our NumPy oracle `mlri.py`, with samples in [0, 1]),
the rest as the plain formulas below, in float64.

    v    = clip((raw - black[site]) / (white - black[site]) * gain[colour of site], 0, 1)
    rgb  = demosaic(v)                          (colour-demosaicing, float64)
    rgb  = clip(rgb @ matrix.T, 0, 1)           (matrix: the identity if none)
    out  = round(full_scale * transfer(rgb))    (transfer: identity or sRGB)

Kept plain for reading: it is the definition the archives are checked against.
"""

from __future__ import annotations

import hashlib

import colour_demosaicing as colour
import numpy as np

from mlri import demosaic_mlri

DEMOSAIC = {
    "bilinear": colour.demosaicing_CFA_Bayer_bilinear,
    "malvar2004": colour.demosaicing_CFA_Bayer_Malvar2004,
    "menon2007": colour.demosaicing_CFA_Bayer_Menon2007,
    # Its eps constants are for 8-bit units: scaled to samples in [0, 1].
    "mlri": lambda linear, pattern: demosaic_mlri(linear, pattern, peak=1.0),
}
# The last demosaic of each algorithm, by its input: the checks develop one
# frame with several transfers, matrices and output types, and MLRI's oracle
# takes seconds a frame.
_LAST_DEMOSAIC: dict[str, tuple[bytes, np.ndarray]] = {}
CHANNEL = {"r": 0, "g": 1, "b": 2}


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1's sRGB curve of linear values in [0, 1]."""
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(linear, 1 / 2.4) - 0.055)


def site_map(frame_shape: tuple[int, int], per_site) -> np.ndarray:
    """A full frame whose sample (i, j) is per_site[i % 2][j % 2]."""
    per_site = np.asarray(per_site, dtype=np.float64).reshape(2, 2)
    rows, cols = np.indices(frame_shape)
    return per_site[rows % 2, cols % 2]


def develop_reference(raw: np.ndarray, pattern: str, algorithm: str, *, black, white: float,
                      gains=(1.0, 1.0, 1.0), matrix=None, transfer: str = "linear",
                      output_bits: int = 8) -> np.ndarray:
    """The developed image (H, W, 3), rounded to `output_bits` and as float64.

    black: four levels, per site of the frame's top-left 2x2 tile in raster
    order; gains: R, G, B; matrix: 3x3 (row = output channel) or None.
    """
    raw = raw.astype(np.float64)
    black_map = site_map(raw.shape, black)
    colours = [CHANNEL[letter] for letter in pattern.lower()]
    gain_map = site_map(raw.shape, [float(gains[c]) for c in colours])
    linear = np.clip((raw - black_map) / (float(white) - black_map) * gain_map, 0.0, 1.0)
    rgb = demosaic_linear(linear, pattern, algorithm)
    if matrix is not None:
        rgb = rgb @ np.asarray(matrix, dtype=np.float64).T
    rgb = np.clip(rgb, 0.0, 1.0)
    if transfer == "srgb":
        rgb = srgb_encode(rgb)
    elif transfer != "linear":
        raise ValueError(f"transfer must be 'linear' or 'srgb', not {transfer!r}")
    return np.round(rgb * float(2**output_bits - 1))


def demosaic_linear(linear: np.ndarray, pattern: str, algorithm: str) -> np.ndarray:
    """DEMOSAIC[algorithm] of the linear frame, reusing the last result of
    the same algorithm on the same frame and pattern."""
    key = hashlib.sha256(linear.tobytes() + pattern.upper().encode()).digest()
    cached = _LAST_DEMOSAIC.get(algorithm)
    if cached is None or cached[0] != key:
        cached = (key, DEMOSAIC[algorithm](linear, pattern.upper()))
        _LAST_DEMOSAIC[algorithm] = cached
    return cached[1]
