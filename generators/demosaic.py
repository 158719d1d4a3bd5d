"""`demosaic_<algorithm>_<u8|u16>`: Bayer mosaic (x, y) -> RGB image (c, x, y).

Coordinates follow the Rust side's convention: ndarray's last axis is Halide
dimension 0. A raw frame of shape (H, W) is the Halide buffer input(x, y); an
RGB image of shape (H, W, 3) is output(c, x, y), so an interleaved image has
stride 1 in c and a planar one stride 1 in x. Both are specialized.

The CFA pattern is a runtime argument: (red_x, red_y) is the position of the
red sample inside the 2x2 tile at the top-left corner of the input
(RGGB = (0, 0), GRBG = (1, 0), GBRG = (0, 1), BGGR = (1, 1)).

How: coordinates are shifted by (red_x, red_y) so the pattern is RGGB and
split into four quarter-resolution planes (r, gr, gb, b); each algorithm is
written once, per 2x2 tile, on those planes (as in Halide's apps/camera_pipe).
The schedule specializes each pattern, so in the fast paths every pixel's
colour is a compile-time fact and nothing selects per pixel.

Borders are handled by mirroring about the edge pixel without repeating it
(Halide's `mirror_interior`, scipy's mode "mirror"): the mirrored sample has
the colour of the sample it copies, so the pattern continues past the edges.
"""

import halide as hl

from common import allow_any_stride

ALGORITHMS = ("bilinear",)

# Rows per parallel strip of the output.
STRIP = 32


def mean2(a, b):
    return (a + b + 1) >> 1


def mean4(a, b, c, d):
    return (a + b + c + d + 2) >> 2


def bilinear(r, gr, gb, b, x, y):
    """Per-tile bilinear interpolation (the kernels of colour-demosaicing's
    `demosaicing_CFA_Bayer_bilinear`). Returns the (R, G, B) of the four pixels
    of tile (x, y), in the order of positions (0, 0), (1, 0), (0, 1), (1, 1)."""
    at_r = (r[x, y], mean4(gr[x, y], gr[x - 1, y], gb[x, y], gb[x, y - 1]),
            mean4(b[x, y], b[x - 1, y], b[x, y - 1], b[x - 1, y - 1]))
    at_gr = (mean2(r[x, y], r[x + 1, y]), gr[x, y], mean2(b[x, y], b[x, y - 1]))
    at_gb = (mean2(r[x, y], r[x, y + 1]), gb[x, y], mean2(b[x, y], b[x - 1, y]))
    at_b = (mean4(r[x, y], r[x + 1, y], r[x, y + 1], r[x + 1, y + 1]),
            mean4(gr[x, y], gr[x, y + 1], gb[x, y], gb[x + 1, y]), b[x, y])
    return at_r, at_gr, at_gb, at_b


@hl.generator(name="demosaic")
class Demosaic(hl.Generator):
    algorithm = hl.GeneratorParam("bilinear")

    # Sample type (uint8 or uint16) chosen per build: input.type=... output.type=...
    input = hl.InputBuffer(None, 2)
    red_x = hl.InputScalar(hl.Int(32))
    red_y = hl.InputScalar(hl.Int(32))
    output = hl.OutputBuffer(None, 3)

    def generate(self):
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {self.algorithm!r}")
        sample = self.input.type()
        if sample not in (hl.UInt(8), hl.UInt(16)) or self.output.type() != sample:
            raise ValueError("input.type and output.type must both be uint8 or both uint16")
        # Sums of four samples need two more bits than a sample.
        wide = hl.UInt(16) if sample == hl.UInt(8) else hl.UInt(32)
        c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")

        # The widened mosaic with mirrored borders.
        mosaic = hl.Func("mosaic")
        mosaic[x, y] = hl.cast(wide, hl.BoundaryConditions.mirror_interior(self.input)[x, y])

        # Coordinates shifted so that the pattern is RGGB: tile (tx, ty) covers
        # shifted pixels (2tx, 2ty) .. (2tx + 1, 2ty + 1).
        sx, sy = x - self.red_x, y - self.red_y

        def plane(dx, dy):
            def sample(tx, ty):
                return mosaic[2 * tx + dx + self.red_x, 2 * ty + dy + self.red_y]
            return _Plane(sample)

        tile_values = bilinear(plane(0, 0), plane(1, 0), plane(0, 1), plane(1, 1), sx // 2, sy // 2)
        even_x, even_y = (sx % 2) == 0, (sy % 2) == 0
        self.output[c, x, y] = hl.cast(sample, hl.mux(c, [
            hl.select(even_y, hl.select(even_x, tile_values[0][k], tile_values[1][k]),
                      hl.select(even_x, tile_values[2][k], tile_values[3][k]))
            for k in range(3)
        ]))

        # The Rust side always passes buffers whose coordinates start at 0.
        allow_any_stride(self.input, self.output)
        for dim in range(2):
            self.input.dim(dim).set_min(0)
        out_buffer = self.output.output_buffer()
        out_buffer.dim(0).set_bounds(0, 3)
        out_buffer.dim(1).set_min(0)
        out_buffer.dim(2).set_min(0)

        self.schedule(mosaic, c, x, y, sample)

    def schedule(self, mosaic, c, x, y, sample):
        vector = self.natural_vector_size(sample)
        yo, yi, ypair, yparity = hl.Var("yo"), hl.Var("yi"), hl.Var("ypair"), hl.Var("yparity")
        xpair, xparity = hl.Var("xpair"), hl.Var("xparity")
        out = self.output
        out.split(y, yo, yi, STRIP, hl.TailStrategy.GuardWithIf).parallel(yo)
        # One loop body for full and partial strips: the guard costs one
        # comparison per row, a second copy of every fast path costs code size.
        out.partition(yo, hl.Partition.Never)

        # The widened, mirrored mosaic: a line buffer per strip, so the boundary
        # logic runs once per sample and the tiles read it densely.
        mosaic.compute_at(out, yo).vectorize(x, vector, hl.TailStrategy.RoundUp)

        # Fast paths: interleaved (c innermost in memory) or planar (x innermost)
        # output, times the four patterns. With the pattern fixed and the output
        # starting at 0, the colour of each lane of a vector is known at compile
        # time: no per-pixel selects, just dense loads and shuffles.
        out_buffer = out.output_buffer()
        out.reorder(c, x, yi, yo).unroll(c)
        for dense_axis in (0, 1):
            layout = out_buffer.dim(dense_axis).stride() == 1
            for red_x in (0, 1):
                for red_y in (0, 1):
                    fast = out.specialize(layout & (self.red_x == red_x) & (self.red_y == red_y))
                    fast.vectorize(x, vector, hl.TailStrategy.GuardWithIf)
        # Anything else (a CFA position outside 0..1, an unusual layout) takes
        # the general, scalar path: correct, not fast.


class _Plane:
    """A quarter-resolution colour plane, indexable as plane[tx, ty]."""

    def __init__(self, sample):
        self._sample = sample

    def __getitem__(self, key):
        return self._sample(*key)


if __name__ == "__main__":
    hl.main()
