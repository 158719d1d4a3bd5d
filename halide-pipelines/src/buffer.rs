//! `Buffer` and `BufferMut`: zero-copy Halide descriptions of ndarray views.
//!
//! Axis convention (the same as Halide's Python bindings): ndarray's **last**
//! axis is Halide dimension 0. A C-ordered `(rows, cols)` array is therefore a
//! Halide `(x, y)` buffer with `x` dense, and an `(H, W, 3)` RGB image is a
//! Halide `(c, x, y)` buffer.
//!
//! Invariant: every `Buffer`/`BufferMut` describes memory its borrow keeps alive
//! for `'a`, with extents, strides and byte span that Halide's 32-bit indexing
//! represents exactly; that is checked once, at conversion.

use std::marker::PhantomData;
use std::ptr::NonNull;

use halide_runtime_sys::halide_dimension_t;
use ndarray::{ArrayBase, ArrayView, ArrayViewMut, Data, DataMut, Dim, Dimension};

use crate::element::Element;
use crate::error::{ArgumentName, Error};

/// The name conversion errors give the view: the pipeline argument it will be
/// passed as is not known yet. When a pipeline converts an array or view
/// itself ([`InputBuffer`], [`OutputBuffer`]), the error names its argument.
const VIEW: &str = "view";

/// A shared, zero-copy view for pipeline **inputs**: element type `T`, rank `N`.
///
/// Made from an [`ndarray::ArrayView`] with `try_from`; it borrows the array for
/// `'a`, so the array cannot be mutated (or used as an output) meanwhile.
/// Pipelines also take arrays and views directly ([`InputBuffer`]); a `Buffer`
/// is the view converted and checked once, for many calls.
///
/// ```
/// use halide_pipelines::Buffer;
/// let image = ndarray::Array2::<f32>::zeros((480, 640));
/// let input = Buffer::try_from(image.view())?;
/// assert_eq!(input.shape(), [480, 640]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub struct Buffer<'a, T: Element, const N: usize> {
    pub(crate) raw: RawView<T, N>,
    _borrow: PhantomData<&'a [T]>,
}

/// An exclusive, zero-copy view for pipeline **outputs**: element type `T`, rank `N`.
///
/// Made from an [`ndarray::ArrayViewMut`] with `try_from`. Outputs must not
/// alias themselves (no stride 0 on an axis longer than 1). Pipelines also take
/// mutable arrays and views directly ([`OutputBuffer`]); a `BufferMut` is the
/// view converted and checked once, for many calls.
///
/// ```
/// use halide_pipelines::BufferMut;
/// let mut image = ndarray::Array2::<f32>::zeros((480, 640));
/// let output = BufferMut::try_from(image.view_mut())?;
/// assert_eq!(output.shape(), [480, 640]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
///
/// One array cannot be both the input and the output of a call:
///
/// ```compile_fail,E0502
/// use halide_pipelines::{add, Buffer, BufferMut};
/// let mut a = ndarray::Array2::<f32>::zeros((4, 4));
/// let input = Buffer::try_from(a.view()).unwrap();
/// let mut output = BufferMut::try_from(a.view_mut()).unwrap(); // error: `a` is borrowed
/// add(&input, &mut output).unwrap();
/// ```
pub struct BufferMut<'a, T: Element, const N: usize> {
    pub(crate) raw: RawView<T, N>,
    _borrow: PhantomData<&'a mut [T]>,
}

/// The checked description both buffer kinds share: a pointer to the element at
/// index `[0, 0, ...]` (Halide's min coordinate, which need not be the lowest
/// address when strides are negative) and Halide's dimensions in Halide order.
#[derive(Debug)]
pub(crate) struct RawView<T, const N: usize> {
    pub(crate) host: NonNull<T>,
    pub(crate) dims: [halide_dimension_t; N],
}

impl<T: Element, const N: usize> RawView<T, N> {
    // Inlined: with N known, the checks below fold into a few instructions per
    // axis (the per-call cost measured in `benches/overhead.rs`).
    #[inline]
    fn new(host: NonNull<T>, shape: &[usize], strides: &[isize]) -> Result<Self, Error> {
        debug_assert_eq!((shape.len(), strides.len()), (N, N));
        let mut dims = [halide_dimension_t::default(); N];
        // Elements from the lowest to the highest address, minus one: each term
        // is below 2^62 (extent and |stride| fit in i32), and saturating at
        // u64::MAX still exceeds the limit below.
        let mut reach: u64 = 0;
        let mut empty = false;
        for axis in 0..N {
            let extent = i32::try_from(shape[axis]).map_err(|_| Error::ExtentTooLarge {
                argument: VIEW,
                axis,
                extent: shape[axis],
            })?;
            let stride = i32::try_from(strides[axis]).map_err(|_| Error::StrideOutOfRange {
                argument: VIEW,
                axis,
                stride: strides[axis],
            })?;
            dims[N - 1 - axis] = halide_dimension_t {
                min: 0,
                extent,
                stride,
                flags: 0,
            };
            empty |= extent == 0;
            reach = reach.saturating_add((extent as u64).saturating_sub(1) * u64::from(stride.unsigned_abs()));
        }
        // Halide also bounds the element count of a buffer, which a broadcast
        // view can exceed without spanning any memory.
        let elements = shape
            .iter()
            .fold(1u64, |product, &extent| product.saturating_mul(extent as u64));
        if elements > i32::MAX as u64 {
            return Err(Error::TooManyElements {
                argument: VIEW,
                elements: shape
                    .iter()
                    .fold(1u128, |product, &extent| product.saturating_mul(extent as u128)),
            });
        }
        let bytes = reach.saturating_add(1).saturating_mul(size_of::<T>() as u64);
        if !empty && bytes > i32::MAX as u64 {
            return Err(Error::SpanTooLarge {
                argument: VIEW,
                bytes: span_bytes(shape, strides, size_of::<T>()),
            });
        }
        Ok(RawView { host, dims })
    }

    /// The extents in ndarray order.
    pub(crate) fn shape(&self) -> [usize; N] {
        std::array::from_fn(|axis| self.dims[N - 1 - axis].extent as usize)
    }

    /// The strides, in elements, in ndarray order.
    pub(crate) fn strides(&self) -> [isize; N] {
        std::array::from_fn(|axis| self.dims[N - 1 - axis].stride as isize)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.dims.iter().any(|dim| dim.extent == 0)
    }

    /// The first ndarray axis with extent 0.
    pub(crate) fn empty_axis(&self) -> Option<usize> {
        self.shape().iter().position(|&extent| extent == 0)
    }
}

/// Outputs must not map two elements to one location. ndarray's safe API
/// cannot make such a mutable view, but unsafe code can; a stride of 0 on an
/// axis longer than 1 is the case Halide would silently accept.
#[inline]
fn check_not_aliased(shape: &[usize], strides: &[isize]) -> Result<(), Error> {
    if shape.contains(&0) {
        return Ok(()); // no elements, nothing aliased (ndarray gives empty views zero strides)
    }
    for (axis, (&extent, &stride)) in shape.iter().zip(strides).enumerate() {
        if stride == 0 && extent > 1 {
            return Err(Error::AliasedOutput {
                argument: VIEW,
                axis,
                extent,
            });
        }
    }
    Ok(())
}

/// Bytes from the lowest to the highest addressed element, inclusive; 0 for an
/// empty view. Exact for any view (the error message reports it).
fn span_bytes(shape: &[usize], strides: &[isize], element_size: usize) -> u128 {
    if shape.contains(&0) {
        return 0;
    }
    let elements: u128 = 1 + shape
        .iter()
        .zip(strides)
        .map(|(&extent, &stride)| (extent as u128 - 1) * stride.unsigned_abs() as u128)
        .sum::<u128>();
    elements * element_size as u128
}

macro_rules! common_methods {
    ($buffer:ident) => {
        impl<T: Element, const N: usize> $buffer<'_, T, N> {
            /// The extents, in ndarray order (the view's `shape()`).
            pub fn shape(&self) -> [usize; N] {
                self.raw.shape()
            }

            /// The strides in elements, in ndarray order (the view's `strides()`).
            pub fn strides(&self) -> [isize; N] {
                self.raw.strides()
            }
        }

        impl<T: Element, const N: usize> std::fmt::Debug for $buffer<'_, T, N> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($buffer))
                    .field("element", &std::any::type_name::<T>())
                    .field("shape", &self.shape())
                    .field("strides", &self.strides())
                    .finish()
            }
        }
    };
}
common_methods!(Buffer);
common_methods!(BufferMut);

impl<'a, T: Element, const N: usize> TryFrom<ArrayView<'a, T, Dim<[usize; N]>>> for Buffer<'a, T, N>
where
    Dim<[usize; N]>: Dimension,
{
    type Error = Error;

    /// Describes the view's memory (never copies it). Any view works: C or
    /// Fortran order, stepped, transposed, reversed, offset, broadcast, empty.
    fn try_from(view: ArrayView<'a, T, Dim<[usize; N]>>) -> Result<Self, Error> {
        let host = NonNull::new(view.as_ptr().cast_mut()).expect("ndarray views never hold a null pointer");
        let raw = RawView::new(host, view.shape(), view.strides())?;
        Ok(Buffer {
            raw,
            _borrow: PhantomData,
        })
    }
}

impl<'a, T: Element, const N: usize> TryFrom<ArrayViewMut<'a, T, Dim<[usize; N]>>> for BufferMut<'a, T, N>
where
    Dim<[usize; N]>: Dimension,
{
    type Error = Error;

    /// Describes the view's memory (never copies it). Fails if the view aliases
    /// itself (stride 0 on an axis longer than 1).
    fn try_from(mut view: ArrayViewMut<'a, T, Dim<[usize; N]>>) -> Result<Self, Error> {
        check_not_aliased(view.shape(), view.strides())?;
        let host = NonNull::new(view.as_mut_ptr()).expect("ndarray views never hold a null pointer");
        let raw = RawView::new(host, view.shape(), view.strides())?;
        Ok(BufferMut {
            raw,
            _borrow: PhantomData,
        })
    }
}

/// Anything a pipeline takes as an **input** of element type `T` and rank `N`:
/// a [`Buffer`], used as it is, or an ndarray array or view of any storage
/// (`Array`, `ArrayView`, `ArrayViewMut`, `ArcArray`, `CowArray`), described
/// for the call without copying, as [`Buffer::try_from`] does.
///
/// Every pipeline function takes `&impl InputBuffer<T, N>`, so both forms work:
///
/// ```
/// use halide_pipelines::{add, Buffer, BufferMut};
/// let a = ndarray::Array2::<f32>::zeros((480, 640));
/// let mut b = ndarray::Array2::<f32>::zeros((480, 640));
/// add(&a, &mut b)?;                          // converts both arrays for this call
/// add(&a.view(), &mut b.view_mut())?;        // views too
/// let input = Buffer::try_from(a.view())?;   // or convert once, call many times:
/// let mut output = BufferMut::try_from(b.view_mut())?;
/// for _ in 0..3 {
///     add(&input, &mut output)?;             // no conversion, no checks repeated
/// }
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
///
/// Not sealed: your own image type can be a pipeline argument by describing
/// its memory as an ndarray view and delegating to that view's implementation.
/// This is sound for any implementation: the only way to make a `Buffer` is
/// the checked conversion, and `f` sees it only for the call.
///
/// ```
/// use halide_pipelines::{add, ArgumentName, Buffer, Error, InputBuffer};
/// use ndarray::{ArrayView2, ShapeBuilder};
///
/// /// `height` rows of `width` samples, each row `pitch` samples after the last.
/// struct PitchedImage { samples: Vec<f32>, height: usize, width: usize, pitch: usize }
///
/// impl InputBuffer<f32, 2> for PitchedImage {
///     fn with_buffer<R>(
///         &self,
///         argument: ArgumentName,
///         f: impl FnOnce(&Buffer<'_, f32, 2>) -> Result<R, Error>,
///     ) -> Result<R, Error> {
///         let shape = (self.height, self.width).strides((self.pitch, 1));
///         let view = ArrayView2::from_shape(shape, &self.samples).expect("samples hold every row");
///         view.with_buffer(argument, f)
///     }
/// }
///
/// let image = PitchedImage { samples: vec![0.0; 4 * 8], height: 4, width: 5, pitch: 8 };
/// let mut output = ndarray::Array2::<f32>::zeros((4, 5));
/// add(&image, &mut output)?;
/// # assert!(output.iter().all(|&v| v == 1.0));
/// # Ok::<(), Error>(())
/// ```
pub trait InputBuffer<T: Element, const N: usize> {
    /// Calls `f` with this argument as a [`Buffer`] and returns what `f`
    /// returns, or, without calling `f`, the error of describing it to Halide,
    /// naming it `argument` (the pipeline's name for it, such as `"input"`).
    fn with_buffer<R>(
        &self,
        argument: ArgumentName,
        f: impl FnOnce(&Buffer<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error>;
}

/// Anything a pipeline takes as an **output** of element type `T` and rank
/// `N`: a [`BufferMut`], used as it is, or a mutable ndarray array or view
/// (`Array`, `ArrayViewMut`, `ArcArray`: made unique first, as ndarray does
/// before any write), described for the call without copying, as
/// [`BufferMut::try_from`] does. See [`InputBuffer`] for both forms.
pub trait OutputBuffer<T: Element, const N: usize> {
    /// Calls `f` with this argument as a [`BufferMut`] and returns what `f`
    /// returns, or, without calling `f`, the error of describing it to Halide
    /// (or of an output aliasing itself), naming it `argument`.
    fn with_buffer_mut<R>(
        &mut self,
        argument: ArgumentName,
        f: impl FnOnce(&mut BufferMut<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error>;
}

// The `Buffer` forms hand the caller's buffer over as it is: no conversion,
// no check, no copy, not even a wrapping `Result` (the fast path for
// repeated calls costs what calling with a `Buffer` cost before the traits).
impl<T: Element, const N: usize> InputBuffer<T, N> for Buffer<'_, T, N> {
    #[inline]
    fn with_buffer<R>(
        &self,
        _: ArgumentName,
        f: impl FnOnce(&Buffer<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        f(self)
    }
}

impl<T: Element, const N: usize> OutputBuffer<T, N> for BufferMut<'_, T, N> {
    #[inline]
    fn with_buffer_mut<R>(
        &mut self,
        _: ArgumentName,
        f: impl FnOnce(&mut BufferMut<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        f(self)
    }
}

impl<S, T, const N: usize> InputBuffer<T, N> for ArrayBase<S, Dim<[usize; N]>>
where
    S: Data<Elem = T>,
    T: Element,
    Dim<[usize; N]>: Dimension,
{
    #[inline]
    fn with_buffer<R>(
        &self,
        argument: ArgumentName,
        f: impl FnOnce(&Buffer<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let buffer = Buffer::try_from(self.view()).map_err(|error| error.for_argument(argument))?;
        f(&buffer)
    }
}

impl<S, T, const N: usize> OutputBuffer<T, N> for ArrayBase<S, Dim<[usize; N]>>
where
    S: DataMut<Elem = T>,
    T: Element,
    Dim<[usize; N]>: Dimension,
{
    #[inline]
    fn with_buffer_mut<R>(
        &mut self,
        argument: ArgumentName,
        f: impl FnOnce(&mut BufferMut<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut buffer = BufferMut::try_from(self.view_mut()).map_err(|error| error.for_argument(argument))?;
        f(&mut buffer)
    }
}

// References forward, so functions that take an argument by value
// (`demosaic_to_array(&raw, ..)`) accept borrowed ones too.
impl<B: InputBuffer<T, N>, T: Element, const N: usize> InputBuffer<T, N> for &B {
    #[inline]
    fn with_buffer<R>(
        &self,
        argument: ArgumentName,
        f: impl FnOnce(&Buffer<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        (**self).with_buffer(argument, f)
    }
}

impl<B: OutputBuffer<T, N>, T: Element, const N: usize> OutputBuffer<T, N> for &mut B {
    #[inline]
    fn with_buffer_mut<R>(
        &mut self,
        argument: ArgumentName,
        f: impl FnOnce(&mut BufferMut<'_, T, N>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        (**self).with_buffer_mut(argument, f)
    }
}

// SAFETY: a `Buffer` is a shared borrow of `T`s (like `&'a [T]`): it only ever
// gives Halide read access, so sharing or sending it needs `T: Sync`, which
// every `Element` is.
unsafe impl<T: Element, const N: usize> Send for Buffer<'_, T, N> {}
// SAFETY: as above; `&Buffer` allows nothing but reads.
unsafe impl<T: Element, const N: usize> Sync for Buffer<'_, T, N> {}
// SAFETY: a `BufferMut` is an exclusive borrow (like `&'a mut [T]`), and
// `T: Send`: moving it to another thread moves the only access to the memory.
unsafe impl<T: Element, const N: usize> Send for BufferMut<'_, T, N> {}
// SAFETY: `&BufferMut` exposes only shape and strides; writing needs `&mut`.
unsafe impl<T: Element, const N: usize> Sync for BufferMut<'_, T, N> {}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, s};

    #[test]
    fn halide_dimension_zero_is_the_last_axis() {
        let a = Array2::<u8>::zeros((3, 5));
        let b = Buffer::try_from(a.view()).unwrap();
        assert_eq!((b.raw.dims[0].extent, b.raw.dims[0].stride), (5, 1));
        assert_eq!((b.raw.dims[1].extent, b.raw.dims[1].stride), (3, 5));
    }

    #[test]
    fn span_counts_negative_and_zero_strides() {
        assert_eq!(span_bytes(&[3, 4], &[-4, 1], 2), (1 + 2 * 4 + 3) * 2);
        assert_eq!(span_bytes(&[3, 4], &[0, 1], 1), 4);
        assert_eq!(span_bytes(&[0, 4], &[4, 1], 1), 0);
    }

    #[test]
    fn reversed_view_points_at_its_first_logical_element() {
        let a = Array2::<u16>::from_shape_fn((4, 3), |(r, c)| (r * 3 + c) as u16);
        let v = a.slice(s![..;-1, ..]);
        let b = Buffer::try_from(v).unwrap();
        assert_eq!(b.raw.host.as_ptr().cast_const(), &a[[3, 0]] as *const u16);
        assert_eq!(b.strides(), [-3, 1]);
    }
}

#[cfg(test)]
mod limit_tests {
    //! Limits that no real allocation here can reach, checked on descriptions
    //! alone (nothing is dereferenced).
    use super::*;

    #[test]
    fn stride_beyond_i32_is_rejected() {
        let error = RawView::<u8, 2>::new(NonNull::dangling(), &[2, 1], &[1 << 32, 1]).unwrap_err();
        assert_eq!(
            error,
            Error::StrideOutOfRange {
                argument: VIEW,
                axis: 0,
                stride: 1 << 32
            }
        );
        let error = RawView::<u8, 2>::new(NonNull::dangling(), &[2, 2], &[1, -(1 << 31) - 1]).unwrap_err();
        assert_eq!(
            error,
            Error::StrideOutOfRange {
                argument: VIEW,
                axis: 1,
                stride: -(1 << 31) - 1
            }
        );
    }

    #[test]
    fn self_aliasing_outputs_are_rejected() {
        assert_eq!(
            check_not_aliased(&[3, 4], &[0, 1]),
            Err(Error::AliasedOutput {
                argument: VIEW,
                axis: 0,
                extent: 3
            })
        );
        assert_eq!(
            check_not_aliased(&[3, 4], &[4, 0]),
            Err(Error::AliasedOutput {
                argument: VIEW,
                axis: 1,
                extent: 4
            })
        );
        assert_eq!(check_not_aliased(&[1, 4], &[0, 1]), Ok(()), "one row cannot alias");
        assert_eq!(
            check_not_aliased(&[0, 4], &[0, 0]),
            Ok(()),
            "an empty view has no elements"
        );
    }

    #[test]
    fn byte_span_beyond_halides_limit_is_rejected() {
        // 2^29 f32 elements per row, 2 rows: 2^32 bytes.
        let error = RawView::<f32, 2>::new(NonNull::dangling(), &[2, 1 << 29], &[1 << 29, 1]).unwrap_err();
        assert_eq!(
            error,
            Error::SpanTooLarge {
                argument: VIEW,
                bytes: 1 << 32
            }
        );
        // Just inside: 2^31 - 1 bytes of u8.
        assert!(RawView::<u8, 1>::new(NonNull::dangling(), &[(1 << 31) - 1], &[1]).is_ok());
        assert!(RawView::<u8, 1>::new(NonNull::dangling(), &[1 << 31], &[1]).is_err());
    }
}
