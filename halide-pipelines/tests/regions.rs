//! `demosaic_region` / `develop_region` against the oracle that defines them:
//! the same pixels of the whole frame's `demosaic` / `develop`, bit for bit.

#[path = "common/split_mix.rs"]
mod split_mix;
#[path = "common/x86_variant.rs"]
mod x86_variant;

use halide_pipelines::{
    CfaPattern, DemosaicAlgorithm, DemosaicSample, Error, ExpectedExtent, RawParams, demosaic, demosaic_region,
    develop, develop_region,
};
use ndarray::{Array2, Array3, s};
use split_mix::Rng;
use x86_variant::choose_variant;

/// A frame with odd sides, so regions start at every CFA phase and end at
/// both parities of the frame's edges.
const HEIGHT: usize = 67;
const WIDTH: usize = 91;
const REGIONS: usize = 200;

fn frame<T: DemosaicSample>(rng: &mut Rng, max: u64, to: impl Fn(u64) -> T) -> Array2<T> {
    Array2::from_shape_simple_fn((HEIGHT, WIDTH), || to(rng.next_u64() % (max + 1)))
}

/// A random region `(origin, (h, w))`: a quarter of them touch an edge of the
/// frame, a tenth are at most 3×3, the rest anywhere (up to the whole frame).
fn region(rng: &mut Rng, index: usize) -> ([usize; 2], (usize, usize)) {
    let mut pick = |limit: usize| (rng.next_u64() % limit as u64) as usize;
    let (h, w) = if index.is_multiple_of(10) {
        (1 + pick(3), 1 + pick(3))
    } else {
        (1 + pick(HEIGHT), 1 + pick(WIDTH))
    };
    let mut origin = [pick(HEIGHT - h + 1), pick(WIDTH - w + 1)];
    match index % 8 {
        0 => origin[0] = 0,
        1 => origin[0] = HEIGHT - h,
        2 => origin[1] = 0,
        3 => origin[1] = WIDTH - w,
        _ => {}
    }
    (origin, (h, w))
}

fn regions_equal_the_whole_frame<T: DemosaicSample + std::fmt::Debug>(max: u64, to: impl Fn(u64) -> T) {
    let mut rng = Rng(0x5EED_0001 + max);
    for &algorithm in DemosaicAlgorithm::ALL {
        let raw = frame(&mut rng, max, &to);
        let pattern = CfaPattern::ALL[(rng.next_u64() % 4) as usize];
        let mut whole = Array3::from_elem((HEIGHT, WIDTH, 3), T::default());
        demosaic(&raw, &mut whole, pattern, algorithm).unwrap();
        for index in 0..REGIONS {
            let (origin, (h, w)) = region(&mut rng, index);
            let expected = whole.slice(s![origin[0]..origin[0] + h, origin[1]..origin[1] + w, ..]);
            // Interleaved, and every fourth region planar (another archive).
            if index % 4 == 3 {
                let mut planes = Array3::from_elem((3, h, w), T::default());
                let mut view = planes.view_mut().permuted_axes([1, 2, 0]);
                demosaic_region(&raw, &mut view, origin, pattern, algorithm).unwrap();
                assert_eq!(
                    view, expected,
                    "{algorithm:?} {pattern} planar region {origin:?} {h}x{w}"
                );
            } else {
                let mut tile = Array3::from_elem((h, w, 3), T::default());
                demosaic_region(&raw, &mut tile, origin, pattern, algorithm).unwrap();
                assert_eq!(tile, expected, "{algorithm:?} {pattern} region {origin:?} {h}x{w}");
            }
        }
    }
}

#[test]
fn u8_regions_equal_the_whole_frames_pixels_for_every_algorithm() {
    choose_variant();
    regions_equal_the_whole_frame(255, |v| v as u8);
}

#[test]
fn u16_regions_equal_the_whole_frames_pixels_for_every_algorithm() {
    choose_variant();
    regions_equal_the_whole_frame(65535, |v| v as u16);
}

#[test]
fn developed_regions_equal_the_whole_developed_frame() {
    choose_variant();
    let mut rng = Rng(0x5EED_0002);
    let params = RawParams::new()
        .with_black_levels([64; 4])
        .with_white_level(4095)
        .with_white_balance([2.0, 1.0, 1.5]);
    for &algorithm in DemosaicAlgorithm::ALL {
        let raw = frame(&mut rng, 4095, |v| v as u16);
        let pattern = CfaPattern::ALL[(rng.next_u64() % 4) as usize];
        let mut whole = Array3::<u8>::zeros((HEIGHT, WIDTH, 3));
        develop(&raw, &mut whole, pattern, algorithm, &params).unwrap();
        let mut whole16 = Array3::<u16>::zeros((HEIGHT, WIDTH, 3));
        develop(&raw, &mut whole16, pattern, algorithm, &params).unwrap();
        for index in 0..REGIONS / 4 {
            let (origin, (h, w)) = region(&mut rng, index);
            let rows = origin[0]..origin[0] + h;
            let columns = origin[1]..origin[1] + w;
            let mut tile = Array3::<u8>::zeros((h, w, 3));
            develop_region(&raw, &mut tile, origin, pattern, algorithm, &params).unwrap();
            assert_eq!(
                tile,
                whole.slice(s![rows.clone(), columns.clone(), ..]),
                "{algorithm:?} {origin:?}"
            );
            let mut tile16 = Array3::<u16>::zeros((h, w, 3));
            develop_region(&raw, &mut tile16, origin, pattern, algorithm, &params).unwrap();
            assert_eq!(tile16, whole16.slice(s![rows, columns, ..]), "{algorithm:?} {origin:?}");
        }
    }
}

#[test]
fn tiles_covering_the_frame_make_the_whole_frame() {
    choose_variant();
    let mut rng = Rng(0x5EED_0003);
    let raw = frame(&mut rng, 65535, |v| v as u16);
    let mut whole = Array3::<u16>::zeros((HEIGHT, WIDTH, 3));
    demosaic(&raw, &mut whole, CfaPattern::Gbrg, DemosaicAlgorithm::Mlri).unwrap();
    let mut tiled = Array3::<u16>::zeros((HEIGHT, WIDTH, 3));
    // Tiles of 17 x 23 (odd: every phase), the last row and column of tiles cut short.
    for row in (0..HEIGHT).step_by(17) {
        for column in (0..WIDTH).step_by(23) {
            let end = [(row + 17).min(HEIGHT), (column + 23).min(WIDTH)];
            let mut tile = tiled.slice_mut(s![row..end[0], column..end[1], ..]);
            demosaic_region(
                &raw,
                &mut tile,
                [row, column],
                CfaPattern::Gbrg,
                DemosaicAlgorithm::Mlri,
            )
            .unwrap();
        }
    }
    assert_eq!(tiled, whole);
}

/// The pipelines split a frame into strips of rows (16, 96 or 256 rows by
/// algorithm); where the height is not a whole number of strips, the last one
/// is shortened or moved up over the one before. A band of 13 rows is one
/// strip on its own, so a tall frame computed whole must equal its bands
/// computed one at a time: this checks the strips' edges, which the frames of
/// the reference tests (under 96 rows) never reach.
fn tall_frames_equal_their_bands<T: DemosaicSample + std::fmt::Debug>(max: u64, to: impl Fn(u64) -> T) {
    const TALL: usize = 301;
    const NARROW: usize = 37;
    const BAND: usize = 13;
    let mut rng = Rng(0x5EED_0004 + max);
    for &algorithm in DemosaicAlgorithm::ALL {
        let raw = Array2::from_shape_simple_fn((TALL, NARROW), || to(rng.next_u64() % (max + 1)));
        let pattern = CfaPattern::ALL[(rng.next_u64() % 4) as usize];
        let mut whole = Array3::from_elem((TALL, NARROW, 3), T::default());
        demosaic(&raw, &mut whole, pattern, algorithm).unwrap();
        let mut planes = Array3::from_elem((3, TALL, NARROW), T::default());
        demosaic(
            &raw,
            &mut planes.view_mut().permuted_axes([1, 2, 0]),
            pattern,
            algorithm,
        )
        .unwrap();
        assert_eq!(
            planes.view().permuted_axes([1, 2, 0]),
            whole,
            "{algorithm:?} {pattern} planar"
        );
        for top in (0..TALL).step_by(BAND) {
            let rows = top..(top + BAND).min(TALL);
            let mut band = Array3::from_elem((rows.len(), NARROW, 3), T::default());
            demosaic_region(&raw, &mut band, [top, 0], pattern, algorithm).unwrap();
            assert_eq!(
                band,
                whole.slice(s![rows, .., ..]),
                "{algorithm:?} {pattern} rows from {top}"
            );
        }
    }
}

#[test]
fn tall_u8_frames_equal_their_bands_for_every_algorithm() {
    choose_variant();
    tall_frames_equal_their_bands(255, |v| v as u8);
}

#[test]
fn tall_u16_frames_equal_their_bands_for_every_algorithm() {
    choose_variant();
    tall_frames_equal_their_bands(65535, |v| v as u16);
}

#[test]
fn regions_outside_the_frame_name_the_output_and_the_axis() {
    choose_variant();
    let raw = Array2::<u8>::zeros((10, 12));
    let cases = [
        ([0, 0], (11, 12), 0, 11, 0, 10),
        ([3, 0], (8, 12), 0, 8, 3, 10),
        ([0, 5], (10, 8), 1, 8, 5, 12),
        ([0, 13], (1, 1), 1, 1, 13, 12),
        ([usize::MAX, 0], (1, 1), 0, 1, usize::MAX, 10),
    ];
    for (origin, (h, w), axis, actual, at, frame) in cases {
        let mut out = Array3::<u8>::zeros((h, w, 3));
        let error = demosaic_region(&raw, &mut out, origin, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap_err();
        assert_eq!(
            error,
            Error::BadShape {
                argument: "output",
                axis,
                actual,
                expected: ExpectedExtent::InsideFrame { origin: at, frame },
            },
            "{origin:?} {h}x{w}"
        );
    }
    let mut out = Array3::<u8>::zeros((2, 5, 3));
    let error = demosaic_region(&raw, &mut out, [8, 9], CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap_err();
    assert_eq!(
        error.to_string(),
        "argument `output`, axis 1: extent 5, expected at most 3 (a region starting at 9 in a frame of 12)"
    );
    // Not 3 channels, and a frame too small for any Bayer pipeline.
    let mut four = Array3::<u8>::zeros((2, 2, 4));
    assert!(matches!(
        demosaic_region(&raw, &mut four, [0, 0], CfaPattern::Rggb, DemosaicAlgorithm::Bilinear),
        Err(Error::BadShape {
            argument: "output",
            axis: 2,
            ..
        })
    ));
    let one_row = Array2::<u8>::zeros((1, 12));
    let mut out = Array3::<u8>::zeros((1, 1, 3));
    assert!(matches!(
        demosaic_region(
            &one_row,
            &mut out,
            [0, 0],
            CfaPattern::Rggb,
            DemosaicAlgorithm::Bilinear
        ),
        Err(Error::BadShape {
            argument: "input",
            axis: 0,
            ..
        })
    ));
}

#[test]
fn empty_regions_inside_the_frame_do_nothing() {
    choose_variant();
    let raw = Array2::<u16>::zeros((10, 12));
    for (origin, shape) in [([0, 0], (0, 5)), ([10, 0], (0, 12)), ([4, 12], (3, 0))] {
        let mut out = Array3::<u16>::zeros((shape.0, shape.1, 3));
        demosaic_region(&raw, &mut out, origin, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007).unwrap();
    }
}
