#!/usr/bin/env python3
"""Check `demosaic_malvar2004.malvar2004` against colour-demosaicing, JIT only.

Needs halide==21.0.0, colour-demosaicing==0.2.7, scikit-image, scipy, numpy.
Runs the per-tile function through a small JIT pipeline (RGGB, mirrored
borders, as the AOT generator wraps it) on scikit-image's photos, mosaicked
as RGGB, in uint8 and in uint16 (photo * 257), and compares with
`demosaicing_CFA_Bayer_Malvar2004` rounded to nearest and clipped.

Borders: colour convolves with scipy's default mode "reflect", which repeats
the edge pixel and so puts, e.g., a green sample where a red one belongs; the
generator mirrors without repeating (mode "mirror"), which keeps the pattern.
The two differ within 2 pixels of the edges. The border is therefore also
compared with colour run on the mosaic padded by numpy's "reflect" (scipy's
"mirror"): an even padding keeps the pattern, and colour's own border
handling then only touches the padding.
"""

import sys
import time
from pathlib import Path

import warnings

import halide as hl
import numpy as np

# colour warns on import when matplotlib is missing; it is not needed here.
warnings.filterwarnings("ignore", message=".*Matplotlib.*")
from colour_demosaicing import demosaicing_CFA_Bayer_Malvar2004

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from demosaic_malvar2004 import malvar2004  # noqa: E402
from photos import BORDER, mosaic, photos  # noqa: E402

# Colour's filters reach 2 pixels.
PAD = 2
MIN_AGREEMENT = 99.9  # % of interior samples within 1 of colour

SAMPLE_TYPES = {
    np.uint8: (hl.UInt(8), hl.Int(16)),
    np.uint16: (hl.UInt(16), hl.Int(32)),
}


class Malvar:
    """The JIT pipeline for one sample type: raw (H, W) -> RGB (H, W, 3)."""

    def __init__(self, dtype):
        self.dtype = dtype
        sample, wide = SAMPLE_TYPES[dtype]
        self.sample = sample
        self.input = hl.ImageParam(sample, 2, "raw")
        c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")

        mosaic = hl.Func("mosaic")
        mosaic[x, y] = hl.cast(wide, hl.BoundaryConditions.mirror_interior(self.input)[x, y])

        def plane(dx, dy):
            return _Plane(lambda tx, ty: mosaic[2 * tx + dx, 2 * ty + dy])

        tiles = malvar2004(plane, x // 2, y // 2, wide)
        even_x, even_y = x % 2 == 0, y % 2 == 0
        limit = np.iinfo(dtype).max
        self.output = hl.Func("rgb")
        self.output[c, x, y] = hl.cast(sample, hl.clamp(hl.mux(c, [
            hl.select(even_y, hl.select(even_x, tiles[0][k], tiles[1][k]),
                      hl.select(even_x, tiles[2][k], tiles[3][k]))
            for k in range(3)
        ]), 0, limit))

        # Just enough schedule to keep the checks quick.
        mosaic.compute_root()
        self.output.reorder(c, x, y).unroll(c, 3).parallel(y)
        start = time.perf_counter()
        self.output.compile_jit(hl.get_jit_target_from_environment())
        self.compile_seconds = time.perf_counter() - start

    def __call__(self, raw):
        assert raw.dtype == self.dtype
        height, width = raw.shape
        self.input.set(hl.Buffer(np.ascontiguousarray(raw)))
        out = hl.Buffer(self.sample, [3, width, height])
        self.output.realize(out)
        # The Python binding reverses the axes: Halide (c, x, y) is numpy (y, x, c).
        return np.asarray(out).copy()


class _Plane:
    def __init__(self, sample):
        self._sample = sample

    def __getitem__(self, key):
        return self._sample(*key)


def colour_float(raw, pad=0):
    """colour's Malvar2004 of `raw`; with `pad`, run on the mosaic mirrored by
    `pad` pixels (scipy's "mirror") and cropped back."""
    mosaic = raw.astype(np.float64)
    if pad:
        mosaic = np.pad(mosaic, pad, mode="reflect")
    rgb = demosaicing_CFA_Bayer_Malvar2004(mosaic, "RGGB")
    return rgb[pad:-pad, pad:-pad] if pad else rgb


def to_samples(rgb, dtype, ties_up=False):
    """Round to nearest (ties to even as numpy does, or up as the integer
    filters do) and clip to `dtype`."""
    rounded = np.floor(rgb + 0.5) if ties_up else np.round(rgb)
    return np.clip(rounded, 0, np.iinfo(dtype).max).astype(dtype)


def border_mask(shape):
    mask = np.ones(shape[:2], bool)
    mask[BORDER:-BORDER, BORDER:-BORDER] = False
    return mask


def psnr_8bit(rgb, truth, scale):
    """PSNR of `rgb / scale` against the 8-bit truth, border excluded."""
    inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    error = rgb[inner].astype(np.float64) / scale - truth[inner].astype(np.float64)
    return 10 * np.log10(255.0 ** 2 / np.mean(error ** 2))


def check_axes(run):
    """On a non-square mosaic, each pixel keeps its own sample in its own channel."""
    height, width = 6, 10
    raw = (np.arange(height * width).reshape(height, width) * 3 % 251).astype(run.dtype)
    rgb = run(raw)
    assert rgb.shape == (height, width, 3), rgb.shape
    channel = np.ones((height, width), int)
    channel[0::2, 0::2] = 0
    channel[1::2, 1::2] = 2
    own = np.take_along_axis(rgb, channel[..., None], axis=2)[..., 0]
    assert np.array_equal(own, raw), "axis order"


def check_flat(run, values):
    for value in values:
        raw = np.full((12, 14), value, run.dtype)
        rgb = run(raw)
        assert np.all(rgb == value), f"flat field {value}: got {np.unique(rgb)}"


def check_extremes(run):
    """Random 0-or-maximum mosaics drive every filter to its largest and
    smallest sums somewhere: a wrap-around in the wide type would show up as a
    mismatch with colour (which, with dyadic weights, agrees exactly when its
    ties round up)."""
    limit = np.iinfo(run.dtype).max
    raw = np.random.default_rng(2004).choice([0, limit], (256, 258)).astype(run.dtype)
    colour = colour_float(raw, PAD)
    expected = to_samples(colour, run.dtype, ties_up=True)
    assert np.array_equal(run(raw), expected), "0-or-maximum mosaic"
    return colour.min(), colour.max()


def main():
    images = photos()
    failures = []
    psnrs = {"ours": [], "colour": []}
    header = (f"{'image':<16} {'type':<6} {'<=1 %':>8} {'exact %':>8} {'max':>4} "
              f"{'ties-up %':>9} {'border<=1 %':>11} {'mirror %':>8} "
              f"{'PSNR ours':>9} {'colour':>7} {'run ms':>7}")
    runs = {}
    for dtype, flat_values in ((np.uint8, (0, 1, 128, 255)), (np.uint16, (0, 1, 40000, 65535))):
        run = runs[dtype] = Malvar(dtype)
        print(f"{np.dtype(dtype).name}: JIT compile {run.compile_seconds:.2f} s")
        check_axes(run)
        check_flat(run, flat_values)
        low, high = check_extremes(run)
        print(f"{np.dtype(dtype).name}: axis order, flat fields {flat_values}, "
              f"0-or-max mosaic (colour range {low:g} .. {high:g}) OK")
    print()
    print(header)
    for dtype, run in runs.items():
        scale = 1 if dtype == np.uint8 else 257
        for name, photo in images.items():
            raw = mosaic(photo.astype(dtype) * dtype(scale))
            start = time.perf_counter()
            ours = run(raw)
            run_ms = (time.perf_counter() - start) * 1e3
            colour = colour_float(raw)
            reference = to_samples(colour, dtype)
            # colour's filters have dyadic weights, so its float sums are exact
            # and, with ties rounded up, should match ours bit for bit.
            ties_up = to_samples(colour, dtype, ties_up=True)
            mirrored = to_samples(colour_float(raw, PAD), dtype, ties_up=True)

            diff = np.abs(ours.astype(np.int64) - reference)
            mirrored_diff = np.abs(ours.astype(np.int64) - mirrored)
            border = border_mask(raw.shape)
            inner = diff[~border]
            agreement = 100 * np.mean(inner <= 1)
            exact = 100 * np.mean(inner == 0)
            exact_ties_up = 100 * np.mean(ours[~border] == ties_up[~border])
            border_agreement = 100 * np.mean(diff[border] <= 1)
            mirrored_exact = 100 * np.mean(mirrored_diff == 0)
            psnr_ours = psnr_8bit(ours, photo, scale)
            psnr_colour = psnr_8bit(reference, photo, scale)
            psnrs["ours"].append(psnr_ours)
            psnrs["colour"].append(psnr_colour)
            print(f"{name:<16} {np.dtype(dtype).name:<6} {agreement:8.3f} {exact:8.3f} "
                  f"{inner.max():4d} {exact_ties_up:9.3f} {border_agreement:11.3f} "
                  f"{mirrored_exact:8.3f} {psnr_ours:9.2f} {psnr_colour:7.2f} {run_ms:7.1f}")
            if agreement < MIN_AGREEMENT:
                failures.append(f"{name} {np.dtype(dtype).name}: {agreement:.3f}% within 1")
    print(f"\nmean PSNR: ours {np.mean(psnrs['ours']):.2f} dB, "
          f"colour {np.mean(psnrs['colour']):.2f} dB")
    print(f"Interior (pixels more than {BORDER} px from the edges), vs colour rounded by "
          "numpy: <=1 %, exact %, max |diff|;\n"
          "ties-up %: interior, exactly equal to colour rounded with ties up;\n"
          f"border<=1 %: the {BORDER}-px border, within 1 of plain colour (scipy 'reflect');\n"
          "mirror %: whole image, exactly equal to colour (ties up) on the mirror-padded mosaic.")
    if failures:
        sys.exit("FAIL: " + "; ".join(failures))
    print("OK")


if __name__ == "__main__":
    main()
