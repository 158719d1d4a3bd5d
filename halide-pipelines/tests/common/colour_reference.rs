//! colour-demosaicing 0.2.7's algorithms, translated to f64 ndarray code:
//! the plain reference of `demosaic_reference` and `develop_reference` (see
//! the former's module comment for how it relates to colour and to the crate).
#![allow(dead_code)]
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
