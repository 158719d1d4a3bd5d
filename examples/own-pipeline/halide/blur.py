"""The blur the unsharp mask subtracts; a module of its own to show that
halide-build reruns the generator when a local module it imports changes."""

import halide as hl


def gaussian_3x3(f: hl.Func, c: hl.Var, x: hl.Var, y: hl.Var) -> hl.Func:
    """[1 2 1] / 4 horizontally, then vertically."""
    horizontal = hl.Func("blur_x")
    horizontal[c, x, y] = (f[c, x - 1, y] + 2 * f[c, x, y] + f[c, x + 1, y]) / 4
    blurred = hl.Func("blur_y")
    blurred[c, x, y] = (horizontal[c, x, y - 1] + 2 * horizontal[c, x, y] + horizontal[c, x, y + 1]) / 4
    return blurred
