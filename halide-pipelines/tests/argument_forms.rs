//! Every pipeline takes ndarray arrays and views directly, as well as
//! `Buffer`/`BufferMut` converted beforehand; all forms compute the same, and
//! a conversion error names the pipeline's argument.

use halide_pipelines::{
    ArgumentName, Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, Error, InputBuffer, OutputBuffer, add, demosaic,
    demosaic_to_array,
};
use ndarray::{ArcArray, Array2, Array3, CowArray, Ix2, ShapeBuilder, s};

fn ramp(shape: (usize, usize)) -> Array2<f32> {
    Array2::from_shape_fn(shape, |(i, j)| (i * 100 + j) as f32 * 0.5)
}

#[test]
fn add_takes_arrays_views_and_buffers() {
    let a = ramp((5, 7));
    let expected = &a + 1.0;

    let mut b = Array2::<f32>::zeros((5, 7));
    add(&a, &mut b).unwrap();
    assert_eq!(b, expected, "owned arrays");

    let mut b = Array2::<f32>::zeros((5, 7));
    add(&a.view(), &mut b.view_mut()).unwrap();
    assert_eq!(b, expected, "views");

    let mut b = Array2::<f32>::zeros((5, 7));
    add(
        &Buffer::try_from(a.view()).unwrap(),
        &mut BufferMut::try_from(b.view_mut()).unwrap(),
    )
    .unwrap();
    assert_eq!(b, expected, "buffers");

    // Mixed, shared and copy-on-write storage, a mutable view read as an input.
    let mut b = ArcArray::<f32, Ix2>::zeros((5, 7));
    add(&CowArray::from(a.view()), &mut b).unwrap();
    assert_eq!(b, expected, "CowArray into ArcArray");
    let mut source = a.clone();
    let mut b = Array2::<f32>::zeros((5, 7));
    add(&source.view_mut(), &mut BufferMut::try_from(b.view_mut()).unwrap()).unwrap();
    assert_eq!(b, expected, "ArrayViewMut as an input");
}

#[test]
fn a_shared_arc_array_output_is_made_unique_before_it_is_written() {
    let a = ramp((3, 4));
    let mut b = ArcArray::<f32, Ix2>::zeros((3, 4));
    let other_owner = b.clone();
    add(&a, &mut b).unwrap();
    assert_eq!(b, &a + 1.0);
    assert!(other_owner.iter().all(|&v| v == 0.0), "the other owner's data changed");
}

#[test]
fn add_takes_slices_and_transposes_directly() {
    let a = ramp((6, 8));
    let mut b = Array2::<f32>::from_elem((8, 6), -1.0);
    add(&a.slice(s![..;-1, 1..]).t(), &mut b.slice_mut(s![1.., ..]).view_mut()).unwrap();
    assert_eq!(b.slice(s![1.., ..]), &a.slice(s![..;-1, 1..]).t() + 1.0);
    assert!(b.row(0).iter().all(|&v| v == -1.0), "outside the output view");
}

#[test]
fn demosaic_takes_arrays_views_and_buffers_alike() {
    let raw = Array2::<u16>::from_shape_fn((6, 10), |(i, j)| ((i * 7919 + j * 104_729) % 65536) as u16);
    for &algorithm in DemosaicAlgorithm::ALL {
        let expected = demosaic_to_array(raw.view(), CfaPattern::Grbg, algorithm).unwrap();

        let mut rgb = Array3::<u16>::zeros((6, 10, 3));
        demosaic(&raw, &mut rgb, CfaPattern::Grbg, algorithm).unwrap();
        assert_eq!(rgb, expected, "{algorithm:?} arrays");

        let mut planes = Array3::<u16>::zeros((3, 6, 10));
        demosaic(
            &raw.view(),
            &mut planes.view_mut().permuted_axes([1, 2, 0]),
            CfaPattern::Grbg,
            algorithm,
        )
        .unwrap();
        assert_eq!(planes.permuted_axes([1, 2, 0]), expected, "{algorithm:?} planar view");

        // The element type is inferred from the buffers.
        let mut rgb = Array3::<u16>::zeros((6, 10, 3));
        demosaic(
            &Buffer::try_from(raw.view()).unwrap(),
            &mut BufferMut::try_from(rgb.view_mut()).unwrap(),
            CfaPattern::Grbg,
            algorithm,
        )
        .unwrap();
        assert_eq!(rgb, expected, "{algorithm:?} buffers");

        assert_eq!(demosaic_to_array(&raw, CfaPattern::Grbg, algorithm).unwrap(), expected);
        let input = Buffer::try_from(raw.view()).unwrap();
        // Borrowed, so that it can be used again; and moved.
        assert_eq!(
            demosaic_to_array(&input, CfaPattern::Grbg, algorithm).unwrap(),
            expected
        );
        assert_eq!(demosaic_to_array(input, CfaPattern::Grbg, algorithm).unwrap(), expected);
    }
}

#[test]
fn conversion_errors_name_the_pipeline_argument() {
    // A broadcast view: each extent fits, the element count does not.
    let one = Array2::<f32>::from_elem((1, 1), 5.0);
    let huge = one.broadcast((32768, 65536)).unwrap();
    let mut output = Array2::<f32>::zeros((2, 2));
    let too_many = |argument| Error::TooManyElements {
        argument,
        elements: 1 << 31,
    };
    assert_eq!(add(&huge, &mut output), Err(too_many("input")));
    // Converted alone, the view has no argument name yet.
    assert_eq!(Buffer::try_from(huge).unwrap_err(), too_many("view"));

    let raw = Array2::<u8>::from_elem((1, 1), 5);
    let huge_raw = raw.broadcast((1usize << 31, 2)).unwrap();
    let mut rgb = Array3::<u8>::zeros((2, 2, 3));
    assert_eq!(
        demosaic(&huge_raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear),
        Err(Error::ExtentTooLarge {
            argument: "input",
            axis: 0,
            extent: 1 << 31
        })
    );
    assert_eq!(
        demosaic_to_array(huge_raw, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear),
        Err(Error::ExtentTooLarge {
            argument: "input",
            axis: 0,
            extent: 1 << 31
        })
    );
}

/// An output that cannot be described to Halide (as a view spanning more
/// memory than Halide addresses would be, without allocating it).
struct Undescribable;

impl OutputBuffer<f32, 2> for Undescribable {
    fn with_buffer_mut<R>(
        &mut self,
        argument: ArgumentName,
        _: impl FnOnce(&mut BufferMut<'_, f32, 2>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        Err(Error::SpanTooLarge {
            argument,
            bytes: 1 << 32,
        })
    }
}

#[test]
fn output_conversion_errors_name_the_output() {
    let a = ramp((2, 2));
    assert_eq!(
        add(&a, &mut Undescribable),
        Err(Error::SpanTooLarge {
            argument: "output",
            bytes: 1 << 32
        })
    );
}

/// A caller's own image type: row-major samples with a row pitch, made a
/// pipeline argument by describing it as an ndarray view.
struct PitchedImage {
    samples: Vec<f32>,
    rows: usize,
    cols: usize,
    pitch: usize,
}

impl PitchedImage {
    fn view(&self) -> ndarray::ArrayView2<'_, f32> {
        let visible = (self.rows - 1) * self.pitch + self.cols;
        ndarray::ArrayView2::from_shape(
            (self.rows, self.cols).strides((self.pitch, 1)),
            &self.samples[..visible],
        )
        .unwrap()
    }
}

impl InputBuffer<f32, 2> for PitchedImage {
    fn with_buffer<R>(
        &self,
        argument: ArgumentName,
        f: impl FnOnce(&Buffer<'_, f32, 2>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.view().with_buffer(argument, f)
    }
}

#[test]
fn a_callers_own_image_type_can_be_an_argument() {
    let image = PitchedImage {
        samples: (0..4 * 8).map(|v| v as f32).collect(),
        rows: 4,
        cols: 5,
        pitch: 8,
    };
    let mut output = Array2::<f32>::zeros((4, 5));
    add(&image, &mut output).unwrap();
    assert_eq!(output, &image.view() + 1.0);
}
