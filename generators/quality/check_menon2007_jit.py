#!/usr/bin/env python3
"""Validate `demosaic_menon2007.menon2007` against colour-demosaicing.

JIT-compiles the Halide definition (no AOT) and compares it with
`colour_demosaicing.demosaicing_CFA_Bayer_Menon2007(mosaic, "RGGB")` (refining
step on) on scikit-image's bundled photos, mosaicked as RGGB:

* per image, the PSNR against the true photo of ours (rounded, clamped) and of
  colour's (rounded, clipped), and the fraction of interior pixels whose three
  channels are all within 2 of colour's;
* the stages before the refining step, which must equal colour's
  `refining_step=False` output exactly (the decision included), on a photo and
  on full-range 16-bit noise;
* that the per-strip schedule (strips of 32 rows, every stage computed per
  strip) gives the same bytes as a compute_root schedule;
* that the 8-bit archives' arithmetic, Int(16) fixed point, gives the same
  bytes as float32 (every stage holds the same integers);
* a 16-bit run (the photo * 257), where only the PSNR is asserted.

A border of 10 pixels is excluded everywhere: colour zero-pads its 5x5
classifier where we mirror, which changes results within 6 pixels of an edge.

Needs: halide==21.0.0 colour-demosaicing==0.2.7 scikit-image scipy numpy.
Exits non-zero if a check fails. Takes about ten seconds on two cores.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import halide as hl
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from demosaic_menon2007 import CHROMA, GREEN, menon2007  # noqa: E402
from photos import BORDER, interior, mosaic, photos, psnr  # noqa: E402

STRIP = 32
VECTOR = 16
# Our PSNR may trail colour's by this much (float32 vs float64 rounding).
PSNR_SLACK = 0.05
# Fraction of interior pixels whose channels must all be within 2 of colour's.
MIN_AGREEMENT = 0.99


def colour_menon(raw, refining_step=True):
    # colour-science warns about optional packages on import; irrelevant here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from colour_demosaicing import demosaicing_CFA_Bayer_Menon2007
        return demosaicing_CFA_Bayer_Menon2007(raw.astype(np.float64), "RGGB",
                                               refining_step=refining_step)


def psnr8(ours, truth):
    """PSNR of an image in 8-bit units (possibly fractional) against an 8-bit one."""
    return psnr(ours, truth, 255.0)


def to_halide(raw):
    # Halide's Python Buffer reverses axes: numpy's last axis (columns) is x.
    return hl.Buffer(np.ascontiguousarray(raw))


def split_mosaic(source, wide):
    """The mirrored mosaic as menon2007 reads it: columns(tx, p, y) is pixel
    (2 tx + p, y)."""
    tx, p, y = hl.Var("tx"), hl.Var("p"), hl.Var("y")
    columns = hl.Func("columns")
    columns[tx, p, y] = hl.cast(wide, hl.BoundaryConditions.mirror_interior(source)[2 * tx + p, y])
    return columns


def full_resolution(values, tx, ty):
    """rgb(c, x, y) from menon2007's per-site values of tile (tx, ty)."""
    c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")
    per_tile = hl.Func("per_tile")
    dx, dy = hl.Var("dx"), hl.Var("dy")
    per_tile[c, dx, dy, tx, ty] = hl.mux(c, [
        hl.select(dy == 0, hl.select(dx == 0, values[0][k], values[1][k]),
                  hl.select(dx == 0, values[2][k], values[3][k]))
        for k in range(3)])
    rgb = hl.Func("rgb")
    rgb[c, x, y] = per_tile[c, x % 2, y % 2, x // 2, y // 2]
    return rgb


class Demosaic:
    """A JIT-compiled Menon pipeline for one sample type, arithmetic (`wide`:
    Float(32), or Int(16) for 8-bit samples) and schedule. The raw frame is an
    ImageParam, so one compilation serves every image."""

    def __init__(self, sample, schedule, wide=hl.Float(32)):
        self.sample = sample
        self.raw = hl.ImageParam(sample, 2, "raw")
        columns = split_mosaic(self.raw, wide)
        values, stages = menon2007(columns, wide)
        tx = columns.args()[0]
        rgb = full_resolution(values, tx, hl.Var("ty"))
        c, x, y = rgb.args()
        out = hl.Func("out")
        out[c, x, y] = hl.cast(sample, hl.clamp(hl.round(rgb[c, x, y]), 0.0, float(2 ** sample.bits() - 1)))

        out.bound(c, 0, 3).reorder(c, x, y).unroll(c)
        producers = [columns] + stages
        if schedule == "root":
            for f in producers:
                f.compute_root().vectorize(f.args()[0], VECTOR)
            out.parallel(y).vectorize(x, VECTOR)
        elif schedule == "strips":
            # What the AOT generator does: parallel strips of rows, every
            # stage computed per strip, vectorized in tx, its sites unrolled.
            yo, yi = hl.Var("yo"), hl.Var("yi")
            out.split(y, yo, yi, STRIP, hl.TailStrategy.GuardWithIf).parallel(yo)
            out.vectorize(x, VECTOR, hl.TailStrategy.GuardWithIf)
            for f in producers:
                f.compute_at(out, yo).vectorize(f.args()[0], VECTOR).bound(f.args()[1], 0, 2).unroll(f.args()[1])
        else:
            raise ValueError(schedule)
        self.out = out

        start = time.perf_counter()
        out.compile_jit(hl.get_jit_target_from_environment())
        self.compile_seconds = time.perf_counter() - start

    def __call__(self, raw):
        assert raw.dtype == np.dtype(f"uint{self.sample.bits()}")
        height, width = raw.shape
        self.raw.set(to_halide(raw))
        result = hl.Buffer(self.sample, [3, width, height])
        start = time.perf_counter()
        self.out.realize(result)
        seconds = time.perf_counter() - start
        # Reversed back: Halide (c, x, y) is numpy (y, x, c).
        return np.array(result), seconds


def check_axes():
    """Our image must come back as (H, W, 3) with R, G, B in order, on a frame
    whose two dimensions differ (so a transposition cannot go unnoticed)."""
    img = np.zeros((24, 64, 3), np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = 200, 100, 30
    img[:, 32:] += 20  # a vertical edge: columns differ, rows do not
    ours, _ = Demosaic(hl.UInt(8), "root")(mosaic(img))
    assert ours.shape == img.shape, ours.shape
    assert np.array_equal(interior(ours)[:, :5], interior(img)[:, :5]), "flat colours not reproduced (axis or channel order?)"
    assert np.array_equal(interior(ours)[:, -5:], interior(img)[:, -5:]), "flat colours not reproduced (axis or channel order?)"


def at_pixels(plane, sites, shape):
    """A stage realized over tiles, numpy (ty, site, tx), as a full-resolution
    array holding its values at its sites' pixels (NaN elsewhere)."""
    full = np.full(shape, np.nan)
    for index, (px, py) in enumerate(sites):
        rows, columns = full[py::2, px::2].shape
        full[py::2, px::2] = plane[:rows, index, :columns]
    return full


def check_exact_stages(name, raw):
    """Before the refining step everything is exact for integer input, so the
    stages (in their units) must equal colour's refining_step=False output
    bit for bit."""
    _, stages = menon2007(split_mosaic(to_halide(raw), hl.Float(32)), hl.Float(32))
    # Halide suffixes repeated Func names ("menon_diff0$1"): match the stem.
    by_name = {f.name().split("$")[0]: f for f in stages}
    # name: (sites, units per sample)
    wanted = {"menon_diff0": (CHROMA, 4), "menon_diff0_h": (GREEN, 8), "menon_diff0_v": (GREEN, 8),
              "menon_rb_chroma": (CHROMA, 48)}
    for f in stages:
        f.compute_root()
    height, width = raw.shape
    realized = hl.Pipeline([by_name[n] for n in wanted]).realize([(width + 1) // 2, 2, (height + 1) // 2])
    diff0, diff0_h, diff0_v, rb = (
        interior(at_pixels(np.array(b).astype(np.float64), sites, raw.shape)) / units
        for b, (sites, units) in zip(realized, wanted.values()))

    ref = colour_menon(raw, refining_step=False)
    r0, g0, b0 = (interior(ref[..., k]) for k in range(3))
    m = interior(raw).astype(np.float64)
    ys, xs = np.indices(m.shape) + BORDER
    red, blue = (xs % 2 == 0) & (ys % 2 == 0), (xs % 2 == 1) & (ys % 2 == 1)
    gr, gb = (xs % 2 == 1) & (ys % 2 == 0), (xs % 2 == 0) & (ys % 2 == 1)
    chroma = red | blue
    checks = {
        # The decision picks G_H or G_V: m - G at chroma sites.
        "green (decision)": (diff0[chroma], (m - g0)[chroma]),
        "red at greens": (np.where(gr, diff0_h, diff0_v)[gr | gb], (r0 - m)[gr | gb]),
        "blue at greens": (np.where(gr, diff0_v, diff0_h)[gr | gb], (b0 - m)[gr | gb]),
        "red - blue at chroma sites": (rb[chroma], (r0 - b0)[chroma]),
    }
    ok = True
    for what, (ours, theirs) in checks.items():
        bad = np.count_nonzero(ours != theirs)
        if bad:
            ok = False
            print(f"  {name}: {what}: {bad} of {ours.size} sites differ "
                  f"(max {np.max(np.abs(ours - theirs)):.3g})")
    print(f"  {name}: stages before refinement {'identical' if ok else 'DIFFER'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--u16-all", action="store_true",
                        help="run the 16-bit comparison on every photo, not just the first")
    args = parser.parse_args()

    ok = True
    check_axes()
    images = photos()
    first = next(iter(images))

    print("Stages before the refining step vs colour (refining_step=False):")
    ok &= check_exact_stages(f"{first} 8-bit", mosaic(images[first]))
    noise = np.random.default_rng(2007).integers(0, 65536, (96, 128), dtype=np.uint16)
    ok &= check_exact_stages("16-bit noise", noise)

    root8, strips8 = Demosaic(hl.UInt(8), "root"), Demosaic(hl.UInt(8), "strips")
    strips16 = Demosaic(hl.UInt(16), "strips")
    fixed8 = Demosaic(hl.UInt(8), "strips", hl.Int(16))
    print(f"JIT compile: {root8.compile_seconds:.1f} s (compute_root), "
          f"{strips8.compile_seconds:.1f} s (strips, 8-bit), "
          f"{strips16.compile_seconds:.1f} s (strips, 16-bit)")

    print(f"\n8-bit, interior (border {BORDER} px excluded):")
    print(f"{'image':<16} {'size':>9} {'ours dB':>8} {'colour dB':>9} {'agree<=2':>9} "
          f"{'exact':>7} {'max':>4} {'ours ms':>8} {'colour s':>8}")
    for name, img in images.items():
        raw = mosaic(img)
        ours, _ = strips8(raw)
        ours_root, _ = root8(raw)
        ours_fixed, _ = fixed8(raw)
        _, seconds = strips8(raw)  # warm
        start = time.perf_counter()
        ref = colour_menon(raw)
        colour_seconds = time.perf_counter() - start
        theirs = np.clip(np.round(ref), 0, 255)

        diff = np.abs(interior(ours).astype(np.float64) - interior(theirs))
        agree = np.mean(np.all(diff <= 2, axis=-1))
        exact = np.mean(diff == 0)
        ours_db, theirs_db = psnr8(ours, img), psnr8(theirs, img)
        same_schedule = np.array_equal(ours, ours_root)
        # Int(16) stages hold exactly the float32 stages' integer values.
        same_arithmetic = np.array_equal(ours, ours_fixed)
        print(f"{name:<16} {img.shape[1]:>4}x{img.shape[0]:<4} {ours_db:8.3f} {theirs_db:9.3f} "
              f"{100 * agree:8.3f}% {100 * exact:6.2f}% {diff.max():4.0f} "
              f"{1000 * seconds:8.1f} {colour_seconds:8.2f}"
              + ("" if same_schedule else "  strips != compute_root!")
              + ("" if same_arithmetic else "  Int(16) != Float(32)!"))
        ok &= same_schedule and same_arithmetic and ours_db >= theirs_db - PSNR_SLACK and agree >= MIN_AGREEMENT

    print("\n16-bit (photo * 257); PSNR in 8-bit terms, agreement in 16-bit units:")
    print(f"{'image':<16} {'ours dB':>8} {'colour dB':>9} {'agree<=2':>9} {'agree<=257':>10} {'max':>5}")
    for name, img in images.items() if args.u16_all else [(first, images[first])]:
        raw = mosaic(img).astype(np.uint16) * 257
        ours, _ = strips16(raw)
        theirs = np.clip(np.round(colour_menon(raw)), 0, 65535)
        diff = np.abs(interior(ours).astype(np.float64) - interior(theirs))
        ours_db, theirs_db = psnr8(ours / 257, img), psnr8(theirs / 257, img)
        print(f"{name:<16} {ours_db:8.3f} {theirs_db:9.3f} "
              f"{100 * np.mean(np.all(diff <= 2, axis=-1)):8.3f}% "
              f"{100 * np.mean(np.all(diff <= 257, axis=-1)):9.3f}% {diff.max():5.0f}")
        ok &= ours_db >= theirs_db - PSNR_SLACK

    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
