"""Menon et al. (2007) demosaicing: directional filtering with a posteriori
decision ("DDFAPD"), including the refining step.

Reference: D. Menon, S. Andriani, G. Calvagno, "Demosaicing With Directional
Filtering and a posteriori Decision", IEEE TIP 16(1), 2007, as implemented by
colour-demosaicing 0.2.7 (`demosaicing_CFA_Bayer_Menon2007`, refining step on).
This module reproduces that implementation's interior arithmetic; see
`quality/check_menon2007_jit.py` for the comparison.

Written per 2x2 tile of an RGGB mosaic: R at (even x, even y), B at (odd x,
odd y), "Gr" greens at (odd x, even y) in red rows, "Gb" greens at (even x,
odd y) in blue rows. R and B sites are "chroma sites", the others "green
sites". Tile (tx, ty) holds pixels (2 tx .. 2 tx + 1, 2 ty .. 2 ty + 1).

How it relates to the reference. colour-demosaicing works on full-frame
arrays (R, G, B, G_H, G_V, ...) with masks; here every quantity is a colour
difference computed only at the sites whose value is used: each stage is a
Func(tx, site, ty) over the tiles, holding either the two chroma sites of
each tile (site 0 red, 1 blue) or its two green sites (0 Gr, 1 Gb), so no
stage computes values that nothing reads (computed per pixel, half of every
stage's work was thrown away) and no select picks a site's formula: the
caller unrolls `site` (SITE_VAR), and each site's formula is written out.

Exactness. Every stage holds an integer multiple of a fixed fraction of a
sample (quarters, eighths, 24ths, 48ths: named per stage), so for integer
samples every stage value is an integer. The largest is 12 times twice the
largest colour difference (the classifier's sums: 24480 for 8-bit samples,
6.3e6 for 16-bit), so Int(16) holds all of them exactly for 8-bit samples
and float32 (24-bit significand) for samples of up to 16 bits. The
reference's float64 computes the same values exactly up to its refining step,
so the a posteriori decision (`d_V >= d_H`, ties included) is bit-identical;
its refining step's 3-tap means (weights 1/3) round, which ours do not (they
are kept as sums in 24ths and 48ths). Only the output, in 144ths, is
converted to float32 and scaled once to sample units.

Borders: the caller's mosaic is mirrored (mirror_interior), which is what the
reference does for its 1-D filters (scipy mode "mirror", numpy pad "reflect")
and what it would do for the 5x5 classifier too if it did not zero-pad that
one (scipy mode "constant"). So the decision can differ within 2 pixels of an
edge and the output within 6 pixels of an edge; elsewhere it is the same
algorithm.
"""

import halide as hl

# The name of the stages' site Var (their second argument): a stage holds two
# sites per tile, to be bounded to 0..1 and unrolled where it is computed.
SITE_VAR = "site"

# Pixel parities (x % 2, y % 2) of the sites, in the order the output's
# values are returned: R, Gr, Gb, B.
SITES = ((0, 0), (1, 0), (0, 1), (1, 1))
# Which sites a stage holds, by site index: chroma stages and green stages.
CHROMA = ((0, 0), (1, 1))
GREEN = ((1, 0), (0, 1))


class _Stage:
    """A Func over tiles holding one value per chroma (or green) site,
    readable at a pixel offset from any site whose parity is known."""

    def __init__(self, name, parities, tx, site, ty, value_at):
        self.parities = parities
        self.func = hl.Func(name)
        first, second = (value_at(_Site(parity, tx, ty)) for parity in parities)
        self.func[tx, site, ty] = hl.select(site == 0, first, second)

    def at(self, origin, dx, dy):
        """The value at the pixel (dx, dy) away from site `origin`."""
        parity, tx, ty = origin.offset(dx, dy)
        if parity not in self.parities:
            raise ValueError(f"stage {self.func.name()} holds no value at parity {parity}")
        return self.func[tx, self.parities.index(parity), ty]


class _Site:
    """A site of tile (tx, ty), of known pixel parity."""

    def __init__(self, parity, tx, ty):
        self.parity, self.tx, self.ty = parity, tx, ty

    def offset(self, dx, dy):
        """(parity, tx, ty) of the pixel (dx, dy) away."""
        px, py = self.parity[0] + dx, self.parity[1] + dy
        return (px % 2, py % 2), self.tx + px // 2, self.ty + py // 2


def menon2007(mosaic: hl.Func, wide: hl.Type) -> tuple[list[tuple[hl.Expr, ...]], list[hl.Func]]:
    """Menon (2007) demosaicing of an RGGB mosaic, refining step included.

    mosaic(tx, p, y): the raw frame split into its even (p = 0) and odd
    (p = 1) columns, pixel (2 tx + p, y), as values of type `wide`, already
    extended past the image edges by mirroring (mirror_interior), with red at
    (even x, even y) and blue at (odd x, odd y). Parities are taken with
    Halide's Euclidean %, so negative coordinates work.

    `wide` is Float(32) (any samples; exact for integer samples of up to 16
    bits, see the module docstring) or Int(16), for 8-bit samples only: the
    stages are then exact 16-bit fixed point, with twice the lanes per vector
    and half the memory of float32.

    Returns (values, stages). values[i] is the (R, G, B) of site SITES[i] of
    tile (tx, ty) (tx is the mosaic's first Var, ty a Var named "ty"), as
    float32 in sample units, neither rounded nor clamped (it can overshoot
    the sample range near edges). `stages` are the intermediate Funcs,
    producers first, each a pure Func of (tx, site, ty) (SITE_VAR), meant to
    be computed per strip of tiles, vectorized in tx, with site unrolled.
    Func names start with "menon_".

    Context: the values of a tile read the mosaic up to 8 pixels away in
    every direction.
    """
    integer = not wide.is_float()
    if integer and wide != hl.Int(16):
        raise ValueError(f"menon2007 computes in Float(32) or, for 8-bit samples, Int(16), not {wide}")
    tx = mosaic.args()[0]
    ty, site = hl.Var("ty"), hl.Var(SITE_VAR)

    def const(value):
        return hl.cast(wide, value)

    def m(origin, dx, dy):
        """The mosaic sample (dx, dy) away from site `origin`."""
        (px, _), at_tx, _ = origin.offset(dx, 0)
        return mosaic[at_tx, px, 2 * origin.ty + origin.parity[1] + dy]

    def stage(name, parities, value_at):
        return _Stage("menon_" + name, parities, tx, site, ty, value_at)

    # --- Directional green estimates, as colour differences --------------
    # The reference's G_H (G_V) filters the mosaic horizontally (vertically)
    # with h_0 = [0, 1/2, 0, 1/2, 0] plus h_1 = [-1/4, 0, 1/2, 0, -1/4], and
    # C_H = R - G_H at red sites, B - G_H at blue sites: m/2 - (the two
    # neighbours)/2 + (the two samples two steps away)/4, here in quarters.
    def colour_difference(s, step):
        (ax, ay), (bx, by) = step, (2 * step[0], 2 * step[1])
        return (const(2) * (m(s, 0, 0) - (m(s, -ax, -ay) + m(s, ax, ay)))
                + (m(s, -bx, -by) + m(s, bx, by)))

    c_h = stage("c_h", CHROMA, lambda s: colour_difference(s, (1, 0)))
    c_v = stage("c_v", CHROMA, lambda s: colour_difference(s, (0, 1)))

    # Gradients of the colour differences along each direction (D_H, D_V),
    # in quarters: the site two steps away has the same colour.
    grad_h = stage("grad_h", CHROMA, lambda s: hl.cast(wide, hl.abs(c_h.at(s, 0, 0) - c_h.at(s, 2, 0))))
    grad_v = stage("grad_v", CHROMA, lambda s: hl.cast(wide, hl.abs(c_v.at(s, 0, 0) - c_v.at(s, 0, 2))))

    # The a posteriori decision: the reference convolves D_H with the 5x5
    # kernel k and D_V with k transposed, and interpolates horizontally where
    # d_V >= d_H (a comparison no common scale changes). k is not symmetric
    # and scipy's convolve flips it: the taps below are where it lands
    # (checked against scipy); they are all chroma sites. 1 = horizontal.
    def classify(d):
        # d(a, b): the gradient at offset a along the direction, b across it.
        # E.g. d_H(x, y) = 3 D_H(x, y) + 3 D_H(x - 2, y) + D_H(x - 1, y +- 1)
        #   + D_H(x, y +- 2) + D_H(x - 2, y +- 2).
        return (const(3) * (d(0, 0) + d(-2, 0))
                + d(-1, -1) + d(-1, 1)
                + d(0, -2) + d(0, 2)
                + d(-2, -2) + d(-2, 2))

    def decide(s):
        d_h = classify(lambda a, b: grad_h.at(s, a, b))
        d_v = classify(lambda a, b: grad_v.at(s, b, a))
        return hl.select(d_v >= d_h, hl.u8(1), hl.u8(0))

    horizontal = stage("horizontal", CHROMA, decide)

    def use_h(s):
        return horizontal.at(s, 0, 0) == 1

    # The colour difference (R - G or B - G) at chroma sites along the chosen
    # direction, in quarters: the chroma sample minus the reference's G.
    diff0 = stage("diff0", CHROMA, lambda s: hl.select(use_h(s), c_h.at(s, 0, 0), c_v.at(s, 0, 0)))

    # Colour differences interpolated at green sites from the two horizontal
    # (vertical) chroma neighbours, their mean held in eighths: at Gr sites,
    # R - G is `diff0_h` and B - G is `diff0_v`; at Gb sites the other way
    # round (the reference's G + k_b * R - k_b * G with k_b = [1/2, 0, 1/2]).
    diff0_h = stage("diff0_h", GREEN, lambda s: diff0.at(s, -1, 0) + diff0.at(s, 1, 0))
    diff0_v = stage("diff0_v", GREEN, lambda s: diff0.at(s, 0, -1) + diff0.at(s, 0, 1))

    # --- Refining step ----------------------------------------------------
    # Green at chroma sites: the chroma sample minus the 3-tap mean, along the
    # decided direction, of (chroma - G) over the site and its two green
    # neighbours. The neighbours along x of both red and blue sites hold their
    # colour difference in `diff0_h`, those along y in `diff0_v`, so red and
    # blue share one formula. `diff1` is that mean (the reference's R_G_m /
    # B_G_m), the sum of two eighths and a quarter, in 24ths. The refined
    # green is m - diff1.
    def mean_difference(s):
        return hl.select(
            use_h(s),
            diff0_h.at(s, -1, 0) + const(2) * diff0.at(s, 0, 0) + diff0_h.at(s, 1, 0),
            diff0_v.at(s, 0, -1) + const(2) * diff0.at(s, 0, 0) + diff0_v.at(s, 0, 1))

    diff1 = stage("diff1", CHROMA, mean_difference)

    # Refined red and blue at green sites, in 48ths: green plus the mean of
    # the refined colour differences of the two neighbours of that colour
    # (horizontal for red at Gr and blue at Gb, vertical otherwise).
    def refined_at_green(s, along_x):
        dx, dy = (1, 0) if along_x else (0, 1)
        return const(48) * m(s, 0, 0) + (diff1.at(s, -dx, -dy) + diff1.at(s, dx, dy))

    def red_blue_at_green(s):
        in_red_row = s.parity == (1, 0)
        return refined_at_green(s, in_red_row), refined_at_green(s, not in_red_row)

    # R - B in 48ths, as the reference's last refinement reads it: at green
    # sites from the refined red and blue; at chroma sites from the unrefined
    # estimate of the missing chroma, interpolated along the decided direction
    # from the green neighbours' R - B (diff0_h - diff0_v at Gr sites, the
    # opposite at Gb sites; a red site's horizontal neighbours are Gr, a blue
    # site's Gb): the mean of two eighths is 3 times their sum in 48ths.
    def rb_at_green(s):
        red1, blue1 = red_blue_at_green(s)
        return red1 - blue1

    def rb_at_chroma(s):
        def red_minus_blue(dx, dy):
            r_minus_b = diff0_h.at(s, dx, dy) - diff0_v.at(s, dx, dy)
            return r_minus_b if dy == 0 else -r_minus_b

        rb = const(3) * hl.select(use_h(s),
                                  red_minus_blue(-1, 0) + red_minus_blue(1, 0),
                                  red_minus_blue(0, -1) + red_minus_blue(0, 1))
        return rb if s.parity == (0, 0) else -rb

    rb_green = stage("rb_green", GREEN, rb_at_green)
    rb_chroma = stage("rb_chroma", CHROMA, rb_at_chroma)

    # The output, in float32 (the 3-tap sum of R - B in 144ths can need more
    # than 16 bits), scaled once to sample units: each value is a sum of
    # exact integers (the samples times their units are below 2^24) times
    # 1/units, never a product added to something, so with or without fused
    # multiply-adds every CPU variant computes the same bits.
    def unit(value, units):
        return hl.cast(hl.Float(32), value) * hl.f32(1 / units)

    def at_chroma(s):
        # The missing chroma: the sample plus (red site: minus) the 3-tap mean
        # of R - B along the decided direction.
        def rb(dx, dy):
            return hl.cast(hl.Float(32), (rb_chroma if dx == dy == 0 else rb_green).at(s, dx, dy))

        rb_sum = hl.select(use_h(s),
                           rb(-1, 0) + rb(0, 0) + rb(1, 0),
                           rb(0, -1) + rb(0, 0) + rb(0, 1))
        sample_144ths = hl.cast(hl.Float(32), m(s, 0, 0)) * hl.f32(144)
        sample = hl.cast(hl.Float(32), m(s, 0, 0))
        green = unit(const(24) * m(s, 0, 0) - diff1.at(s, 0, 0), 24)
        if s.parity == (0, 0):
            return sample, green, unit(sample_144ths - rb_sum, 144)
        return unit(sample_144ths + rb_sum, 144), green, sample

    def at_green(s):
        red1, blue1 = red_blue_at_green(s)
        return unit(red1, 48), hl.cast(hl.Float(32), m(s, 0, 0)), unit(blue1, 48)

    values = [(at_chroma if parity in CHROMA else at_green)(_Site(parity, tx, ty)) for parity in SITES]
    stages = [c_h, c_v, grad_h, grad_v, horizontal, diff0, diff0_h, diff0_v, diff1, rb_green, rb_chroma]
    return values, [s.func for s in stages]
