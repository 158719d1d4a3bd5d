//! One test per class of bad input: the variant, the code, and what the message names.

use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, Error, ExpectedExtent, add, demosaic};
use ndarray::{Array2, Array3, s};

#[test]
fn input_smaller_than_output_is_halides_out_of_bounds_with_its_message() {
    let input = Array2::<f32>::zeros((4, 5));
    let mut output = Array2::<f32>::zeros((4, 9));
    let error = add(
        &Buffer::try_from(input.view()).unwrap(),
        &mut BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap_err();
    assert!(matches!(error, Error::AccessOutOfBounds { .. }), "{error:?}");
    assert_eq!(error.code(), Some(-4));
    let message = error.halide_message().unwrap();
    // Halide dimension 0 is ndarray's last axis: columns 0..9 needed, 0..4 present.
    assert!(
        message.contains("input") && message.contains("dimension 0"),
        "{message}"
    );
    assert!(message.contains("8") && message.contains("4"), "{message}");
    assert!(error.to_string().starts_with("Halide error -4: "), "{error}");
}

#[test]
fn too_few_rows_names_dimension_one() {
    let input = Array2::<f32>::zeros((3, 9));
    let mut output = Array2::<f32>::zeros((6, 9));
    let error = add(
        &Buffer::try_from(input.view()).unwrap(),
        &mut BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap_err();
    let message = error.halide_message().unwrap();
    assert!(message.contains("dimension 1"), "{message}");
}

#[test]
fn extent_beyond_i32_is_rejected_at_conversion() {
    let one = Array2::<f32>::zeros((1, 1));
    let huge = one.broadcast((1usize << 31, 1)).unwrap(); // no memory: stride 0
    let error = Buffer::try_from(huge).unwrap_err();
    assert_eq!(
        error,
        Error::ExtentTooLarge {
            argument: "view",
            axis: 0,
            extent: 1 << 31
        }
    );
    assert_eq!(error.code(), None);
    assert!(
        error.to_string().contains("axis 0") && error.to_string().contains("2147483648"),
        "{error}"
    );
}

#[test]
fn broadcast_views_with_more_elements_than_halide_allows_are_rejected_at_conversion() {
    // Found by the add_views fuzz target: each extent fits, no memory is
    // spanned, but Halide limits a buffer to 2^31 - 1 elements.
    let one = Array2::<f32>::from_elem((1, 1), 5.0);
    let error = Buffer::try_from(one.broadcast((32768, 65536)).unwrap()).unwrap_err();
    assert_eq!(
        error,
        Error::TooManyElements {
            argument: "view",
            elements: 1 << 31
        }
    );
    assert!(error.to_string().contains("2147483648 elements"), "{error}");
    // One element fewer than the limit converts.
    let fits = one.broadcast((1, i32::MAX as usize)).unwrap();
    assert!(Buffer::try_from(fits).is_ok());
}

#[test]
fn empty_input_with_non_empty_output() {
    let input = Array2::<f32>::zeros((4, 0));
    let mut output = Array2::<f32>::zeros((4, 4));
    let error = add(
        &Buffer::try_from(input.view()).unwrap(),
        &mut BufferMut::try_from(output.view_mut()).unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        error,
        Error::EmptyInput {
            argument: "input",
            axis: 1,
            output: "output"
        }
    );
}

fn demosaic_error(raw_shape: (usize, usize), rgb_shape: (usize, usize, usize)) -> Error {
    let raw = Array2::<u16>::zeros(raw_shape);
    let mut rgb = Array3::<u16>::zeros(rgb_shape);
    demosaic(
        &Buffer::try_from(raw.view()).unwrap(),
        &mut BufferMut::try_from(rgb.view_mut()).unwrap(),
        CfaPattern::Rggb,
        DemosaicAlgorithm::Bilinear,
    )
    .unwrap_err()
}

#[test]
fn demosaic_shape_errors_name_argument_axis_and_numbers() {
    assert_eq!(
        demosaic_error((1, 8), (1, 8, 3)),
        Error::BadShape {
            argument: "input",
            axis: 0,
            actual: 1,
            expected: ExpectedExtent::AtLeast(2)
        }
    );
    assert_eq!(
        demosaic_error((8, 1), (8, 1, 3)),
        Error::BadShape {
            argument: "input",
            axis: 1,
            actual: 1,
            expected: ExpectedExtent::AtLeast(2)
        }
    );
    assert_eq!(
        demosaic_error((8, 8), (8, 7, 3)),
        Error::BadShape {
            argument: "output",
            axis: 1,
            actual: 7,
            expected: ExpectedExtent::SameAs {
                argument: "input",
                axis: 1,
                extent: 8
            }
        }
    );
    assert_eq!(
        demosaic_error((8, 8), (8, 8, 4)),
        Error::BadShape {
            argument: "output",
            axis: 2,
            actual: 4,
            expected: ExpectedExtent::Exactly(3)
        }
    );
    let message = demosaic_error((8, 8), (9, 8, 3)).to_string();
    assert_eq!(
        message,
        "argument `output`, axis 0: extent 9, expected 8, the extent of `input` on axis 0"
    );
}

#[test]
fn errors_are_send_sync_static() {
    fn check<E: Send + Sync + 'static + std::error::Error>() {}
    check::<Error>();
}

#[test]
fn cropped_output_stays_inside_its_view() {
    // A crop of a larger RGB image: the pixels around it keep their values.
    let raw = Array2::<u8>::from_elem((6, 6), 9);
    let mut rgb = Array3::<u8>::from_elem((10, 10, 3), 200);
    demosaic(
        &Buffer::try_from(raw.view()).unwrap(),
        &mut BufferMut::try_from(rgb.slice_mut(s![2..8, 3..9, ..])).unwrap(),
        CfaPattern::Bggr,
        DemosaicAlgorithm::Bilinear,
    )
    .unwrap();
    assert!(rgb.slice(s![2..8, 3..9, ..]).iter().all(|&v| v == 9));
    assert_eq!(rgb.iter().filter(|&&v| v == 200).count(), 300 - 108);
}

#[test]
fn one_pixel_and_one_row_frames_are_bad_shapes_for_demosaic() {
    // A Bayer tile needs 2x2 samples: a 1x1, 1xN or Nx1 frame has no pattern.
    for (raw_shape, axis) in [((1, 1), 0), ((1, 6), 0), ((6, 1), 1)] {
        let (h, w) = raw_shape;
        let error = demosaic_error(raw_shape, (h, w, 3));
        assert_eq!(
            error,
            Error::BadShape {
                argument: "input",
                axis,
                actual: 1,
                expected: ExpectedExtent::AtLeast(2)
            },
            "{raw_shape:?}"
        );
    }
}

#[test]
fn the_smallest_and_odd_frames_demosaic() {
    // 2x2 is the smallest frame; odd sizes end mid-tile. A flat field must come
    // out flat in every algorithm (the reference tests compare odd frames value
    // by value; this one covers the smallest sizes).
    for (h, w) in [(2, 2), (2, 3), (3, 2), (3, 3), (5, 7)] {
        for &algorithm in DemosaicAlgorithm::ALL {
            let raw = Array2::<u16>::from_elem((h, w), 4321);
            let rgb = halide_pipelines::demosaic_to_array(raw.view(), CfaPattern::Gbrg, algorithm).unwrap();
            assert!(rgb.iter().all(|&v| v == 4321), "{h}x{w} {algorithm:?}: {rgb:?}");
        }
    }
}

#[test]
fn add_computes_single_pixel_single_row_and_single_column_frames() {
    // Frames narrower than any vector: valid inputs, computed like any other
    // (demosaic, unlike add, needs 2x2).
    for shape in [(1, 1), (1, 19), (19, 1)] {
        let input = Array2::from_shape_fn(shape, |(i, j)| 2.5 + (i + j) as f32);
        let mut output = Array2::<f32>::zeros(shape);
        add(
            &Buffer::try_from(input.view()).unwrap(),
            &mut BufferMut::try_from(output.view_mut()).unwrap(),
        )
        .unwrap();
        assert_eq!(output, &input + 1.0, "{shape:?}");
        assert_eq!(output[[0, 0]], 3.5, "{shape:?}");
    }
}

#[test]
fn empty_demosaic_output_is_a_bad_shape_not_a_call() {
    // Empty frames have no 2x2 tile either: the input check names the axis.
    assert_eq!(
        demosaic_error((0, 4), (0, 4, 3)),
        Error::BadShape {
            argument: "input",
            axis: 0,
            actual: 0,
            expected: ExpectedExtent::AtLeast(2)
        }
    );
}
