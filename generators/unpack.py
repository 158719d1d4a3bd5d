"""`unpack`: a packed sensor frame (bytes, rows) -> its samples as uint16 (x, y).

The input is a frame's bytes as a 2-D uint8 buffer: dimension 0 the bytes of a
row (at least the format's row size), dimension 1 the rows (any row stride,
in bytes). `format` indexes packed.FORMATS; the output's width is the frame's
width. Samples come out unscaled (a 12-bit sample is 0..4095).

Each format is a specialization: per group of samples (unrolled), one vector
of groups at a time, so every byte load is a dense load that Halide
deinterleaves (a stride of the group's bytes) and the stores interleave the
group's samples back into dense rows.
"""

import halide as hl

from packed import FORMATS, NAMES, unpacked_expr

# Output rows per parallel task: a 4000-sample row is 8 KB of output and
# 5-7 KB of input, so a strip of 16 rows stays in L1/L2.
STRIP = 16


@hl.generator(name="unpack")
class Unpack(hl.Generator):
    input = hl.InputBuffer(hl.UInt(8), 2)
    format = hl.InputScalar(hl.Int(32))
    output = hl.OutputBuffer(hl.UInt(16), 2)

    def generate(self):
        self.format.set_range(0, len(NAMES) - 1)
        x, y = hl.Var("x"), hl.Var("y")
        # Reads clamped to the row: a bit-stream row ends at its last sample's
        # last byte, inside the last group, while a group's code reads all of
        # its bytes. Clamped bytes only ever feed samples past the width.
        row_bytes = hl.BoundaryConditions.repeat_edge(self.input)
        value = None
        for code in reversed(range(len(NAMES))):
            expr = unpacked_expr(FORMATS[NAMES[code]], lambda bx, by: row_bytes[bx, by], x, y)
            value = expr if value is None else hl.select(self.format == code, expr, value)
        self.output[x, y] = value

        # Rows of bytes are dense (the Rust side describes a frame so); any
        # output layout works, dense rows are the fast path.
        self.input.dim(0).set_stride(1)
        self.output.output_buffer().dim(0).set_stride(hl.Expr())
        for dim in range(2):
            self.input.dim(dim).set_min(0)
            self.output.output_buffer().dim(dim).set_min(0)

        vector = self.natural_vector_size(hl.UInt(8))
        yo, yi = hl.Var("yo"), hl.Var("yi")
        out = self.output
        out.split(y, yo, yi, STRIP, hl.TailStrategy.GuardWithIf).parallel(yo)
        dense = self.output.output_buffer().dim(0).stride() == 1
        for code, name in enumerate(NAMES):
            fmt = FORMATS[name]
            g, i = hl.Var("g"), hl.Var("i")
            case = out.specialize(dense & (self.format == code))
            case.split(x, g, i, fmt["group_samples"], hl.TailStrategy.GuardWithIf)
            case.reorder(i, g, yi, yo).unroll(i)
            case.vectorize(g, vector // 2, hl.TailStrategy.GuardWithIf)


if __name__ == "__main__":
    hl.main()
