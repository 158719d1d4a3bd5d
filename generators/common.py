"""Scheduling helpers shared by every generator in this folder."""

import halide as hl


def allow_any_stride(*buffers):
    """Lift Halide's default `stride[0] == 1` constraint on each buffer.

    The Rust side hands Halide any ndarray view as-is (transposed, stepped,
    reversed, broadcast), so dimension 0 can have any stride, including 0 or
    a negative one.
    """
    for buffer in buffers:
        _param(buffer).dim(0).set_stride(hl.Expr())


def specialize_dense(output, *inputs):
    """Return the specialization of `output` for the case where every buffer
    has unit stride in dimension 0: the case worth vectorizing with dense loads
    and stores. Other layouts fall through to the generic schedule.
    """
    condition = _param(output).dim(0).stride() == 1
    for buffer in inputs:
        condition = condition & (_param(buffer).dim(0).stride() == 1)
    return output.specialize(condition)


def _param(buffer):
    """The buffer parameter behind an input (ImageParam) or an output (Func)."""
    return buffer.output_buffer() if isinstance(buffer, hl.Func) else buffer
