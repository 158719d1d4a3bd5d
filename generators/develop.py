"""`develop_<algorithm>_<u8|u16>_<layout>`: a raw Bayer frame (uint16, any
bit depth up to 16) to a developed RGB image, in one pass.

The chain, per the safe crate's `develop` (and `quality/develop_oracle.py`,
its NumPy reference):
1. v = (raw - black[site]) * scale[site], clipped to [0, 1], where scale =
   white-balance gain of the site's colour / (white - black[site]): the
   caller folds the white level and the gains into `scale` (f32);
2. demosaic v with the algorithm, in that linear domain;
3. rgb' = matrix * rgb (the identity if the caller has none), clipped to [0, 1];
4. the transfer: none (`transfer` = 0) or the IEC 61966-2-1 sRGB curve (1);
5. rounded to the output type's full scale (255 or 65535).

It is the demosaic generator (demosaic.py) with its hooks for what a sample is
on the way in and out overridden, so every algorithm, schedule and CFA pattern
of `demosaic` is here too and the scaling runs inside the demosaic's own
stages: step 1 where the mosaic's line buffer is filled, steps 3-5 where the
output is stored. Nothing else touches memory.

Arithmetic: the float algorithms (Menon2007, ...) compute in float32 on v.
The integer ones (Bilinear, Malvar2004) compute on v in fixed point
(FIXED_POINT_ONE): in 32 bits with 1.0 = 2^24 (Malvar2004's largest partial
sum, 40 times the largest sample, stays below 2^31), whose rounding is far
below an output LSB of 2^-16 even after the sRGB curve's steepest slope
(12.92); Bilinear for 8-bit output in uint16 with 1.0 = 65535 (twice the
lanes per vector; after the curve's steepest slope its rounding is 0.03 of
an 8-bit LSB).

Arguments after `input`, `red_x` and `red_y` (the demosaic's):
- black(x parity, y parity), scale(x parity, y parity): float32 [2, 2], per
  site of the input frame's top-left 2x2 tile (its raster order);
- matrix(k, c): float32 [3, 3], output channel c = sum over k of
  matrix(k, c) * channel k (the Rust side's row-major [[f32; 3]; 3]);
- transfer: int32, 0 linear, 1 sRGB.
"""

import halide as hl

from demosaic import Demosaic

# The fixed-point value of 1.0 for the integer algorithms' linear values, by
# the bits of the type they compute in.
FIXED_POINT_ONE = {16: 65535, 32: 1 << 24}
# IEC 61966-2-1: linear below the threshold, a 1/2.4 power above.
SRGB_THRESHOLD = 0.0031308
SRGB_LINEAR_SLOPE = 12.92
SRGB_SCALE = 1.055
SRGB_OFFSET = 0.055
SRGB_EXPONENT = 1.0 / 2.4


@hl.generator(name="develop")
class Develop(Demosaic):
    black = hl.InputBuffer(hl.Float(32), 2)
    scale = hl.InputBuffer(hl.Float(32), 2)
    matrix = hl.InputBuffer(hl.Float(32), 2)
    transfer = hl.InputScalar(hl.Int(32))

    def allow_out_of_order_inputs_and_outputs(self):
        # The inputs added here follow the demosaic's output in the class
        # hierarchy; Halide puts every input first in the calling convention.
        return True

    def generate(self):
        for site in (self.black, self.scale):
            site.dim(0).set_bounds(0, 2)
            site.dim(1).set_bounds(0, 2)
        self.matrix.dim(0).set_bounds(0, 3)
        self.matrix.dim(1).set_bounds(0, 3)
        self.transfer.set_range(0, 1)
        super().generate()

    def check_types(self, sample, output):
        if sample not in (hl.UInt(8), hl.UInt(16)) or output not in (hl.UInt(8), hl.UInt(16)):
            raise ValueError("input.type and output.type must each be uint8 or uint16")

    def linear(self, mirrored, x, y):
        """Step 1 at input pixel (x, y): the site's black level and scale are
        scalar loads (x's parity only picks between two of them)."""
        y_parity = y % 2

        def at_site(buffer):
            return hl.select(x % 2 == 0, buffer[0, y_parity], buffer[1, y_parity])

        raw = hl.cast(hl.Float(32), mirrored[x, y])
        return hl.clamp((raw - at_site(self.black)) * at_site(self.scale), 0.0, 1.0)

    def tile_type(self, sample):
        if self.algorithm != "bilinear":
            return hl.Int(32)
        # Bilinear for 8-bit output: 16-bit samples are exact enough (below).
        return hl.UInt(16) if self.output.type() == hl.UInt(8) else hl.UInt(32)

    def fixed_point_one(self, wide):
        return float(FIXED_POINT_ONE[wide.bits()])

    # The mosaic is the linearized samples, a stage of its own.
    mosaic_is_plain = False

    def tile_mosaic(self, mirrored, x, y, wide):
        return hl.cast(wide, hl.round(self.linear(mirrored, x, y) * self.fixed_point_one(wide)))

    def tile_result(self, sample, wide, value):
        return value

    def staged_type(self, sample):
        return hl.Float(32)

    def staged_mosaic(self, mirrored, x, y, wide):
        return self.linear(mirrored, x, y)

    def staged_peak(self, sample):
        return 1.0

    def staged_result(self, sample, value):
        return value

    def finish(self, stage, c, x, y):
        """Steps 3-5 for output channel c (a constant where the output is
        stored: c is unrolled), from the three linear values at (x, y)."""
        unit = 1.0 if stage.type().is_float() else 1.0 / self.fixed_point_one(stage.type())
        rgb = [hl.cast(hl.Float(32), stage[k, x, y]) * unit for k in range(3)]
        full_scale = float(2 ** self.output.type().bits() - 1)
        channels = []
        for out_channel in range(3):
            mixed = (self.matrix[0, out_channel] * rgb[0] + self.matrix[1, out_channel] * rgb[1]
                     + self.matrix[2, out_channel] * rgb[2])
            value = hl.clamp(mixed, 0.0, 1.0)
            encoded = hl.select(self.transfer == 0, value, srgb(value, SRGB_POWER_FIT[self.output.type().bits()]))
            channels.append(hl.saturating_cast(self.output.type(), hl.round(encoded * full_scale)))
        return hl.mux(c, channels)


def srgb(value, fit):
    """The sRGB curve of a linear value in [0, 1].

    Above the threshold, v^(1/2.4) = t^(5/(12 r)) with t = v^r, r = 1/2 or
    1/4 (one or two IEEE square roots: exact, so every CPU computes the same
    bits), and the power of t is the polynomial `fit` in t (Horner,
    float32). That is less than half the work of Halide's fast_pow (a log and
    an exp), which made the curve cost more than the demosaic. Below the
    threshold the polynomial's value is unused."""
    roots, coefficients = fit
    t = value
    for _ in range(roots):
        t = hl.sqrt(t)
    power = hl.f32(coefficients[-1])
    for coefficient in reversed(coefficients[:-1]):
        power = power * t + hl.f32(coefficient)
    encoded = hl.f32(SRGB_SCALE) * power - hl.f32(SRGB_OFFSET)
    return hl.select(value <= hl.f32(SRGB_THRESHOLD), value * hl.f32(SRGB_LINEAR_SLOPE), encoded)


# Per output bits: (roots, coefficients), where t = v^(1/2^roots) and
# v^(1/2.4) = t^(2^roots * 5/12) on [SRGB_THRESHOLD^(1/2^roots), 1] is the
# polynomial in t with those coefficients, lowest degree first: Chebyshev
# least-squares fits (numpy 2.4, `Chebyshev.fit(t, t**p, 7, domain=[lo, 1])`
# on 200001 evenly spaced t, converted to the power basis), rounded to
# float32 and written here so that regeneration needs no numpy. The largest
# error of the whole curve so evaluated in float32, from check_develop.py:
# 0.063 LSB of 8 bits (one root), 0.066 LSB of 16 bits (two roots: with one,
# degree 9 still errs by 4.5 LSB of 16 bits).
SRGB_POWER_FIT = {
    8: (1, (0.011834553442895412, 1.508501648902893, -2.020606756210327, 4.982966423034668,
            -8.423072814941406, 8.689850807189941, -4.9112091064453125, 1.1618101596832275)),
    16: (2, (-0.0034162383526563644, 0.11913897842168808, 1.3743011951446533, -1.063348412513733,
             1.0916520357131958, -0.7984658479690552, 0.3463231027126312, -0.06618538498878479)),
}


if __name__ == "__main__":
    hl.main()
