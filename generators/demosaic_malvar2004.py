"""Malvar, He and Cutler (2004) gradient-corrected linear demosaicing.

The kernels are those of colour-demosaicing's
`demosaicing_CFA_Bayer_Malvar2004` (0.2.7), scaled to integers: every output
is one 5x5 linear filter over the mosaic, so rounding each filter's integer
sum once gives colour's float result rounded to nearest (ties excepted: here
they round up, numpy's `round` rounds them to even).

Taps are {(dx, dy): weight}, relative to the pixel being interpolated, x to
the right and y down; each filter's weights sum to its denominator, so a flat
field comes out unchanged.

Overflow: with samples in [0, M], the largest sum is 28 M + 8 (positive taps
of the /16 filters plus the rounding term), the smallest -12 M, and no partial
sum exceeds the sum of |weights| (40) times M. For uint8 that is 10200 at
worst, so Int(16) is enough; for uint16 it is 2.6e6, which needs Int(32).
The type must be signed: the negative taps make sums below zero.
"""

import functools
import operator

import halide as hl

# Green at a red or blue pixel (colour's GR_GB), denominator 8.
G_AT_RB = {
    (0, 0): 4,
    (-1, 0): 2, (1, 0): 2, (0, -1): 2, (0, 1): 2,
    (-2, 0): -1, (2, 0): -1, (0, -2): -1, (0, 2): -1,
}
G_AT_RB_SHIFT = 3

# Red or blue at a green pixel whose same-colour neighbours are left and right
# (colour's Rg_RB_Bg_BR, halves made integral), denominator 16.
ROW = {
    (0, 0): 10,
    (-1, 0): 8, (1, 0): 8,
    (-2, 0): -2, (2, 0): -2,
    (-1, -1): -2, (1, -1): -2, (-1, 1): -2, (1, 1): -2,
    (0, -2): 1, (0, 2): 1,
}
# The same with the neighbours above and below (colour's Rg_BR_Bg_RB).
COLUMN = {(dy, dx): weight for (dx, dy), weight in ROW.items()}
ROW_COLUMN_SHIFT = 4

# Red at a blue pixel or blue at a red one (colour's Rb_BB_Br_RR, halves made
# integral), denominator 16.
DIAGONAL = {
    (0, 0): 12,
    (-1, -1): 4, (1, -1): 4, (-1, 1): 4, (1, 1): 4,
    (-2, 0): -3, (2, 0): -3, (0, -2): -3, (0, 2): -3,
}
DIAGONAL_SHIFT = 4


def malvar2004(plane, tx, ty, wide: hl.Type):
    """Per-2x2-tile Malvar2004. `plane(dx, dy)` returns an accessor P such that
    P[tx, ty] is the mosaic sample at pixel (2*tx + dx, 2*ty + dy), of type
    `wide`, in RGGB: plane(0, 0) = R, plane(1, 0) = G on red rows, plane(0, 1)
    = G on blue rows, plane(1, 1) = B. Borders must already be extended.

    `wide` must be signed and hold 28 times the largest sample (module
    docstring): Int(16) for uint8 samples, Int(32) for uint16.

    Returns the (R, G, B) of the four pixels of tile (tx, ty), in the order of
    positions (0, 0), (1, 0), (0, 1), (1, 1): rounded to nearest, not clamped
    (the gradient corrections overshoot the sample range at edges).
    """
    if not wide.is_int() or wide.bits() < 16:
        raise ValueError(f"malvar2004 needs a signed type of 16 bits or more, not {wide}")

    planes = {(dx, dy): plane(dx, dy) for dx in (0, 1) for dy in (0, 1)}

    def at(px, py):
        """The sample at pixel (px, py) relative to the tile's top-left pixel."""
        return planes[px % 2, py % 2][tx + px // 2, ty + py // 2]

    def interpolate(cx, cy, taps, shift):
        """Apply `taps` centred on pixel (cx, cy) of the tile and round."""
        # One multiply per distinct weight: taps of equal weight are summed first.
        by_weight = {}
        for (dx, dy), weight in taps.items():
            by_weight.setdefault(weight, []).append(at(cx + dx, cy + dy))
        total = functools.reduce(operator.add, (
            hl.cast(wide, weight) * functools.reduce(operator.add, samples)
            for weight, samples in sorted(by_weight.items(), reverse=True)
        ))
        return (total + (1 << (shift - 1))) >> shift

    # Which kernel goes where, as in colour: at a green pixel on a red row red
    # comes from ROW and blue from COLUMN; on a blue row the other way round.
    at_r = (at(0, 0),
            interpolate(0, 0, G_AT_RB, G_AT_RB_SHIFT),
            interpolate(0, 0, DIAGONAL, DIAGONAL_SHIFT))
    at_gr = (interpolate(1, 0, ROW, ROW_COLUMN_SHIFT),
             at(1, 0),
             interpolate(1, 0, COLUMN, ROW_COLUMN_SHIFT))
    at_gb = (interpolate(0, 1, COLUMN, ROW_COLUMN_SHIFT),
             at(0, 1),
             interpolate(0, 1, ROW, ROW_COLUMN_SHIFT))
    at_b = (interpolate(1, 1, DIAGONAL, DIAGONAL_SHIFT),
            interpolate(1, 1, G_AT_RB, G_AT_RB_SHIFT),
            at(1, 1))
    return at_r, at_gr, at_gb, at_b
