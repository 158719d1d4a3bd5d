"""`demosaic_half_<u8|u16>`: Bayer mosaic (x, y) -> half-size RGB (c, x, y).

Output pixel (x, y) is the 2x2 CFA cell at input (2x, 2y): R and B as they
are, G the mean of the cell's two greens rounded half up, (G1 + G2 + 1) >> 1.
The output is (W/2, H/2) rounded down: an odd last column or row is ignored.
No interpolation, so nothing to mirror at the borders: a preview at the cost
of reading the frame once. The CFA pattern is the runtime (red_x, red_y), as
for `demosaic` (demosaic.py).

One archive per sample type; the output layout is specialized inside it
(interleaved, planar and any other), as the stores are the whole schedule.
"""

import halide as hl

from common import allow_any_stride

# Output rows per parallel task (two input rows each).
STRIP = 32


@hl.generator(name="demosaic_half")
class DemosaicHalf(hl.Generator):
    input = hl.InputBuffer(None, 2)
    red_x = hl.InputScalar(hl.Int(32))
    red_y = hl.InputScalar(hl.Int(32))
    output = hl.OutputBuffer(None, 3)

    def generate(self):
        sample = self.input.type()
        if sample not in (hl.UInt(8), hl.UInt(16)) or self.output.type() != sample:
            raise ValueError("input.type and output.type must both be uint8 or both uint16")
        self.red_x.set_range(0, 1)
        self.red_y.set_range(0, 1)
        c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")
        raw = self.input
        left, top = 2 * x, 2 * y
        red = raw[left + self.red_x, top + self.red_y]
        blue = raw[left + 1 - self.red_x, top + 1 - self.red_y]
        green_red_row = raw[left + 1 - self.red_x, top + self.red_y]
        green_blue_row = raw[left + self.red_x, top + 1 - self.red_y]
        green = hl.rounding_halving_add(green_red_row, green_blue_row)
        self.output[c, x, y] = hl.mux(c, [red, green, blue])

        allow_any_stride(self.input, self.output)
        out_buffer = self.output.output_buffer()
        out_buffer.dim(0).set_bounds(0, 3)
        for dim in range(2):
            self.input.dim(dim).set_min(0)
            out_buffer.dim(dim + 1).set_min(0)

        # At most 16 lanes: the cost is the shuffles (a cell's columns apart,
        # three channels interleaved into the stores), and wider vectors
        # shuffle worse than they load. Measured (12 MP, 2 threads, AMD EPYC
        # with AVX-512, microseconds): u8 AVX-512 64 lanes 425, 32 lanes 239,
        # 16 lanes 221; u8 AVX2 32 lanes 312, 16 lanes 200; u16 AVX-512 32
        # lanes 494, 16 lanes 439, 8 lanes 540. SSE4.1 and NEON keep their
        # natural width (16 / 8 lanes).
        vector = min(self.natural_vector_size(sample), 16)
        yo, yi = hl.Var("yo"), hl.Var("yi")
        out = self.output
        out.split(y, yo, yi, STRIP, hl.TailStrategy.GuardWithIf).parallel(yo)
        dense_rows = self.input.dim(0).stride() == 1
        interleaved = dense_rows & (out_buffer.dim(0).stride() == 1) & (out_buffer.dim(1).stride() == 3)
        planar = dense_rows & (out_buffer.dim(1).stride() == 1)
        # Per CFA column phase: the two columns of a cell then load as one
        # dense vector pair, deinterleaved at known offsets.
        for red_x in (0, 1):
            case = out.specialize(interleaved & (self.red_x == red_x))
            case.reorder(c, x, yi, yo).unroll(c)
            case.vectorize(x, vector, hl.TailStrategy.GuardWithIf)
        for red_x in (0, 1):
            case = out.specialize(planar & (self.red_x == red_x))
            case.reorder(x, c, yi, yo).vectorize(x, vector, hl.TailStrategy.GuardWithIf)
        out.reorder(c, x, yi, yo)


if __name__ == "__main__":
    hl.main()
