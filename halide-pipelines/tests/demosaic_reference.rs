//! `demosaic_to_array` against a plain f64 reference of each algorithm.
//!
//! The reference (module `reference`) is a direct translation of the whole-array
//! numpy code of the Python package colour-demosaicing 0.2.7
//! (`bayer/masks.py` and `bayer/demosaicing/{bilinear,malvar2004,menon2007}.py`):
//! the same masks, the same convolutions in f64, the same `np.where`
//! selections in the same order. It knows nothing of the crate's Halide code.
//!
//! Its one intended deviation from colour is the border: every convolution here
//! mirrors the frame about its edge samples without repeating them (index -1
//! reads index 1, index n reads n - 2), as the crate does, where colour repeats
//! the edge sample (scipy's default `mode="reflect"`) or zero-pads (Menon's
//! `d_H`, `d_V`). Bilinear and Malvar2004 are linear filters of the mosaic, so
//! mirroring each convolution's input is mirroring the frame: they must match
//! the crate exactly on the whole frame, borders included, down to 2-row and
//! 2-column frames. Menon2007's later stages mirror their own inputs here,
//! where the crate mirrors the mosaic once, so it is compared more than
//! [`BORDER`] pixels away from the edges, within a tolerance.

use halide_pipelines::{CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic_to_array};
use ndarray::{Array2, Array3};

/// Pixels excluded from Menon2007's comparison on every side of the frame.
const BORDER: usize = 10;

/// Frame sizes tried for Menon2007: even, and odd in both directions.
const SIZES: [(usize, usize); 2] = [(48, 64), (37, 53)];

/// Frame sizes compared whole: even and odd, and the thinnest frames (2 rows
/// or 2 columns, where a 5x5 kernel mirrors past the far edge too).
const WHOLE_FRAME_SIZES: [(usize, usize); 12] = [
    (48, 64),
    (37, 53),
    (2, 2),
    (2, 3),
    (3, 2),
    (2, 9),
    (9, 2),
    (3, 3),
    (3, 7),
    (7, 3),
    (4, 5),
    (5, 4),
];

/// colour-demosaicing's algorithms, translated to f64 ndarray code.
mod reference {
    use ndarray::{Array2, Zip, array};

    /// One colour plane, or a whole CFA frame, as floats.
    pub type Plane = Array2<f64>;
    /// A boolean mask, as colour's `R_m`, `G_m`, `B_m`.
    pub type Mask = Array2<bool>;

    /// Index `i` of an axis of length `n`, mirrored about the edge samples
    /// without repeating them: `-1 -> 1`, `n -> n - 2`.
    fn mirror(mut i: isize, n: usize) -> usize {
        let n = n as isize;
        loop {
            if i < 0 {
                i = -i;
            } else if i >= n {
                i = 2 * (n - 1) - i;
            } else {
                return i as usize;
            }
        }
    }

    /// scipy's `ndimage.convolve(img, kernel)` (a true convolution: the kernel
    /// is flipped), for odd kernel sizes, with mirror padding.
    pub fn convolve_mirror(img: &Plane, kernel: &Plane) -> Plane {
        let (height, width) = img.dim();
        let (kernel_height, kernel_width) = kernel.dim();
        let (centre_row, centre_col) = ((kernel_height / 2) as isize, (kernel_width / 2) as isize);
        Plane::from_shape_fn((height, width), |(i, j)| {
            let mut sum = 0.0;
            for ((a, b), &weight) in kernel.indexed_iter() {
                let row = mirror(i as isize + centre_row - a as isize, height);
                let col = mirror(j as isize + centre_col - b as isize, width);
                sum += weight * img[[row, col]];
            }
            sum
        })
    }

    /// scipy's `ndimage.convolve1d(img, kernel, mode="mirror")` along rows
    /// (axis -1): colour's `_cnv_h`.
    pub fn convolve1d_h(img: &Plane, kernel: &[f64]) -> Plane {
        convolve_mirror(img, &Plane::from_shape_vec((1, kernel.len()), kernel.to_vec()).unwrap())
    }

    /// scipy's `ndimage.convolve1d(img, kernel, mode="mirror", axis=0)`:
    /// colour's `_cnv_v`.
    pub fn convolve1d_v(img: &Plane, kernel: &[f64]) -> Plane {
        convolve_mirror(img, &Plane::from_shape_vec((kernel.len(), 1), kernel.to_vec()).unwrap())
    }

    /// `np.where(condition, a, b)`.
    fn select(condition: &Mask, a: &Plane, b: &Plane) -> Plane {
        Zip::from(condition)
            .and(a)
            .and(b)
            .map_collect(|&c, &a, &b| if c { a } else { b })
    }

    /// `np.logical_and(a, b)`.
    fn and(a: &Mask, b: &Mask) -> Mask {
        Zip::from(a).and(b).map_collect(|&a, &b| a && b)
    }

    /// `np.logical_not(mask)` (colour's `G_m == 0`).
    fn not(mask: &Mask) -> Mask {
        mask.mapv(|m| !m)
    }

    /// `CFA * mask`.
    fn masked(cfa: &Plane, mask: &Mask) -> Plane {
        Zip::from(cfa).and(mask).map_collect(|&v, &m| if m { v } else { 0.0 })
    }

    /// `np.transpose(np.any(mask == 1, axis=1)[None]) * ones(shape)`: the rows
    /// holding a sample of the mask's colour.
    fn rows_with(mask: &Mask) -> Mask {
        let any_in_row: Vec<bool> = mask.rows().into_iter().map(|row| row.iter().any(|&m| m)).collect();
        Mask::from_shape_fn(mask.dim(), |(i, _)| any_in_row[i])
    }

    /// `np.any(mask == 1, axis=0)[None] * ones(shape)`: the columns holding a
    /// sample of the mask's colour.
    fn cols_with(mask: &Mask) -> Mask {
        let any_in_col: Vec<bool> = mask.columns().into_iter().map(|col| col.iter().any(|&m| m)).collect();
        Mask::from_shape_fn(mask.dim(), |(_, j)| any_in_col[j])
    }

    /// `masks_CFA_Bayer(shape, pattern)`: `pattern` names the colours of the
    /// 2×2 tile at `(0, 0), (0, 1), (1, 0), (1, 1)`, e.g. `"GRBG"`.
    pub fn masks_cfa_bayer(shape: (usize, usize), pattern: &str) -> (Mask, Mask, Mask) {
        let tile: Vec<char> = pattern.chars().collect();
        assert_eq!(tile.len(), 4, "{pattern}");
        let mask = |channel: char| Mask::from_shape_fn(shape, |(y, x)| tile[2 * (y % 2) + x % 2] == channel);
        (mask('R'), mask('G'), mask('B'))
    }

    /// `demosaicing_CFA_Bayer_bilinear(CFA, pattern)`: `[R, G, B]`.
    pub fn bilinear(cfa: &Plane, pattern: &str) -> [Plane; 3] {
        let (r_m, g_m, b_m) = masks_cfa_bayer(cfa.dim(), pattern);

        let h_g = array![[0.0, 1.0, 0.0], [1.0, 4.0, 1.0], [0.0, 1.0, 0.0]] / 4.0;
        let h_rb = array![[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]] / 4.0;

        let r = convolve_mirror(&masked(cfa, &r_m), &h_rb);
        let g = convolve_mirror(&masked(cfa, &g_m), &h_g);
        let b = convolve_mirror(&masked(cfa, &b_m), &h_rb);
        [r, g, b]
    }

    /// `demosaicing_CFA_Bayer_Malvar2004(CFA, pattern)`: `[R, G, B]`.
    pub fn malvar2004(cfa: &Plane, pattern: &str) -> [Plane; 3] {
        let (r_m, g_m, b_m) = masks_cfa_bayer(cfa.dim(), pattern);

        let gr_gb = array![
            [0.0, 0.0, -1.0, 0.0, 0.0],
            [0.0, 0.0, 2.0, 0.0, 0.0],
            [-1.0, 2.0, 4.0, 2.0, -1.0],
            [0.0, 0.0, 2.0, 0.0, 0.0],
            [0.0, 0.0, -1.0, 0.0, 0.0],
        ] / 8.0;
        let rg_rb_bg_br = array![
            [0.0, 0.0, 0.5, 0.0, 0.0],
            [0.0, -1.0, 0.0, -1.0, 0.0],
            [-1.0, 4.0, 5.0, 4.0, -1.0],
            [0.0, -1.0, 0.0, -1.0, 0.0],
            [0.0, 0.0, 0.5, 0.0, 0.0],
        ] / 8.0;
        let rg_br_bg_rb = rg_rb_bg_br.t().to_owned();
        let rb_bb_br_rr = array![
            [0.0, 0.0, -1.5, 0.0, 0.0],
            [0.0, 2.0, 0.0, 2.0, 0.0],
            [-1.5, 0.0, 6.0, 0.0, -1.5],
            [0.0, 2.0, 0.0, 2.0, 0.0],
            [0.0, 0.0, -1.5, 0.0, 0.0],
        ] / 8.0;

        let r = masked(cfa, &r_m);
        let g = masked(cfa, &g_m);
        let b = masked(cfa, &b_m);

        let r_or_b = Zip::from(&r_m).and(&b_m).map_collect(|&r, &b| r || b);
        let g = select(&r_or_b, &convolve_mirror(cfa, &gr_gb), &g);

        let rbg_rbbr = convolve_mirror(cfa, &rg_rb_bg_br);
        let rbg_brrb = convolve_mirror(cfa, &rg_br_bg_rb);
        let rbgr_bbrr = convolve_mirror(cfa, &rb_bb_br_rr);

        let r_r = rows_with(&r_m);
        let r_c = cols_with(&r_m);
        let b_r = rows_with(&b_m);
        let b_c = cols_with(&b_m);

        let r = select(&and(&r_r, &b_c), &rbg_rbbr, &r);
        let r = select(&and(&b_r, &r_c), &rbg_brrb, &r);

        let b = select(&and(&b_r, &r_c), &rbg_rbbr, &b);
        let b = select(&and(&r_r, &b_c), &rbg_brrb, &b);

        let r = select(&and(&b_r, &b_c), &rbgr_bbrr, &r);
        let b = select(&and(&r_r, &r_c), &rbgr_bbrr, &b);

        [r, g, b]
    }

    /// `demosaicing_CFA_Bayer_Menon2007(CFA, pattern, refining_step=True)`:
    /// `[R, G, B]`.
    pub fn menon2007(cfa: &Plane, pattern: &str) -> [Plane; 3] {
        let (r_m, g_m, b_m) = masks_cfa_bayer(cfa.dim(), pattern);
        let zeros = Plane::zeros(cfa.dim());

        let h_0 = [0.0, 0.5, 0.0, 0.5, 0.0];
        let h_1 = [-0.25, 0.0, 0.5, 0.0, -0.25];

        let r = masked(cfa, &r_m);
        let g = masked(cfa, &g_m);
        let b = masked(cfa, &b_m);

        let not_g = not(&g_m);
        let g_h = select(&not_g, &(convolve1d_h(cfa, &h_0) + convolve1d_h(cfa, &h_1)), &g);
        let g_v = select(&not_g, &(convolve1d_v(cfa, &h_0) + convolve1d_v(cfa, &h_1)), &g);

        let c_h = select(&r_m, &(&r - &g_h), &zeros);
        let c_h = select(&b_m, &(&b - &g_h), &c_h);

        let c_v = select(&r_m, &(&r - &g_v), &zeros);
        let c_v = select(&b_m, &(&b - &g_v), &c_v);

        // colour's `D_H` and `D_V`: `np.pad(..., mode="reflect")` is a mirror
        // that does not repeat the edge sample, as `mirror` here.
        let (height, width) = cfa.dim();
        let delta_h = Plane::from_shape_fn((height, width), |(i, j)| {
            (c_h[[i, j]] - c_h[[i, mirror(j as isize + 2, width)]]).abs()
        });
        let delta_v = Plane::from_shape_fn((height, width), |(i, j)| {
            (c_v[[i, j]] - c_v[[mirror(i as isize + 2, height), j]]).abs()
        });

        let k = array![
            [0.0, 0.0, 1.0, 0.0, 1.0],
            [0.0, 0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 3.0, 0.0, 3.0],
            [0.0, 0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0, 0.0, 1.0],
        ];

        // colour zero-pads here (`mode="constant"`); only the border differs.
        let d_h = convolve_mirror(&delta_h, &k);
        let d_v = convolve_mirror(&delta_v, &k.t().to_owned());

        // `mask = d_V >= d_H`, kept as `M`.
        let m: Mask = Zip::from(&d_v).and(&d_h).map_collect(|&v, &h| v >= h);
        let g = select(&m, &g_h, &g_v);

        let r_r = rows_with(&r_m);
        let b_r = rows_with(&b_m);

        let k_b = [0.5, 0.0, 0.5];

        let r = select(
            &and(&g_m, &r_r),
            &(&g + &convolve1d_h(&r, &k_b) - &convolve1d_h(&g, &k_b)),
            &r,
        );
        let r = select(
            &and(&g_m, &b_r),
            &(&g + &convolve1d_v(&r, &k_b) - &convolve1d_v(&g, &k_b)),
            &r,
        );

        let b = select(
            &and(&g_m, &b_r),
            &(&g + &convolve1d_h(&b, &k_b) - &convolve1d_h(&g, &k_b)),
            &b,
        );
        let b = select(
            &and(&g_m, &r_r),
            &(&g + &convolve1d_v(&b, &k_b) - &convolve1d_v(&g, &k_b)),
            &b,
        );

        let r = select(
            &and(&b_r, &b_m),
            &select(
                &m,
                &(&b + &convolve1d_h(&r, &k_b) - &convolve1d_h(&b, &k_b)),
                &(&b + &convolve1d_v(&r, &k_b) - &convolve1d_v(&b, &k_b)),
            ),
            &r,
        );

        let b = select(
            &and(&r_r, &r_m),
            &select(
                &m,
                &(&r + &convolve1d_h(&b, &k_b) - &convolve1d_h(&r, &k_b)),
                &(&r + &convolve1d_v(&b, &k_b) - &convolve1d_v(&r, &k_b)),
            ),
            &b,
        );

        refining_step_menon2007([r, g, b], (&r_m, &g_m, &b_m), &m)
    }

    /// `refining_step_Menon2007(RGB, RGB_m, M)`.
    fn refining_step_menon2007(rgb: [Plane; 3], rgb_m: (&Mask, &Mask, &Mask), m: &Mask) -> [Plane; 3] {
        let [r, g, b] = rgb;
        let (r_m, g_m, b_m) = rgb_m;
        let zeros = Plane::zeros(r.dim());

        // Updating the green channel.
        let r_g = &r - &g;
        let b_g = &b - &g;

        let fir = [1.0 / 3.0; 3];

        let b_g_m = select(
            b_m,
            &select(m, &convolve1d_h(&b_g, &fir), &convolve1d_v(&b_g, &fir)),
            &zeros,
        );
        let r_g_m = select(
            r_m,
            &select(m, &convolve1d_h(&r_g, &fir), &convolve1d_v(&r_g, &fir)),
            &zeros,
        );

        let g = select(r_m, &(&r - &r_g_m), &g);
        let g = select(b_m, &(&b - &b_g_m), &g);

        // Updating the red and blue channels in green locations.
        let r_r = rows_with(r_m);
        let r_c = cols_with(r_m);
        let b_r = rows_with(b_m);
        let b_c = cols_with(b_m);

        let r_g = &r - &g;
        let b_g = &b - &g;

        let k_b = [0.5, 0.0, 0.5];

        let g_in_b_rows = and(g_m, &b_r);
        let g_in_b_cols = and(g_m, &b_c);
        let r_g_m = select(&g_in_b_rows, &convolve1d_v(&r_g, &k_b), &r_g_m);
        let r = select(&g_in_b_rows, &(&g + &r_g_m), &r);
        let r_g_m = select(&g_in_b_cols, &convolve1d_h(&r_g, &k_b), &r_g_m);
        let r = select(&g_in_b_cols, &(&g + &r_g_m), &r);

        let g_in_r_rows = and(g_m, &r_r);
        let g_in_r_cols = and(g_m, &r_c);
        let b_g_m = select(&g_in_r_rows, &convolve1d_v(&b_g, &k_b), &b_g_m);
        let b = select(&g_in_r_rows, &(&g + &b_g_m), &b);
        let b_g_m = select(&g_in_r_cols, &convolve1d_h(&b_g, &k_b), &b_g_m);
        let b = select(&g_in_r_cols, &(&g + &b_g_m), &b);

        // Updating the red and blue channels in blue and red locations.
        let r_b = &r - &b;
        let r_b_m = select(
            b_m,
            &select(m, &convolve1d_h(&r_b, &fir), &convolve1d_v(&r_b, &fir)),
            &zeros,
        );
        let r = select(b_m, &(&b + &r_b_m), &r);

        let r_b_m = select(
            r_m,
            &select(m, &convolve1d_h(&r_b, &fir), &convolve1d_v(&r_b, &fir)),
            &zeros,
        );
        let b = select(r_m, &(&r - &r_b_m), &b);

        [r, g, b]
    }
}

/// colour's name of a pattern: the tile read row by row, in upper case.
fn pattern_name(pattern: CfaPattern) -> String {
    pattern.to_string().to_uppercase()
}

fn reference_rgb(cfa: &reference::Plane, pattern: CfaPattern, algorithm: DemosaicAlgorithm) -> [reference::Plane; 3] {
    let pattern = &pattern_name(pattern);
    match algorithm {
        DemosaicAlgorithm::Bilinear => reference::bilinear(cfa, pattern),
        DemosaicAlgorithm::Malvar2004 => reference::malvar2004(cfa, pattern),
        DemosaicAlgorithm::Menon2007 => reference::menon2007(cfa, pattern),
        other => panic!("no reference for {other:?}"),
    }
}

/// The sample types the pipelines are built for.
trait Sample: DemosaicSample + Into<f64> {
    const MAX: u16;
    fn from_u16(value: u16) -> Self;
}

impl Sample for u8 {
    const MAX: u16 = u8::MAX as u16;
    fn from_u16(value: u16) -> Self {
        u8::try_from(value).unwrap()
    }
}

impl Sample for u16 {
    const MAX: u16 = u16::MAX;
    fn from_u16(value: u16) -> Self {
        value
    }
}

/// SplitMix64: a small, seeded, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..=max`.
    fn below_or_equal(&mut self, max: u16) -> u16 {
        (self.next_u64() % (u64::from(max) + 1)) as u16
    }
}

/// Test frames.
#[derive(Debug, Clone, Copy)]
enum Data {
    /// Every sample independent and uniform over the type's whole range.
    Noise,
    /// Each colour a smooth field (mid-grey plus three random sinusoids with
    /// periods of 5 to 40 pixels) with mild noise (±1% of the range), sampled
    /// through the CFA.
    Smooth,
}

fn frame<T: Sample>(data: Data, shape: (usize, usize), pattern: CfaPattern, rng: &mut Rng) -> Array2<T> {
    let max = f64::from(T::MAX);
    match data {
        Data::Noise => Array2::from_shape_fn(shape, |_| T::from_u16(rng.below_or_equal(T::MAX))),
        Data::Smooth => {
            // Per colour: (amplitude, row frequency, column frequency, phase) of each wave.
            let waves: Vec<Vec<(f64, f64, f64, f64)>> = (0..3)
                .map(|_| {
                    (0..3)
                        .map(|_| {
                            let period = 5.0 + 35.0 * rng.next_f64();
                            let angle = std::f64::consts::TAU * rng.next_f64();
                            let frequency = std::f64::consts::TAU / period;
                            let amplitude = max * (0.05 + 0.1 * rng.next_f64());
                            let phase = std::f64::consts::TAU * rng.next_f64();
                            (amplitude, frequency * angle.sin(), frequency * angle.cos(), phase)
                        })
                        .collect()
                })
                .collect();
            let name = pattern_name(pattern);
            let tile = name.as_bytes();
            Array2::from_shape_fn(shape, |(y, x)| {
                let channel = match tile[2 * (y % 2) + x % 2] {
                    b'R' => 0,
                    b'G' => 1,
                    _ => 2,
                };
                let mut value = 0.5 * max;
                for &(amplitude, fy, fx, phase) in &waves[channel] {
                    value += amplitude * (fy * y as f64 + fx * x as f64 + phase).sin();
                }
                value += max * 0.01 * (2.0 * rng.next_f64() - 1.0);
                T::from_u16(value.round().clamp(0.0, max) as u16)
            })
        }
    }
}

/// How one pipeline run compares with the reference on the interior samples.
#[derive(Debug, Default)]
struct Agreement {
    samples: usize,
    within_tolerance: usize,
    exact: usize,
    max_difference: f64,
    /// `(row, column, channel, pipeline's value, rounded reference)` of a
    /// sample with the largest difference.
    worst: Option<(usize, usize, usize, f64, f64)>,
}

impl Agreement {
    fn fraction_within(&self) -> f64 {
        self.within_tolerance as f64 / self.samples as f64
    }

    fn add(&mut self, other: &Agreement) {
        self.samples += other.samples;
        self.within_tolerance += other.within_tolerance;
        self.exact += other.exact;
        if other.max_difference > self.max_difference || self.worst.is_none() {
            self.max_difference = other.max_difference;
            self.worst = other.worst;
        }
    }
}

/// Runs the pipeline on `raw` and compares with the reference rounded to
/// nearest and clamped, more than `border` pixels from the edges (0: all).
fn compare<T: Sample>(
    raw: &Array2<T>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
    tolerance: f64,
    border: usize,
) -> Agreement {
    let rgb: Array3<T> = demosaic_to_array(raw.view(), pattern, algorithm).unwrap();
    let expected = reference_rgb(&raw.mapv(Into::into), pattern, algorithm);
    let (height, width) = raw.dim();
    assert_eq!(rgb.dim(), (height, width, 3));
    let max = f64::from(T::MAX);
    let mut agreement = Agreement::default();
    for row in border..height - border {
        for col in border..width - border {
            for (channel, plane) in expected.iter().enumerate() {
                let actual: f64 = rgb[[row, col, channel]].into();
                let wanted = plane[[row, col]].round().clamp(0.0, max);
                let difference = (actual - wanted).abs();
                agreement.samples += 1;
                agreement.within_tolerance += usize::from(difference <= tolerance);
                agreement.exact += usize::from(difference == 0.0);
                if difference > agreement.max_difference || agreement.worst.is_none() {
                    agreement.max_difference = difference;
                    agreement.worst = Some((row, col, channel, actual, wanted));
                }
            }
        }
    }
    agreement
}

/// What one comparison requires of the pipeline.
#[derive(Debug, Clone, Copy)]
struct Requirement {
    /// The frame sizes tried.
    sizes: &'static [(usize, usize)],
    /// Pixels left out on every side (0: the whole frame).
    border: usize,
    /// Largest difference, in LSB, that counts as agreeing.
    tolerance: f64,
    /// Fraction of the compared samples that must agree, per run.
    min_fraction: f64,
}

/// Exactly the reference, on the whole frame.
const EXACT_WHOLE_FRAME: Requirement = Requirement {
    sizes: &WHOLE_FRAME_SIZES,
    border: 0,
    tolerance: 0.0,
    min_fraction: 1.0,
};

/// Compares every pattern, frame size and both sample types with the
/// reference; every run must have at least `min_fraction` of its compared
/// samples within `tolerance` LSB of the rounded reference. Prints a summary
/// per sample type (see it with `--nocapture`).
fn check(algorithm: DemosaicAlgorithm, data: Data, requirement: Requirement, seed: u64) {
    fn for_type<T: Sample>(
        algorithm: DemosaicAlgorithm,
        data: Data,
        requirement: Requirement,
        rng: &mut Rng,
        failures: &mut Vec<String>,
    ) {
        let Requirement {
            sizes,
            border,
            tolerance,
            min_fraction,
        } = requirement;
        let type_name = std::any::type_name::<T>();
        let mut total = Agreement::default();
        for pattern in CfaPattern::ALL {
            for &shape in sizes {
                let raw = frame::<T>(data, shape, pattern, rng);
                let agreement = compare(&raw, pattern, algorithm, tolerance, border);
                if agreement.fraction_within() < min_fraction {
                    failures.push(format!(
                        "{algorithm:?} {data:?} {type_name} {pattern:?} {shape:?}: {:.3}% of samples within \
                         {tolerance} LSB (< {:.3}%), max difference {} at (row, col, channel, pipeline, reference) \
                         {:?}",
                        100.0 * agreement.fraction_within(),
                        100.0 * min_fraction,
                        agreement.max_difference,
                        agreement.worst.unwrap(),
                    ));
                }
                total.add(&agreement);
            }
        }
        println!(
            "{algorithm:?} {data:?} {type_name}: {} samples ({border}-pixel border left out), {:.3}% exact, {:.3}% \
             within {tolerance} LSB, max difference {} at (row, col, channel, pipeline, reference) {:?}",
            total.samples,
            100.0 * total.exact as f64 / total.samples as f64,
            100.0 * total.fraction_within(),
            total.max_difference,
            total.worst.unwrap(),
        );
    }

    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    for_type::<u8>(algorithm, data, requirement, &mut rng, &mut failures);
    for_type::<u16>(algorithm, data, requirement, &mut rng, &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Menon2007 away from the borders: within 2 LSB on 99% of the samples.
const MENON_INTERIOR: Requirement = Requirement {
    sizes: &SIZES,
    border: BORDER,
    tolerance: 2.0,
    min_fraction: 0.99,
};

#[test]
fn bilinear_matches_reference_exactly_on_the_whole_frame() {
    check(DemosaicAlgorithm::Bilinear, Data::Noise, EXACT_WHOLE_FRAME, 0x0B11_1AEA);
}

#[test]
fn bilinear_matches_reference_exactly_on_the_whole_smooth_frame() {
    check(
        DemosaicAlgorithm::Bilinear,
        Data::Smooth,
        EXACT_WHOLE_FRAME,
        0x5300_0B11,
    );
}

#[test]
fn malvar2004_matches_reference_exactly_on_the_whole_frame() {
    check(
        DemosaicAlgorithm::Malvar2004,
        Data::Noise,
        EXACT_WHOLE_FRAME,
        0x0BA1_BA20,
    );
}

#[test]
fn malvar2004_matches_reference_exactly_on_the_whole_smooth_frame() {
    check(
        DemosaicAlgorithm::Malvar2004,
        Data::Smooth,
        EXACT_WHOLE_FRAME,
        0x5300_7420,
    );
}

#[test]
fn menon2007_matches_reference_within_2_lsb_on_99_percent_of_samples() {
    check(DemosaicAlgorithm::Menon2007, Data::Noise, MENON_INTERIOR, 0x3E20_2007);
}

#[test]
fn menon2007_matches_reference_within_2_lsb_on_99_percent_of_smooth_samples() {
    check(DemosaicAlgorithm::Menon2007, Data::Smooth, MENON_INTERIOR, 0x5300_3E20);
}

/// The reference itself: every algorithm reproduces a plane `a + b·row +
/// c·column` (the same in all three colours) exactly away from the borders,
/// for every pattern. Catches a misplaced mask or a sign error in a kernel.
#[test]
fn reference_reproduces_a_linear_ramp() {
    let shape = (24, 30);
    let ramp = Array2::from_shape_fn(shape, |(row, col)| 100.0 + 3.0 * row as f64 - 2.0 * col as f64);
    for algorithm in DemosaicAlgorithm::ALL {
        for pattern in CfaPattern::ALL {
            let rgb = reference_rgb(&ramp, pattern, algorithm);
            for (channel, plane) in rgb.iter().enumerate() {
                for row in BORDER..shape.0 - BORDER {
                    for col in BORDER..shape.1 - BORDER {
                        let (got, want) = (plane[[row, col]], ramp[[row, col]]);
                        assert!(
                            (got - want).abs() < 1e-9,
                            "{algorithm:?} {pattern:?} channel {channel} at ({row}, {col}): {got} != {want}"
                        );
                    }
                }
            }
        }
    }
}
