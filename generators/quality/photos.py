"""Test images and metrics shared by the quality scripts in this folder."""

import numpy as np

# Pixels this close to an edge are left out of every comparison: the
# reference implementation handles borders differently.
BORDER = 10


def photos() -> dict[str, np.ndarray]:
    """scikit-image's bundled photographs (public domain / CC0), RGB uint8;
    they load offline after `pip install scikit-image`."""
    from skimage import data

    return {
        "astronaut": data.astronaut(),
        "chelsea": data.chelsea(),
        "coffee": data.coffee(),
        "motorcycle_left": data.stereo_motorcycle()[0],
        "rocket": data.rocket(),
    }


def mosaic(rgb: np.ndarray, pattern: str = "rggb") -> np.ndarray:
    """The CFA samples of `rgb` for `pattern` (the 2x2 tile, row by row)."""
    channel = {"r": 0, "g": 1, "b": 2}
    raw = np.empty(rgb.shape[:2], dtype=rgb.dtype)
    for index, letter in enumerate(pattern.lower()):
        dy, dx = divmod(index, 2)
        raw[dy::2, dx::2] = rgb[dy::2, dx::2, channel[letter]]
    return raw


def interior(image: np.ndarray) -> np.ndarray:
    return image[BORDER:-BORDER, BORDER:-BORDER]


def psnr(result: np.ndarray, truth: np.ndarray, peak: float = 255.0) -> float:
    """PSNR over the interior, in units where `peak` is full scale."""
    error = interior(result).astype(np.float64) - interior(truth).astype(np.float64)
    return 10 * np.log10(peak**2 / np.mean(error**2))
