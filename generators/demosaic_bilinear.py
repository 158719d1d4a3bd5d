"""Bilinear demosaicing per 2x2 tile: the kernels of colour-demosaicing's
`demosaicing_CFA_Bayer_bilinear` (each missing colour is the mean of its nearest
samples of that colour), in integer arithmetic rounded to nearest."""


def _mean2(a, b):
    return (a + b + 1) >> 1


def _mean4(a, b, c, d):
    return (a + b + c + d + 2) >> 2


def bilinear(plane, tx, ty, wide):
    """`plane(dx, dy)[tx, ty]` is the RGGB-ordered mosaic sample at pixel
    (2 tx + dx, 2 ty + dy), of type `wide` (two bits wider than a sample is
    enough: the largest sum is of four samples). Returns the (R, G, B) of the
    tile's pixels (0, 0), (1, 0), (0, 1), (1, 1), rounded, within range."""
    del wide  # sums of four samples fit every wide type the generator uses
    r, gr, gb, b = plane(0, 0), plane(1, 0), plane(0, 1), plane(1, 1)
    x, y = tx, ty
    at_r = (r[x, y], _mean4(gr[x, y], gr[x - 1, y], gb[x, y], gb[x, y - 1]),
            _mean4(b[x, y], b[x - 1, y], b[x, y - 1], b[x - 1, y - 1]))
    at_gr = (_mean2(r[x, y], r[x + 1, y]), gr[x, y], _mean2(b[x, y], b[x, y - 1]))
    at_gb = (_mean2(r[x, y], r[x, y + 1]), gb[x, y], _mean2(b[x, y], b[x - 1, y]))
    at_b = (_mean4(r[x, y], r[x + 1, y], r[x, y + 1], r[x + 1, y + 1]),
            _mean4(gr[x, y], gr[x, y + 1], gb[x, y], gb[x + 1, y]), b[x, y])
    return at_r, at_gr, at_gb, at_b
