"""Minimized-Laplacian residual interpolation (MLRI) demosaicing, in Halide.

Reference: D. Kiku, Y. Monno, M. Tanaka, M. Okutomi, "Minimized-Laplacian
residual interpolation for color image demosaicking", IS&T/SPIE Electronic
Imaging 2014, on residual interpolation (Kiku et al., ICIP 2013) and the
guided filter (He et al., 2010/2013), with GBTF's directional weights
(Pekkucuksen, Altunbasak, ICIP 2010). The oracle is the float64 NumPy
implementation `quality/mlri.py` (its docstring describes the algorithm and
how its constants were chosen); this module computes the same thing per pixel
in float32, and `quality/check_mlri_jit.py` compares the two. One of
`demosaic.py`'s staged algorithms, with a line-buffered schedule of its own
there (LINE_BUFFERED). Every stage is `strict_float` (see `strict`).

Written per pixel on an RGGB mosaic: R at (even x, even y), B at (odd x,
odd y), greens where x + y is odd.

How it maps the oracle's full-frame masked arrays to per-pixel stages:

- Directional step (horizontal shown; vertical swaps x and y). Along a row,
  every site's own colour is sampled and the other colour's linear estimate is
  the mean of its two neighbours (`lin`). Two regressions run per row, one
  fitted on the green sites, one on the chroma sites; for each, the guide is
  the other colour's linear estimate, so at a site of the fitted kind it is
  `lin` and at a site of the other kind it is the sample itself. Hence, per
  pixel, the products `q` (lap(lin) lap(m), lap(lin)^2, m, lin: the fit's
  sums for that pixel's kind) need no mask, and a window centred on pixel k
  sums them over its sites of k's kind (even offsets along the row: `s_same`)
  or of the other kind (odd offsets: `s_other`), giving the fit for k's own
  kind and for the other kind. The averaged coefficients at pixel i then
  combine, for i's own kind, the windows at even offsets' own fits and those
  at odd offsets' other fits (and conversely for the other kind): no per-pixel
  select of colour anywhere.
- Window sums along the direction come from one run sum of `window_g` taps
  2 apart (`run_sum`: four taps, then doubled by one add per stage): the
  centre's kind is the run starting `window_g` before plus the tap at
  `window_g` after, the other kind the run starting one tap later. Direct
  17-tap sums were most of MLRI's time.
- The blend follows the oracle literally.
- Red and blue share every stage: their sites never share a row, so one
  masked plane holds both regressions' terms; a window's sum over rows of one
  parity is red's or blue's, by the centre row's parity.
- Stages are Tuples: the terms of one regression (or of red and blue) are
  computed in one loop that shares their common subexpressions, rather than
  one Func each (107 Funcs before, 36 now; 257 -> 163 ms a 12 MP frame, JIT,
  and a quarter of the compile time).
- Divisions by constants are multiplications by their inverse (within the
  oracle's 1 LSB like the rest).

Borders: the caller's mosaic is mirrored (mirror_interior), like the oracle,
which pads its input with numpy's "reflect" and computes every stage on the
widened frame; so the two compute the same function up to the edges.
"""

import dataclasses
import math

import halide as hl


@dataclasses.dataclass(frozen=True)
class Constants:
    """The constants of the oracle (`quality/mlri.py`, `Constants`: meanings
    and how they were chosen there); `quality/check_mlri_jit.py` checks that
    these defaults are the oracle's."""
    window_g: int = 8
    across_g: int = 1
    eps_g: float = 1000.0
    reach: int = 2
    grad_reach: int = 3
    across_w: int = 1
    sigma: float = 2.0
    window_rb: int = 5
    eps_rb: float = 1000.0


CONSTANTS = Constants()

# Stages that Halide 21 does not fold on its own: each is read by stages
# several rows apart, so they kept a whole tile (~300 KB each). demosaic.py's
# line-buffered schedule folds them explicitly (LINE_FOLD rows).
UNFOLDED_STAGES = ("mlri_lin_h", "mlri_lin_v", "mlri_diff_h", "mlri_diff_v", "mlri_green")


def mlri(mosaic: hl.Func, wide: hl.Type, constants: Constants = CONSTANTS,
         peak: float = 255.0) -> tuple[hl.Func, list[hl.Func]]:
    """MLRI demosaicing of an RGGB mosaic.

    mosaic(x, y): the raw frame (x is the column) as values of type `wide`
    (float32), already extended past the image edges (mirror_interior), with
    red at (even x, even y) and blue at (odd x, odd y), in sample units.

    constants: window sizes, eps and blend, as the oracle's `mlri.Constants`
    (the defaults are the oracle's). peak: the largest sample value (255 for
    8-bit samples, 65535 for 16-bit): the eps constants are for 8-bit units
    and are scaled by (peak / 255)^2, as the oracle does.

    Returns (rgb, stages) as `menon2007` does: rgb(c, x, y) unrounded and
    unclamped; stages are pure Funcs of (x, y) (many of them Tuples) using
    the mosaic's own Vars, producers first, meant to be line-buffered and
    vectorized in x. Func names start with "mlri_".

    Context, for the constants chosen in the oracle (window_g 8, across_g 1,
    reach 2, grad_reach 3, across_w 1, window_rb 5): the directional colour
    differences at (x, y) read the mosaic 2 window_g + 4 = 20 pixels along
    their direction and 4 across_g = 4 across; green reads them
    max(reach, grad_reach + 1) = 4 along and across_w = 1 across, so the
    mosaic within 24 pixels; red and blue read green 2 window_rb + 3 = 13
    pixels away: rgb at (x, y) reads the mosaic within 37 pixels.
    """
    if not wide.is_float():
        raise ValueError(f"mlri computes in floating point, not {wide}")
    x, y = mosaic.args()
    c = hl.Var("c")
    m = mosaic
    cc = constants
    eps_scale = (peak / 255.0) ** 2

    def const(value):
        # Through float64: a Python float straight to Halide is taken as a
        # float32 literal with a warning; the rounding is the same.
        return hl.cast(wide, hl.f64(value) if isinstance(value, float) else value)

    half = const(0.5)
    is_green = ((x + y) % 2) == 1
    is_red = ((x % 2) == 0) & ((y % 2) == 0)
    is_blue = ((x % 2) == 1) & ((y % 2) == 1)
    stages = []

    def stage(name, values):
        """One Func of (x, y): a Tuple of `values` when there are several
        (one loop computes them all, sharing their common terms)."""
        f = hl.Func(name)
        if len(values) == 1:
            f[x, y] = strict(values[0])
        else:
            f[x, y] = tuple(strict(v) for v in values)
        stages.append(f)
        return f

    def run_sum(name, f, count, length, step, along):
        """A stage whose element i (of `count`: f is a Tuple) at (x, y) is
        the sum of f's element i at 0, step, ..., (length - 1) step along the
        direction: the first four
        taps summed directly, then doubled (8, 16, ...) by stages of one add
        each. (Direct sums of the 17-tap windows were most of MLRI's time.)"""
        first = min(4, length)
        run = stage(f"{name}_{first}", [sum_of([along(f, k * step, 0)[i] for k in range(first)])
                                               for i in range(count)])
        size = first
        while size < length:
            if 2 * size > length:
                raise ValueError(f"run_sum: length {length} is not 4 * 2^k")
            run = stage(f"{name}_{2 * size}", [along(run, 0, 0)[i] + along(run, size * step, 0)[i]
                                               for i in range(count)])
            size *= 2
        return run

    # --- 1. Directional colour differences G - C ------------------------
    def directional(name, along):
        """`along(f, d, e)` reads f at d pixels along the direction and e
        across it."""
        w, a_ = cc.window_g, cc.across_g
        if w % 2:
            raise ValueError("window_g must be even (the even/odd window sums share one run sum)")
        lin = stage(f"mlri_lin_{name}", [half * (along(m, -1, 0) + along(m, 1, 0))])

        def lap(f):
            return const(2) * f[x, y] - along(f, -2, 0) - along(f, 2, 0)

        # Per pixel, the sums' terms of the fit for the pixel's own kind.
        li, lp = lap(lin), lap(m)
        q = stage(f"mlri_q_{name}", [li * lp, li * li, m[x, y], lin[x, y]])

        # Window sums over sites of the centre's kind (the w + 1 even offsets
        # along, -w..w) and of the other kind (the w odd offsets), lines 2
        # apart across: both from one run of w taps 2 apart.
        across = [2 * j for j in range(-a_, a_ + 1)]
        q_across = stage(f"mlri_q_across_{name}",
                         [sum_of([along(q, 0, e)[i] for e in across]) for i in range(4)])
        q_run = run_sum(f"mlri_q_run_{name}", q_across, 4, w, 2, along)
        s_same = [along(q_run, -w, 0)[i] + along(q_across, w, 0)[i] for i in range(4)]
        s_other = [along(q_run, 1 - w, 0)[i] for i in range(4)]

        eps = const(cc.eps_g * eps_scale)

        def fit(s, count):
            a = s[0] / (s[1] + eps)
            b = (s[2] - a * s[3]) * const(1 / count)
            return [a, b]

        # a, b of the fit on the centre's kind, then a, b on the other kind.
        coef = stage(f"mlri_coef_{name}",
                     fit(s_same, (w + 1) * len(across)) + fit(s_other, w * len(across)))

        # Averages of the coefficients over the windows covering each pixel:
        # for the pixel's own kind, the same-kind fits of windows at even
        # offsets and the other-kind fits of those at odd offsets.
        coef_across = stage(f"mlri_coef_across_{name}",
                            [sum_of([along(coef, 0, e)[i] for e in across]) for i in range(4)])
        coef_run = run_sum(f"mlri_coef_run_{name}", coef_across, 4, w, 2, along)
        inverse_n = const(1 / ((2 * w + 1) * len(across)))

        def avg(k_even, k_odd):
            return ((along(coef_run, -w, 0)[k_even] + along(coef_across, w, 0)[k_even])
                    + along(coef_run, 1 - w, 0)[k_odd]) * inverse_n

        # Estimates at each pixel: of its own colour (guide: lin), whose
        # residual m - own is interpolated to the neighbours, and of the other
        # colour (guide: the sample itself).
        residual = stage(f"mlri_residual_{name}",
                         [m[x, y] - (avg(0, 2) * lin[x, y] + avg(1, 3))])
        other = (avg(2, 0) * m[x, y] + avg(3, 1)
                 + half * (along(residual, -1, 0) + along(residual, 1, 0)))
        return stage(f"mlri_diff_{name}", [hl.select(is_green, m[x, y] - other, other - m[x, y])])

    d_h = directional("h", lambda f, d, e: f[x + d, y + e])
    d_v = directional("v", lambda f, d, e: f[x + e, y + d])

    # --- 2. Blend (GBTF weights) -------------------------------------------
    grad_h = hl.Func("mlri_grad_h")
    grad_h[x, y] = strict(hl.abs(d_h[x - 1, y] - d_h[x + 1, y]))
    grad_v = hl.Func("mlri_grad_v")
    grad_v[x, y] = strict(hl.abs(d_v[x, y - 1] - d_v[x, y + 1]))
    aw = cc.across_w
    grad_h_across = hl.Func("mlri_grad_h_across")
    grad_h_across[x, y] = strict(sum_of([grad_h[x, y + e] for e in range(-aw, aw + 1)]))
    grad_v_across = hl.Func("mlri_grad_v_across")
    grad_v_across[x, y] = strict(sum_of([grad_v[x + e, y] for e in range(-aw, aw + 1)]))

    taps = list(range(cc.reach + 1))
    f = [1.0 if math.isinf(cc.sigma) else math.exp(-0.5 * (t / cc.sigma) ** 2) for t in taps]
    f = [v / sum(f) for v in f]
    tiny = const(1e-10)
    num, den = const(0), const(0)
    for sign in (-1, 1):
        along = range(cc.grad_reach + 1)
        g_h = sum_of([grad_h_across[x + sign * t, y] for t in along])
        g_v = sum_of([grad_v_across[x, y + sign * t] for t in along])
        est_h = sum_of([const(f[t]) * d_h[x + sign * t, y] for t in taps])
        est_v = sum_of([const(f[t]) * d_v[x, y + sign * t] for t in taps])
        w_h = const(1) / ((g_h + tiny) * (g_h + tiny))
        w_v = const(1) / ((g_v + tiny) * (g_v + tiny))
        num = num + w_h * est_h + w_v * est_v
        den = den + w_h + w_v
    green = hl.Func("mlri_green")
    green[x, y] = strict(hl.select(is_green, m[x, y], m[x, y] + num / den))
    stages.extend([grad_h, grad_v, grad_h_across, grad_v_across, green])

    # --- 3. Red and blue by residual interpolation guided by green --------
    def lap2(f):
        return const(4) * f[x, y] - f[x - 2, y] - f[x + 2, y] - f[x, y - 2] - f[x, y + 2]

    def box_rows(f, count, offsets):
        return [sum_of([f[x + d, y][i] for d in offsets]) for i in range(count)]

    def box_columns(f, count, offsets):
        return [sum_of([f[x, y + e][i] for e in offsets]) for i in range(count)]

    # Red and blue together. Their sites never share a row (red on even
    # rows, blue on odd ones), so one masked plane holds the regression terms
    # of both (zero at green sites): its row sums are red's on even rows and
    # blue's on odd rows, and a window's column sum over rows of one parity
    # (even offsets, or odd) is red's or blue's by the centre row's parity.
    r = cc.window_rb
    offsets = range(-r, r + 1)
    zero = const(0)
    lg = lap2(green)
    is_chroma = is_red | is_blue
    # Per pixel: lap(G) lap(m), lap(G)^2, m, G at the red and blue sites.
    q = stage("mlri_rb_q", [hl.select(is_chroma, v, zero)
                            for v in (lg * lap2(m), lg * lg, m[x, y], green[x, y])])
    q_rows = stage("mlri_rb_q_rows", box_rows(q, 4, offsets))
    even_rows = [e for e in offsets if e % 2 == 0]
    odd_rows = [e for e in offsets if e % 2 != 0]
    same_parity = box_columns(q_rows, 4, even_rows)
    other_parity = box_columns(q_rows, 4, odd_rows)
    row_is_even = (y % 2) == 0
    # Their own stage: a and b (through a) both read them. Red's four, then blue's.
    s = stage("mlri_rb_s", [hl.select(row_is_even, same_parity[i], other_parity[i]) for i in range(4)]
              + [hl.select(row_is_even, other_parity[i], same_parity[i]) for i in range(4)])

    def inverse_along(v, p):
        """1 / the sites of parity p in the window along one axis, centred at
        v: 2 (r // 2) + 1 offsets of the centre's parity, 2 ((r + 1) // 2) of
        the other (the oracle divides by its masked sum of ones)."""
        return hl.select(v % 2 == p, const(1 / (2 * (r // 2) + 1)), const(1 / (2 * ((r + 1) // 2))))

    colours = ((is_red, (0, 0)), (is_blue, (1, 1)))
    coefficients = []
    for k, (_, parity) in enumerate(colours):
        inverse_count = inverse_along(x, parity[0]) * inverse_along(y, parity[1])
        a = s[x, y][4 * k] / (s[x, y][4 * k + 1] + const(cc.eps_rb * eps_scale))
        b = (s[x, y][4 * k + 2] - a * s[x, y][4 * k + 3]) * inverse_count
        coefficients += [a, b]
    coef = stage("mlri_rb_coef", coefficients)
    coef_rows = stage("mlri_rb_coef_rows", box_rows(coef, 4, offsets))
    inverse_n = const(1 / (2 * r + 1) ** 2)
    mean = box_columns(coef_rows, 4, offsets)
    estimate = stage("mlri_rb_estimate", [mean[2 * k] * inverse_n * green[x, y] + mean[2 * k + 1] * inverse_n
                                          for k in range(2)])
    residual = stage("mlri_rb_residual", [hl.select(sites, m[x, y] - estimate[x, y][k], zero)
                                          for k, (sites, _) in enumerate(colours)])
    res_rows = stage("mlri_rb_res_rows", [half * residual[x - 1, y][k] + residual[x, y][k]
                                          + half * residual[x + 1, y][k] for k in range(2)])
    red, blue = [strict(estimate[x, y][k] + (half * res_rows[x, y - 1][k] + res_rows[x, y][k]
                                             + half * res_rows[x, y + 1][k])) for k in range(2)]

    rgb = hl.Func("mlri_rgb")
    rgb[c, x, y] = strict(hl.mux(c, [red, green[x, y], blue]))

    return rgb, stages


def strict(value):
    """Float arithmetic exactly as written: no multiply-add fusion (FMA),
    which LLVM otherwise applies where the target has it, so the x86-64
    variants of one archive (AVX-512 and AVX2 with FMA, SSE4.1 and baseline
    without) would differ in the last bits."""
    return hl.strict_float(value)


def sum_of(terms):
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total

