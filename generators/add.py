"""`add`: the smallest pipeline, output(x, y) = input(x, y) + 1 on 2-D f32 buffers.

It exists to exercise the whole path (generator -> archive -> -sys -> safe wrapper)
with an operation whose oracle is trivial.
"""

import halide as hl

from common import allow_any_stride, specialize_dense


@hl.generator(name="add")
class Add(hl.Generator):
    input = hl.InputBuffer(hl.Float(32), 2)
    output = hl.OutputBuffer(hl.Float(32), 2)

    def generate(self):
        x, y = hl.Var("x"), hl.Var("y")
        self.output[x, y] = self.input[x, y] + 1.0

        # Any ndarray view must work zero-copy, so dimension 0 may have any stride.
        allow_any_stride(self.input, self.output)

        if self.using_autoscheduler():
            return
        vector = self.natural_vector_size(hl.Float(32))
        dense = specialize_dense(self.output, self.input)
        yo, yi = hl.Var("yo"), hl.Var("yi")
        dense.split(y, yo, yi, 64, hl.TailStrategy.GuardWithIf).parallel(yo).vectorize(
            x, vector, hl.TailStrategy.GuardWithIf
        )
        self.output.split(y, yo, yi, 64, hl.TailStrategy.GuardWithIf).parallel(yo)


if __name__ == "__main__":
    hl.main()
