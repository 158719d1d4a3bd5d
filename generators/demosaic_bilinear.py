"""Bilinear demosaicing per 2x2 tile: the kernels of colour-demosaicing's
`demosaicing_CFA_Bayer_bilinear` (each missing colour is the mean of its nearest
samples of that colour), in integer arithmetic rounded to nearest.

The means are computed in the samples' own unsigned type, without widening:
halving adds never overflow, so a vector holds as many samples as the mosaic
has (twice as many as 32-bit sums of 16-bit samples would) and the results
are exactly those of the wide sums (see `_mean4`).
"""

import halide as hl


def _mean2(a, b):
    """(a + b + 1) >> 1, exactly (x86 pavg, ARM urhadd)."""
    return hl.rounding_halving_add(a, b)


def _mean4(a, b, c, d):
    """(a + b + c + d + 2) >> 2, exactly, without a wider type.

    With s = a + b and t = c + d: s + t + 2 = 2 (s >> 1) + 2 (t >> 1)
    + (s & 1) + (t & 1) + 2, and floor(n / 4) = floor(floor(n / 2) / 2), so the
    mean is ((s >> 1) + (t >> 1) + 1 + (s & t & 1)) >> 1: a rounding halving
    add of the two halving adds, the second plus one when both sums are odd
    (then t is odd, so (t >> 1) + 1 <= max: no overflow)."""
    a, b, c, d = (v if isinstance(v, hl.Expr) else hl.Expr(v) for v in (a, b, c, d))
    both_odd = (a ^ b) & (c ^ d) & hl.cast(a.type(), 1)
    return hl.rounding_halving_add(hl.halving_add(a, b), hl.halving_add(c, d) + both_odd)


def bilinear(plane, tx, ty, wide):
    """`plane(dx, dy)[tx, ty]` is the RGGB-ordered mosaic sample at pixel
    (2 tx + dx, 2 ty + dy), of type `wide`: any unsigned integer type that
    holds the samples (the sample type itself is enough). Returns the (R, G, B)
    of the tile's pixels (0, 0), (1, 0), (0, 1), (1, 1), rounded, within range."""
    if not wide.is_uint():
        raise ValueError(f"bilinear computes in an unsigned type, not {wide}")
    r, gr, gb, b = plane(0, 0), plane(1, 0), plane(0, 1), plane(1, 1)
    x, y = tx, ty
    at_r = (r[x, y], _mean4(gr[x, y], gr[x - 1, y], gb[x, y], gb[x, y - 1]),
            _mean4(b[x, y], b[x - 1, y], b[x, y - 1], b[x - 1, y - 1]))
    at_gr = (_mean2(r[x, y], r[x + 1, y]), gr[x, y], _mean2(b[x, y], b[x, y - 1]))
    at_gb = (_mean2(r[x, y], r[x, y + 1]), gb[x, y], _mean2(b[x, y], b[x - 1, y]))
    at_b = (_mean4(r[x, y], r[x + 1, y], r[x, y + 1], r[x + 1, y + 1]),
            _mean4(gr[x, y], gr[x, y + 1], gb[x, y], gb[x + 1, y]), b[x, y])
    return at_r, at_gr, at_gb, at_b
