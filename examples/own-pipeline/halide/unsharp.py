"""Unsharp mask: output = input + amount * (input - blur(input)) where the
difference exceeds `threshold`, on a (c, x, y) image (ndarray (H, W, C)).
The sample type is a generator parameter: `input.type` / `output.type`."""

import halide as hl

from blur import gaussian_3x3


@hl.generator(name="unsharp")
class Unsharp:
    input = hl.InputBuffer(None, 3)
    amount = hl.InputScalar(hl.Float(32))
    threshold = hl.InputScalar(hl.Float(32))
    output = hl.OutputBuffer(None, 3)

    def generate(self):
        c, x, y = hl.vars("c x y")
        t = self.input.type()
        # Edges repeat the border sample (the Rust reference does the same).
        clamped = hl.BoundaryConditions.repeat_edge(self.input)
        value = hl.Func("value")
        value[c, x, y] = hl.f32(clamped[c, x, y])
        blurred = gaussian_3x3(value, c, x, y)
        detail = hl.Func("detail")
        detail[c, x, y] = value[c, x, y] - blurred[c, x, y]
        sharpened = hl.select(
            hl.abs(detail[c, x, y]) > self.threshold,
            value[c, x, y] + self.amount * detail[c, x, y],
            value[c, x, y],
        )
        top = hl.f32(t.max())
        self.output[c, x, y] = hl.cast(t, hl.clamp(hl.round(sharpened), 0.0, top))

        # Halide rejects other values with its parameter error before running.
        self.amount.set_range(0.0, 10.0)
        # Rows in parallel; channels unrolled, pixels vectorized (all inlined:
        # a 3x3 blur recomputed is cheaper than storing it at this size).
        self.output.output_buffer().dim(0).set_bounds(0, 3)
        self.output.reorder(c, x, y).bound(c, 0, 3).unroll(c)
        self.output.vectorize(x, 8, hl.TailStrategy.GuardWithIf).parallel(y, 16, hl.TailStrategy.GuardWithIf)

if __name__ == "__main__":
    hl.main()
