"""`unpack`: a packed sensor frame (bytes, rows) -> its samples as uint16 (x, y).

The input is a frame's bytes as a 2-D uint8 buffer: dimension 0 the bytes of a
row (at least the format's row size), dimension 1 the rows (any row stride,
in bytes). `format` indexes packed.FORMATS; the output's width is the frame's
width. Samples come out unscaled (a 12-bit sample is 0..4095).

Each format is a specialization: per group of samples (unrolled), one vector
of groups at a time, so every byte load is a dense load that Halide
deinterleaves (a stride of the group's bytes) and the stores interleave the
group's samples back into dense rows. The 2-sample formats write the output
so; the 4-sample ones (RAW10, RAW14, Mono10p) unpack a strip into a buffer
first and copy it out (see `generate`).
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
        # Unpacked per strip into a buffer whose x loop starts at 0 and runs
        # over whole vectors of groups (the samples past the width read
        # clamped bytes and are dropped), then copied out densely: each
        # group's bytes are dense strided loads and nothing is guarded. (The
        # output unpacked in place needs guarded tails: the 4-sample formats
        # ran 2x slower, e.g. RAW10 2.8 ms vs 1.2 for RAW12, 12 MP JIT.)
        samples = hl.Func("samples")
        samples[x, y] = value
        four = [code for code, name in enumerate(NAMES) if FORMATS[name]["group_samples"] == 4]
        staged = self.format == four[0]
        for code in four[1:]:
            staged = staged | (self.format == code)
        self.output[x, y] = hl.select(staged, samples[x, y], value)

        # Rows of bytes are dense (the Rust side describes a frame so); any
        # output layout works, dense rows are the fast path.
        self.input.dim(0).set_stride(1)
        self.output.output_buffer().dim(0).set_stride(hl.Expr())
        for dim in range(2):
            self.input.dim(dim).set_min(0)
            self.output.output_buffer().dim(dim).set_min(0)

        vector = self.natural_vector_size(hl.UInt(16))
        yo, yi = hl.Var("yo"), hl.Var("yi")
        out = self.output
        out.split(y, yo, yi, STRIP, hl.TailStrategy.GuardWithIf).parallel(yo)
        dense = self.output.output_buffer().dim(0).stride() == 1
        for code, name in enumerate(NAMES):
            fmt = FORMATS[name]
            case = out.specialize(dense & (self.format == code))
            if code in four:
                case.vectorize(x, vector, hl.TailStrategy.GuardWithIf)
            else:
                g, i = hl.Var("g"), hl.Var("i")
                case.split(x, g, i, fmt["group_samples"], hl.TailStrategy.GuardWithIf)
                case.reorder(i, g, yi, yo).unroll(i)
                case.vectorize(g, vector, hl.TailStrategy.GuardWithIf)
        whole = 4 * vector
        width = self.output.output_buffer().dim(0).extent()
        samples.compute_at(out, yo).bound(x, 0, (width + whole - 1) // whole * whole)
        for code, name in enumerate(NAMES):
            fmt = FORMATS[name]
            g, i = hl.Var("g"), hl.Var("i")
            case = samples.specialize(self.format == code)
            case.split(x, g, i, fmt["group_samples"]).reorder(i, g, y).unroll(i)
            case.vectorize(g, vector, hl.TailStrategy.RoundUp)
        samples.specialize_fail("format must index packed.FORMATS")

if __name__ == "__main__":
    hl.main()
