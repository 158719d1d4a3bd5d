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
- The blend and the red/blue step follow the oracle literally (masked sums for
  the red/blue regressions).

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
    unclamped; stages are pure Funcs of (x, y) using the mosaic's own Vars,
    producers first, meant to be computed per strip and vectorized in x (the
    window sums along the direction and the blend are inlined into their
    consumers; the window sums that both a and b of a fit read are stages of
    their own). Func names start with "mlri_".

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
        return hl.cast(wide, value)

    half = const(0.5)
    is_green = ((x + y) % 2) == 1
    is_red = ((x % 2) == 0) & ((y % 2) == 0)
    is_blue = ((x % 2) == 1) & ((y % 2) == 1)
    stages = []

    def funcs(name, values):
        """One Func of (x, y) per value (named name_0, name_1, ...)."""
        result = []
        for i, value in enumerate(values):
            f = hl.Func(f"{name}_{i}")
            f[x, y] = strict(value)
            result.append(f)
        stages.extend(result)
        return result

    # --- 1. Directional colour differences G - C ------------------------
    def directional(name, along):
        """`along(f, d, e)` reads f at d pixels along the direction and e
        across it."""
        lin = hl.Func(f"mlri_lin_{name}")
        lin[x, y] = strict(half * (along(m, -1, 0) + along(m, 1, 0)))
        stages.append(lin)

        def lap(f):
            return const(2) * f[x, y] - along(f, -2, 0) - along(f, 2, 0)

        # Per pixel, the sums' terms of the fit for the pixel's own kind.
        li, lp = lap(lin), lap(m)
        q = [li * lp, li * li, m[x, y], lin[x, y]]

        # Window sums over sites of the centre's kind (even offsets along)
        # and of the other kind (odd offsets), lines 2 apart across.
        w, a_ = cc.window_g, cc.across_g
        even = [d for d in range(-w, w + 1) if d % 2 == 0]
        odd = [d for d in range(-w, w + 1) if d % 2 != 0]
        across = [2 * j for j in range(-a_, a_ + 1)]
        qf = funcs(f"mlri_q_{name}", q)
        q_across = funcs(f"mlri_q_across_{name}",
                         [sum_of([along(f, 0, e) for e in across]) for f in qf])
        # Their own stages: each fit reads its sums twice (a, and b through a).
        s_same = [f[x, y] for f in funcs(f"mlri_s_same_{name}",
                                         [sum_of([along(f, d, 0) for d in even]) for f in q_across])]
        s_other = [f[x, y] for f in funcs(f"mlri_s_other_{name}",
                                          [sum_of([along(f, d, 0) for d in odd]) for f in q_across])]

        eps = const(cc.eps_g * eps_scale)

        def fit(s, count):
            a = s[0] / (s[1] + eps)
            b = s[2] / const(count) - a * (s[3] / const(count))
            return [a, b]

        # a, b of the fit on the centre's kind, then a, b on the other kind.
        coef = funcs(f"mlri_coef_{name}",
                     fit(s_same, len(even) * len(across)) + fit(s_other, len(odd) * len(across)))

        # Averages of the coefficients over the windows covering each pixel:
        # for the pixel's own kind, the same-kind fits of windows at even
        # offsets and the other-kind fits of those at odd offsets.
        coef_across = funcs(f"mlri_coef_across_{name}",
                            [sum_of([along(f, 0, e) for e in across]) for f in coef])
        n = const((2 * w + 1) * len(across))

        def avg(k_even, k_odd):
            return (sum_of([along(coef_across[k_even], d, 0) for d in even])
                    + sum_of([along(coef_across[k_odd], d, 0) for d in odd])) / n

        # own a, own b, other a, other b
        mean_coef = funcs(f"mlri_mean_coef_{name}", [avg(0, 2), avg(1, 3), avg(2, 0), avg(3, 1)])

        # Estimates at each pixel: of its own colour (guide: lin), whose
        # residual m - own is interpolated to the neighbours, and of the other
        # colour (guide: the sample itself).
        residual = hl.Func(f"mlri_residual_{name}")
        residual[x, y] = strict(m[x, y] - (mean_coef[0][x, y] * lin[x, y] + mean_coef[1][x, y]))
        other = (mean_coef[2][x, y] * m[x, y] + mean_coef[3][x, y]
                 + half * (along(residual, -1, 0) + along(residual, 1, 0)))
        diff = hl.Func(f"mlri_diff_{name}")
        diff[x, y] = strict(hl.select(is_green, m[x, y] - other, other - m[x, y]))
        stages.extend([residual, diff])
        return diff

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

    def chroma(name, sites, parity):
        """parity: the sites' (x % 2, y % 2)."""
        r = cc.window_rb
        offsets = range(-r, r + 1)
        zero = const(0)
        # Per pixel, masked: lap(G) lap(m), lap(G)^2, m, G at the sites.
        lg, lm = lap2(green), lap2(m)
        q = funcs(f"mlri_rb_q_{name}", [hl.select(sites, v, zero) for v in
                                         (lg * lm, lg * lg, m[x, y], green[x, y])])
        q_rows = funcs(f"mlri_rb_q_rows_{name}", [sum_of([f[x + d, y] for d in offsets]) for f in q])
        # Their own stages: a and b (through a) both read them.
        s = [f[x, y] for f in funcs(f"mlri_rb_s_{name}", [sum_of([f[x, y + e] for e in offsets]) for f in q_rows])]

        # The number of sites in the window (the oracle's masked sum of ones),
        # from the centre's parity: along each axis, 2 (r // 2) + 1 offsets of
        # the centre's parity, 2 ((r + 1) // 2) of the other.
        def count_along(v, p):
            return hl.select(v % 2 == p, 2 * (r // 2) + 1, 2 * ((r + 1) // 2))

        count = hl.cast(wide, count_along(x, parity[0]) * count_along(y, parity[1]))
        a = s[0] / (s[1] + const(cc.eps_rb * eps_scale))
        b = s[2] / count - a * (s[3] / count)
        coef = funcs(f"mlri_rb_coef_{name}", [a, b])
        coef_rows = funcs(f"mlri_rb_coef_rows_{name}",
                          [sum_of([f[x + d, y] for d in offsets]) for f in coef])
        n = const((2 * r + 1) ** 2)
        estimate = hl.Func(f"mlri_rb_estimate_{name}")
        estimate[x, y] = strict(sum_of([coef_rows[0][x, y + e] for e in offsets]) / n * green[x, y]
                          + sum_of([coef_rows[1][x, y + e] for e in offsets]) / n)
        residual = hl.Func(f"mlri_rb_residual_{name}")
        residual[x, y] = strict(hl.select(sites, m[x, y] - estimate[x, y], zero))
        res_rows = hl.Func(f"mlri_rb_res_rows_{name}")
        res_rows[x, y] = strict(half * residual[x - 1, y] + residual[x, y] + half * residual[x + 1, y])
        value = strict(estimate[x, y]
                       + (half * res_rows[x, y - 1] + res_rows[x, y] + half * res_rows[x, y + 1]))
        stages.extend([estimate, residual, res_rows])
        return value

    red = chroma("red", is_red, (0, 0))
    blue = chroma("blue", is_blue, (1, 1))

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
