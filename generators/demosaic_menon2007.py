"""Menon et al. (2007) demosaicing: directional filtering with a posteriori
decision ("DDFAPD"), including the refining step.

Reference: D. Menon, S. Andriani, G. Calvagno, "Demosaicing With Directional
Filtering and a posteriori Decision", IEEE TIP 16(1), 2007, as implemented by
colour-demosaicing 0.2.7 (`demosaicing_CFA_Bayer_Menon2007`, refining step on).
This module reproduces that implementation's interior arithmetic; see
`quality/check_menon2007_jit.py` for the comparison.

Written per pixel on an RGGB mosaic: R at (even x, even y), B at (odd x,
odd y), "Gr" greens at (odd x, even y) in red rows, "Gb" greens at (even x,
odd y) in blue rows. R and B sites ("chroma sites") are those with x + y even.

How it relates to the reference. colour-demosaicing works on full-frame
arrays (R, G, B, G_H, G_V, ...) with masks; here every quantity is expressed
as a colour difference, and each stage is a Func whose value matters only at
the sites where a later stage reads it (noted per stage; elsewhere the value is
finite but meaningless, which saves per-pixel selects). The rewriting is exact
for integer samples of up to 16 bits: up to the refining step every value,
the reference's and ours, fits in 24 significant bits (the classifier sums
stay below 2^21 in steps of 1/4, everything else below 2^18 in steps of
1/16), so float32 and the reference's float64 both compute them without
rounding, whatever the order of the additions, and the a posteriori decision
(`d_V >= d_H`, ties included) is bit-identical. Only the refining step's 3-tap means (weights 1/3) round, so
the output differs from the reference by float32-vs-float64 rounding there.

Borders: the caller's mosaic is mirrored (mirror_interior), which is what the
reference does for its 1-D filters (scipy mode "mirror", numpy pad "reflect")
and what it would do for the 5x5 classifier too if it did not zero-pad that
one (scipy mode "constant"). So the decision can differ within 2 pixels of an
edge and the output within 6 pixels of an edge; elsewhere it is the same
algorithm.
"""

import halide as hl


def menon2007(mosaic: hl.Func, wide: hl.Type) -> tuple[hl.Func, list[hl.Func]]:
    """Menon (2007) demosaicing of an RGGB mosaic, refining step included.

    mosaic(x, y): the raw frame (x is the column) as values of type `wide`
    (a float type; float32 is exact for 8- and 16-bit samples, see above),
    already extended past the image edges by mirroring (mirror_interior),
    with red at (even x, even y) and blue at (odd x, odd y). Parities are
    taken with Halide's Euclidean %, so negative coordinates work.

    Returns (rgb, stages). rgb(c, x, y), c = 0, 1, 2 for R, G, B, is in
    sample units, neither rounded nor clamped (it can overshoot the sample
    range near edges). `stages` are the intermediate Funcs, producers first,
    each a pure Func of (x, y), meant to be computed per strip of output rows
    and vectorized in x; the rest (rgb, and the cheap expressions read once)
    is inlined. They use the mosaic's own pure Vars (`mosaic.args()`), so the
    caller schedules them with the Vars it defined the mosaic with; rgb adds
    a Var named "c". Func names start with "menon_" (Halide appends "$n" if a
    name is reused, e.g. when this is called twice).

    Context: rgb at (x, y) reads the mosaic at x - 8 .. x + 8 and
    y - 8 .. y + 8. Rows each stage is evaluated at beyond a strip of rgb
    rows (above, below): red_minus_blue 1, 1; diff1 and diff0_h 2, 2; diff0_v
    3, 3; diff0 and horizontal 4, 4; grad_h 6, 6; grad_v 6, 4; c_h and c_v
    6, 6; the mosaic 8, 8.
    """
    if not wide.is_float():
        raise ValueError(f"menon2007 computes in floating point, not {wide}")
    x, y = mosaic.args()
    c = hl.Var("c")
    m = mosaic

    def const(value):
        return hl.cast(wide, value)

    half, quarter = const(0.5), const(0.25)

    is_red_row = (y % 2) == 0
    is_green = ((x + y) % 2) == 1

    # --- Directional green estimates, as colour differences --------------
    # The reference's G_H (G_V) filters the mosaic horizontally (vertically)
    # with h_0 = [0, 1/2, 0, 1/2, 0] plus h_1 = [-1/4, 0, 1/2, 0, -1/4], and
    # C_H = R - G_H at red sites, B - G_H at blue sites. Valid at chroma sites.
    c_h = hl.Func("menon_c_h")
    c_h[x, y] = m[x, y] - (half * (m[x - 1, y] + m[x + 1, y])
                           + (half * m[x, y] - quarter * (m[x - 2, y] + m[x + 2, y])))
    c_v = hl.Func("menon_c_v")
    c_v[x, y] = m[x, y] - (half * (m[x, y - 1] + m[x, y + 1])
                           + (half * m[x, y] - quarter * (m[x, y - 2] + m[x, y + 2])))

    # Gradients of the colour differences along each direction (D_H, D_V).
    # Valid at chroma sites, where the site two steps away has the same colour.
    grad_h = hl.Func("menon_grad_h")
    grad_h[x, y] = hl.abs(c_h[x, y] - c_h[x + 2, y])
    grad_v = hl.Func("menon_grad_v")
    grad_v[x, y] = hl.abs(c_v[x, y] - c_v[x, y + 2])

    # The a posteriori decision: the reference convolves D_H with the 5x5
    # kernel k and D_V with k transposed, and interpolates horizontally where
    # d_V >= d_H. k is not symmetric and scipy's convolve flips it: the taps
    # below are where it lands (checked against scipy). Chroma sites only
    # read chroma sites here, so the decision is valid at chroma sites.
    # 1 = horizontal, 0 = vertical.
    def classify(d):
        # d(a, b): the gradient at offset a along the direction, b across it.
        # E.g. d_H(x, y) = 3 D_H(x, y) + 3 D_H(x - 2, y) + D_H(x - 1, y +- 1)
        #   + D_H(x, y +- 2) + D_H(x - 2, y +- 2).
        return (const(3) * (d(0, 0) + d(-2, 0))
                + d(-1, -1) + d(-1, 1)
                + d(0, -2) + d(0, 2)
                + d(-2, -2) + d(-2, 2))

    d_h = classify(lambda a, b: grad_h[x + a, y + b])
    d_v = classify(lambda a, b: grad_v[x + b, y + a])
    horizontal = hl.Func("menon_horizontal")
    horizontal[x, y] = hl.select(d_v >= d_h, hl.u8(1), hl.u8(0))
    use_h = horizontal[x, y] == 1

    # The colour difference (R - G or B - G) at chroma sites along the chosen
    # direction: the chroma sample minus the reference's G. Valid at chroma sites.
    diff0 = hl.Func("menon_diff0")
    diff0[x, y] = hl.select(use_h, c_h[x, y], c_v[x, y])

    # Colour differences interpolated at green sites from the two horizontal
    # (vertical) chroma neighbours: at Gr sites, R - G is `diff0_h` and B - G is
    # `diff0_v`; at Gb sites the other way round (the reference's
    # G + k_b * R - k_b * G with k_b = [1/2, 0, 1/2]). Valid at green sites.
    diff0_h = hl.Func("menon_diff0_h")
    diff0_h[x, y] = half * (diff0[x - 1, y] + diff0[x + 1, y])
    diff0_v = hl.Func("menon_diff0_v")
    diff0_v[x, y] = half * (diff0[x, y - 1] + diff0[x, y + 1])

    # --- Refining step ----------------------------------------------------
    # Green at chroma sites: the chroma sample minus the 3-tap mean, along the
    # decided direction, of (chroma - G) over the site and its two green
    # neighbours. The neighbours along x of both red and blue sites hold their
    # colour difference in `diff0_h`, those along y in `diff0_v`, so red and
    # blue share one formula. `diff1` is that mean (the reference's R_G_m /
    # B_G_m); the refined green is m - diff1. Valid at chroma sites.
    def mean3(a, b, c_):
        # Sum (exactly, for diff0's values), then round once: the nearest
        # float32 to the reference's float64 convolution with [1/3]*3.
        return (a + b + c_) / const(3)

    diff1 = hl.Func("menon_diff1")
    diff1[x, y] = hl.select(
        use_h,
        mean3(diff0_h[x - 1, y], diff0[x, y], diff0_h[x + 1, y]),
        mean3(diff0_v[x, y - 1], diff0[x, y], diff0_v[x, y + 1]))

    # Refined red and blue at green sites: green plus the mean of the refined
    # colour differences of the two neighbours of that colour (vertical for
    # red at Gb and blue at Gr, horizontal otherwise).
    def refined_at_green(dx, dy):
        return m[x, y] + half * (diff1[x - dx, y - dy] + diff1[x + dx, y + dy])

    along_x, along_y = refined_at_green(1, 0), refined_at_green(0, 1)
    red1 = hl.select(is_red_row, along_x, along_y)
    blue1 = hl.select(is_red_row, along_y, along_x)

    # R - B, as the reference's last refinement reads it: at green sites from
    # the refined red and blue, at chroma sites from the unrefined estimate of
    # the missing chroma (interpolated along the decided direction from the
    # green neighbours' R - B, which is diff0_h - diff0_v at Gr sites and the
    # opposite at Gb sites; the chroma sites' own horizontal neighbours are Gr
    # for red and Gb for blue). Valid everywhere.
    rb_at_r = hl.select(
        use_h,
        half * ((diff0_h[x - 1, y] - diff0_v[x - 1, y]) + (diff0_h[x + 1, y] - diff0_v[x + 1, y])),
        half * ((diff0_v[x, y - 1] - diff0_h[x, y - 1]) + (diff0_v[x, y + 1] - diff0_h[x, y + 1])))
    red_minus_blue = hl.Func("menon_red_minus_blue")
    red_minus_blue[x, y] = hl.select(is_green, red1 - blue1,
                                     is_red_row, rb_at_r, -rb_at_r)

    # The missing chroma at chroma sites: the sample plus or minus the 3-tap
    # mean of R - B along the decided direction.
    rb = red_minus_blue
    rb_mean = hl.select(use_h,
                        mean3(rb[x - 1, y], rb[x, y], rb[x + 1, y]),
                        mean3(rb[x, y - 1], rb[x, y], rb[x, y + 1]))
    green2 = m[x, y] - diff1[x, y]
    red = hl.select(is_green, red1, is_red_row, m[x, y], m[x, y] + rb_mean)
    green = hl.select(is_green, m[x, y], green2)
    blue = hl.select(is_green, blue1, is_red_row, m[x, y] - rb_mean, m[x, y])

    rgb = hl.Func("menon_rgb")
    rgb[c, x, y] = hl.mux(c, [red, green, blue])

    stages = [c_h, c_v, grad_h, grad_v, horizontal, diff0, diff0_h, diff0_v,
              diff1, red_minus_blue]
    return rgb, stages
