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
        sample = planes[px % 2, py % 2][tx + px // 2, ty + py // 2]
        return sample if isinstance(sample, hl.Expr) else hl.Expr(sample)

    return _tile_values(at)


def _tile_values(at):
    """The tile's twelve values from `at(px, py)`, the sample at pixel
    (px, py) relative to the tile's top-left pixel: each is one of the filters
    above, rounded as (sum + half) >> shift, but the two filters of a pixel
    share their partial sums (the same integer sums, added in another order:
    exact, and every partial sum stays within the bound of the module
    docstring, so the results are those of the filters as tabulated, which
    `check_tile_values` verifies). Works on Halide Exprs and on Python ints."""

    def rounded(total, shift):
        # (total + 2^(shift-1)) >> shift (floor), written as the quotient
        # plus the bit below it so that Halide does not lift it to
        # rounding_shift_right, which x86 lowers through halving adds: the
        # 16-bit filters' inner loop went from 246 to 210 instructions.
        return (total >> shift) + ((total >> (shift - 1)) & 1)

    def sum_of(*offsets):
        total = at(*offsets[0])
        for offset in offsets[1:]:
            total = total + at(*offset)
        return total

    def chroma_site(cx, cy):
        """Green and the other chroma at a red or blue pixel: G_AT_RB and
        DIAGONAL share the centre and the four same-colour samples two away."""
        centre4 = at(cx, cy) * 4
        far = sum_of((cx - 2, cy), (cx + 2, cy), (cx, cy - 2), (cx, cy + 2))
        near = sum_of((cx - 1, cy), (cx + 1, cy), (cx, cy - 1), (cx, cy + 1))
        diagonal = sum_of((cx - 1, cy - 1), (cx + 1, cy - 1), (cx - 1, cy + 1), (cx + 1, cy + 1))
        t = centre4 - far  # 4 c - far: G_AT_RB is t + 2 near, DIAGONAL 3 t + 4 diagonal
        green = rounded(t + near * 2, G_AT_RB_SHIFT)
        other = rounded(t * 3 + diagonal * 4, DIAGONAL_SHIFT)
        return green, other

    def green_site(cx, cy):
        """The chroma along the row (ROW) and along the column (COLUMN) at a
        green pixel: both are 10 g - 2 diagonal plus 8 times the pair
        of neighbours along their direction, minus 2 times the same-colour
        pair two away along it, plus the pair two away across it."""
        h = sum_of((cx - 2, cy), (cx + 2, cy))
        v = sum_of((cx, cy - 2), (cx, cy + 2))
        diagonal = sum_of((cx - 1, cy - 1), (cx + 1, cy - 1), (cx - 1, cy + 1), (cx + 1, cy + 1))
        common = at(cx, cy) * 10 - diagonal * 2
        along_row = rounded(common + sum_of((cx - 1, cy), (cx + 1, cy)) * 8 - h * 2 + v, ROW_COLUMN_SHIFT)
        along_column = rounded(common + sum_of((cx, cy - 1), (cx, cy + 1)) * 8 - v * 2 + h, ROW_COLUMN_SHIFT)
        return along_row, along_column

    # Which kernel goes where, as in colour: at a green pixel on a red row red
    # comes from ROW and blue from COLUMN; on a blue row the other way round.
    g_at_r, b_at_r = chroma_site(0, 0)
    r_at_gr, b_at_gr = green_site(1, 0)
    b_at_gb, r_at_gb = green_site(0, 1)
    g_at_b, r_at_b = chroma_site(1, 1)
    at_r = (at(0, 0), g_at_r, b_at_r)
    at_gr = (r_at_gr, at(1, 0), b_at_gr)
    at_gb = (r_at_gb, at(0, 1), b_at_gb)
    at_b = (r_at_b, g_at_b, at(1, 1))
    return at_r, at_gr, at_gb, at_b


def check_tile_values(trials=200, seed=1):
    """Check `_tile_values` against the tabulated filters on random integers
    (16-bit samples, Python ints: no overflow). Raises AssertionError."""
    import random

    rng = random.Random(seed)

    def filtered(at, cx, cy, taps, shift):
        total = sum(weight * at(cx + dx, cy + dy) for (dx, dy), weight in taps.items())
        return (total + (1 << (shift - 1))) >> shift

    for _ in range(trials):
        samples = {(px, py): rng.choice((0, 65535, rng.randrange(65536)))
                   for px in range(-3, 5) for py in range(-3, 5)}
        at = lambda px, py: samples[px, py]  # noqa: E731
        expected = (
            (at(0, 0), filtered(at, 0, 0, G_AT_RB, G_AT_RB_SHIFT), filtered(at, 0, 0, DIAGONAL, DIAGONAL_SHIFT)),
            (filtered(at, 1, 0, ROW, ROW_COLUMN_SHIFT), at(1, 0), filtered(at, 1, 0, COLUMN, ROW_COLUMN_SHIFT)),
            (filtered(at, 0, 1, COLUMN, ROW_COLUMN_SHIFT), at(0, 1), filtered(at, 0, 1, ROW, ROW_COLUMN_SHIFT)),
            (filtered(at, 1, 1, DIAGONAL, DIAGONAL_SHIFT), filtered(at, 1, 1, G_AT_RB, G_AT_RB_SHIFT), at(1, 1)),
        )
        assert _tile_values(at) == expected, "the shared-sum filters differ from the tabulated ones"


check_tile_values()
