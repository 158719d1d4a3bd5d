#!/usr/bin/env python3
"""Validate `demosaic_mlri.mlri` (Halide, float32) against the NumPy oracle
`mlri.demosaic_mlri` (float64).

JIT-compiles the Halide definition (no AOT; every stage compute_root, which is
a prototype's schedule, not a fast one) and compares, on scikit-image's bundled
photos mosaicked as RGGB (8-bit), the rounded, clamped outputs:

* per image, the fraction of interior samples (10-pixel border excluded) within
  1 of the oracle's (target >= 99.9%), exactly equal, the largest difference,
  the same over the whole frame (borders included: both mirror the mosaic),
  and both PSNRs against the true photo;
* one GRBG and one BGGR run through the same shift to RGGB that `demosaic.py`
  applies (coordinates offset by the red sample's position);
* that a per-strip schedule (the generator's shape) gives the same bytes as
  compute_root when both are compiled with strict_float (without it, LLVM's
  FMA fusion differs between the schedules: reported);
* small and odd frames (2x2 up), every sample within 1;
* one 16-bit run (the photo * 257, eps scaled by 257^2 by both), reported in
  16-bit LSB, not asserted;
* that demosaic_mlri's default constants are the oracle's.

With --time-generator instead: plugs mlri into demosaic.py's staged path in
memory (the file is not changed) and times the generator's own schedule, JIT,
on a 12 MP frame, beside Menon2007.

Needs: halide==21.0.0 scikit-image numpy (and the oracle's requirements).
Exits non-zero if an image misses the target.
"""

import dataclasses
import sys
import time
from pathlib import Path

import halide as hl
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from demosaic_mlri import CONSTANTS, mlri  # noqa: E402
from mlri import DEFAULT, PATTERNS, demosaic_mlri, held_out_photos, to8  # noqa: E402
from photos import interior, mosaic, photos, psnr  # noqa: E402

MIN_AGREEMENT = 0.999
VECTOR = 8
STRIP = 64


class Demosaic:
    """A JIT-compiled MLRI pipeline for 8-bit samples and one CFA pattern."""

    def __init__(self, pattern="rggb", constants=CONSTANTS, sample=hl.UInt(8), schedule="root", strict=False):
        self.sample = sample
        peak = float(2 ** sample.bits() - 1)
        self.raw = hl.ImageParam(sample, 2, "raw")
        red_x, red_y = PATTERNS[pattern]
        c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")
        mirrored = hl.BoundaryConditions.mirror_interior(self.raw)
        shifted = hl.Func("shifted")
        shifted[x, y] = hl.cast(hl.Float(32), mirrored[x + red_x, y + red_y])
        rgb, stages = mlri(shifted, hl.Float(32), constants, peak)
        out = hl.Func("out")
        out[c, x, y] = hl.cast(sample, hl.clamp(hl.round(rgb[c, x - red_x, y - red_y]), 0.0, peak))
        out.bound(c, 0, 3).reorder(c, x, y).unroll(c)
        if schedule == "root":
            out.parallel(y).vectorize(x, VECTOR, hl.TailStrategy.GuardWithIf)
            for f in [shifted] + stages:
                f.compute_root().parallel(y).vectorize(x, VECTOR)
        elif schedule == "strips":
            # The shape of the generator's staged schedule: parallel strips
            # of rows, every stage computed per strip, vectorized in x.
            yo, yi = hl.Var("yo"), hl.Var("yi")
            out.split(y, yo, yi, STRIP, hl.TailStrategy.GuardWithIf).parallel(yo)
            out.vectorize(x, VECTOR, hl.TailStrategy.GuardWithIf)
            for f in [shifted] + stages:
                f.compute_at(out, yo).vectorize(x, VECTOR)
        else:
            raise ValueError(schedule)
        self.out = out
        start = time.perf_counter()
        target = hl.get_jit_target_from_environment()
        if strict:
            target = target.with_feature(hl.TargetFeature.StrictFloat)
        out.compile_jit(target)
        self.compile_seconds = time.perf_counter() - start

    def __call__(self, raw):
        height, width = raw.shape
        self.raw.set(hl.Buffer(np.ascontiguousarray(raw)))
        result = hl.Buffer(self.sample, [3, width, height])
        start = time.perf_counter()
        self.out.realize(result)
        return np.array(result), time.perf_counter() - start


def compare(name, img, pipeline, pattern, ok_so_far):
    raw = mosaic(img, pattern)
    ours, seconds = pipeline(raw)
    oracle = to8(demosaic_mlri(raw, pattern))
    diff = np.abs(ours.astype(np.int16) - oracle.astype(np.int16))
    within = np.mean(interior(diff) <= 1)
    within_all = np.mean(diff <= 1)
    exact = np.mean(interior(diff) == 0)
    print(f"{name:<22} {pattern:<5} {100 * within:8.3f}% {100 * within_all:8.3f}% {100 * exact:8.4f}% "
          f"{interior(diff).max():4d} {psnr(ours, img):8.2f} {psnr(oracle, img):8.2f} {1000 * seconds:7.0f}")
    return ok_so_far and within >= MIN_AGREEMENT


def time_generator(algorithms=("menon2007", "mlri")):
    """Plug mlri into demosaic.py's staged path in memory (demosaic.py itself
    is unchanged) and time the generator's own schedule, JIT-compiled, on a
    12 MP u8 RGGB frame (astronaut tiled), interleaved output, all threads;
    Menon2007 through the same path for scale."""
    import demosaic

    demosaic.STAGED_ALGORITHMS.setdefault("mlri", mlri)
    demosaic.ALGORITHMS = (*demosaic.TILE_ALGORITHMS, *demosaic.STAGED_ALGORITHMS)
    img = photos()["astronaut"]
    raw = np.ascontiguousarray(mosaic(np.tile(img, (6, 8, 1))[:3000, :4000]))
    out = np.empty((3000, 4000, 3), np.uint8)
    for algorithm in algorithms:
        with hl.GeneratorContext(hl.get_jit_target_from_environment()):
            gen = demosaic.Demosaic({"algorithm": algorithm, "layout": "interleaved",
                                     "input.type": "uint8", "output.type": "uint8"})
            start = time.perf_counter()
            pipeline = gen.compile_to_callable()
            compile_seconds = time.perf_counter() - start
        source, result = hl.Buffer(raw), hl.Buffer(out)
        pipeline(source, 0, 0, result)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            pipeline(source, 0, 0, result)
            runs.append(time.perf_counter() - start)
        print(f"generator schedule, {algorithm}: compile {compile_seconds:.1f} s, "
              f"12 MP u8 interleaved, all threads: {1000 * min(runs):.0f} ms (best of 3)")
        if algorithm == "mlri":
            oracle = to8(demosaic_mlri(raw[:512, :512], "rggb"))
            diff = np.abs(np.asarray(out)[:400, :400].astype(np.int16) - oracle[:400, :400])
            print(f"  its top-left 400x400 vs the oracle (on the 512x512 crop): "
                  f"{100 * np.mean(diff <= 1):.3f}% within 1")


def main():
    if "--time-generator" in sys.argv[1:]:
        time_generator()
        return 0
    ok = dataclasses.asdict(CONSTANTS) == dataclasses.asdict(DEFAULT)
    if not ok:
        print(f"demosaic_mlri.CONSTANTS {CONSTANTS} are not the oracle's {DEFAULT}")
    rggb = Demosaic("rggb")
    print(f"JIT compile {rggb.compile_seconds:.1f} s")
    print(f"{'image':<22} {'cfa':<5} {'<=1 int':>9} {'<=1 all':>9} {'exact':>9} {'max':>4} "
          f"{'ours dB':>8} {'oracle':>8} {'ms':>7}")
    images = {**photos(), **held_out_photos()}
    for name, img in images.items():
        ok = compare(name, img, rggb, "rggb", ok)
    first = next(iter(images))
    # Halide lets LLVM fuse multiplies and adds (FMA) unless the target has
    # strict_float, and differently vectorized loops fuse differently: so the
    # per-strip and compute_root schedules are compared with strict_float
    # (they must then agree to the bit), and without it the differing share
    # is reported.
    raw = mosaic(images[first])
    root_strict = Demosaic("rggb", strict=True)(raw)[0]
    strips_strict = Demosaic("rggb", schedule="strips", strict=True)(raw)[0]
    strips = Demosaic("rggb", schedule="strips")
    loose = np.abs(strips(raw)[0].astype(np.int16) - rggb(raw)[0].astype(np.int16))
    same = np.array_equal(strips_strict, root_strict)
    print(f"{first}: per-strip schedule ({STRIP} rows) vs compute_root: strict_float "
          f"{'identical' if same else 'DIFFER'}; without, {np.count_nonzero(loose)} of {loose.size} "
          f"samples differ (max {loose.max()}); strips {1000 * strips(raw)[1]:.0f} ms")
    ok = ok and same
    for pattern in ("grbg", "bggr"):
        ok = compare(first, images[first], Demosaic(pattern), pattern, ok)
    # Small and odd frames (both mirror about the edge samples, also when the
    # mirror has to fold more than once).
    bggr = Demosaic("bggr")
    worst = 0
    for height, width in ((2, 2), (3, 5), (7, 9), (33, 17)):
        for pattern, pipeline in (("rggb", rggb), ("bggr", bggr)):
            raw = mosaic(images[first][200:200 + height, 200:200 + width], pattern)
            diff = np.abs(pipeline(raw)[0].astype(np.int16) - to8(demosaic_mlri(raw, pattern)))
            worst = max(worst, int(diff.max()))
    print(f"frames 2x2, 3x5, 7x9, 33x17 (rggb, bggr): largest difference {worst}")
    ok = ok and worst <= 1

    # 16 bits: both scale eps by (65535 / 255)^2.
    raw16 = mosaic(images[first]).astype(np.uint16) * 257
    ours16, _ = Demosaic("rggb", sample=hl.UInt(16))(raw16)
    oracle16 = np.clip(np.round(demosaic_mlri(raw16, "rggb", peak=65535.0)), 0, 65535)
    diff16 = interior(np.abs(ours16.astype(np.float64) - oracle16))
    print(f"\n16-bit {first}: within 1: {100 * np.mean(diff16 <= 1):.3f}%, within 2: "
          f"{100 * np.mean(diff16 <= 2):.3f}%, within 257 (1 LSB of 8 bits): "
          f"{100 * np.mean(diff16 <= 257):.3f}%, max {diff16.max():.0f}")
    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
