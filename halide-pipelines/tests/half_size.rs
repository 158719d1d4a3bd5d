//! `demosaic_half` against its definition, computed here per 2×2 cell: R and
//! B as they are, G = (G1 + G2 + 1) >> 1.

#[path = "common/split_mix.rs"]
mod split_mix;

use halide_pipelines::{CfaPattern, DemosaicSample, Error, ExpectedExtent, demosaic_half};
use ndarray::{Array2, Array3, ShapeBuilder, s};
use split_mix::Rng;

/// The colour ('R', 'G', 'B') a pattern puts at `(row, column)`, read from the
/// pattern's name (`Rggb` is the 2×2 tile row by row).
fn colour(pattern: CfaPattern, row: usize, column: usize) -> char {
    let name: Vec<char> = pattern.to_string().to_uppercase().chars().collect();
    name[2 * (row % 2) + column % 2]
}

fn definition<T: DemosaicSample + Into<u32> + TryFrom<u32>>(raw: &Array2<T>, pattern: CfaPattern) -> Array3<T>
where
    <T as TryFrom<u32>>::Error: std::fmt::Debug,
{
    let (h, w) = (raw.nrows() / 2, raw.ncols() / 2);
    Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
        let cell = [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(dy, dx)| {
            let (row, column) = (2 * y + dy, 2 * x + dx);
            (colour(pattern, dy, dx), raw[[row, column]].into())
        });
        let of = |wanted: char| cell.iter().filter(move |(c, _)| *c == wanted).map(|&(_, v)| v);
        let value = match c {
            0 => of('R').next().unwrap(),
            1 => (of('G').sum::<u32>() + 1) >> 1,
            _ => of('B').next().unwrap(),
        };
        T::try_from(value).unwrap()
    })
}

fn check<T: DemosaicSample + Into<u32> + TryFrom<u32>>(rng: &mut Rng, max: u16)
where
    <T as TryFrom<u32>>::Error: std::fmt::Debug,
{
    // Even and odd sides (an odd last row or column is left out), one cell,
    // and a frame wide enough for the vectorized path and its tail.
    for (height, width) in [(2, 2), (3, 5), (8, 8), (17, 131), (64, 250), (33, 2)] {
        let raw =
            Array2::from_shape_simple_fn((height, width), || T::try_from(rng.below_or_equal(max).into()).unwrap());
        for &pattern in CfaPattern::ALL {
            let expected = definition(&raw, pattern);
            let shape = (height / 2, width / 2, 3);
            let mut interleaved = Array3::<T>::default(shape);
            demosaic_half(&raw, &mut interleaved, pattern).unwrap();
            assert_eq!(interleaved, expected, "{pattern} {height}x{width} interleaved");

            let mut planes = Array3::<T>::default((3, height / 2, width / 2));
            demosaic_half(&raw, &mut planes.view_mut().permuted_axes([1, 2, 0]), pattern).unwrap();
            assert_eq!(
                planes.view().permuted_axes([1, 2, 0]),
                expected,
                "{pattern} {height}x{width} planar"
            );

            // Column-major: neither fast layout, the general archive path.
            let mut column_major = Array3::<T>::default(shape.f());
            demosaic_half(&raw, &mut column_major, pattern).unwrap();
            assert_eq!(column_major, expected, "{pattern} {height}x{width} column-major");

            // A view of a larger input: strides the frame does not own.
            if height > 2 && width > 2 {
                let mut bigger = Array2::<T>::default((height + 2, width + 3));
                bigger.slice_mut(s![1..height + 1, 2..width + 2]).assign(&raw);
                let mut from_view = Array3::<T>::default(shape);
                demosaic_half(&bigger.slice(s![1..height + 1, 2..width + 2]), &mut from_view, pattern).unwrap();
                assert_eq!(from_view, expected, "{pattern} {height}x{width} from a view");
            }
        }
    }
}

#[test]
fn u8_previews_equal_the_definition() {
    check::<u8>(&mut Rng(0x4a1f), 255);
}

#[test]
fn u16_previews_equal_the_definition() {
    // The full u16 range: the green mean must not overflow.
    check::<u16>(&mut Rng(0x4a1f_0016), u16::MAX);
}

#[test]
fn shapes_other_than_half_the_input_name_the_argument_and_axis() {
    let raw = Array2::<u16>::zeros((7, 10));
    let cases = [
        (
            (4, 5, 3),
            "output",
            0,
            4,
            ExpectedExtent::HalfOf {
                argument: "input",
                axis: 0,
                extent: 7,
            },
        ),
        (
            (3, 4, 3),
            "output",
            1,
            4,
            ExpectedExtent::HalfOf {
                argument: "input",
                axis: 1,
                extent: 10,
            },
        ),
        ((3, 5, 4), "output", 2, 4, ExpectedExtent::Exactly(3)),
    ];
    for (shape, name, axis, actual, expected) in cases {
        let mut output = Array3::<u16>::zeros(shape);
        let error = demosaic_half(&raw, &mut output, CfaPattern::Rggb).unwrap_err();
        match error {
            Error::BadShape {
                argument,
                axis: a,
                actual: x,
                expected: e,
            } => {
                assert_eq!((argument, a, x, e), (name, axis, actual, expected));
            }
            other => panic!("{other:?}"),
        }
    }
    let thin = Array2::<u16>::zeros((1, 10));
    let error = demosaic_half(&thin, &mut Array3::<u16>::zeros((0, 5, 3)), CfaPattern::Rggb).unwrap_err();
    assert!(
        matches!(
            error,
            Error::BadShape {
                argument: "input",
                axis: 0,
                actual: 1,
                expected: ExpectedExtent::AtLeast(2)
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("input"), "{error}");
}
