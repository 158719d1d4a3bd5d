//! Calling your own Halide pipelines: what the code `halide-build` generates
//! calls into.
//!
//! You normally do not use this module by hand. A build script runs your
//! generator with [`halide-build`](https://docs.rs/halide-build), which writes
//! one typed function per pipeline into `OUT_DIR`, and
//! [`include_pipelines!`](crate::include_pipelines) includes them:
//!
//! ```ignore
//! // build.rs
//! halide_build::Build::new()
//!     .generator("halide/blur.py")
//!     .pipeline("blur", "blur_u8")
//!     .param("input.type", "uint8")
//!     .compile()
//!     .unwrap();
//! // src/lib.rs or src/main.rs
//! halide_pipelines::include_pipelines!();
//! // defines `pub fn blur_u8(input: &impl InputBuffer<u8, 2>, radius: i32,
//! //                          output: &mut impl OutputBuffer<u8, 2>) -> Result<(), Error>`
//! ```
//!
//! A generated function is a [`Pipeline`] (the archive's entry points and the
//! signature read from Halide's function info at build time) and a [`call`]
//! with one [`Arg`] per argument. The first call compares that signature with
//! the archive's own `<name>_metadata()`, so a stale archive is an
//! [`Error::PipelineMismatch`], never a call with wrong arguments; errors come
//! back as [`Error`] values with Halide's message, exactly as for the built-in
//! pipelines; an archive built without Halide's bounds checks (`no_asserts`)
//! is refused ([`Error::UncheckedArchive`]). The call itself lives in this
//! crate. The generated code declares the two C functions and builds its
//! `Pipeline` from them in an `unsafe` block ([`Pipeline::new`] is `unsafe`:
//! only its caller knows that the two functions belong to one pipeline),
//! with a `// SAFETY:` comment saying why they do.
//!
//! This module is the stable interface between `halide-build` and this crate:
//! generated code uses nothing else.

use crate::buffer::{Buffer, BufferMut};
use crate::element::{Element, HalideType, HalideTypeCode};
use crate::error::Error;
use crate::ffi::{self, MAX_CUSTOM_ARGS};

pub use crate::ffi::{ArgSpec, ArgvFn, FilterMetadata, MetadataFn, Pipeline};

mod sealed {
    pub trait Sealed {}
}

/// A Rust type a pipeline can take as a scalar argument: `bool`, `u8`..`u64`,
/// `i8`..`i64`, `f32`, `f64`.
///
/// Sealed: the type must be exactly Halide's (`bool` is Halide's `UInt(1)`,
/// passed as one byte).
pub trait Scalar: sealed::Sealed + Copy + 'static {
    /// The scalar's Halide type.
    const HALIDE_TYPE: HalideType;
    /// The value's bytes in native order at the start of an 8-byte slot,
    /// which is what Halide's `argv` entry point reads through its pointer.
    fn slot(self) -> u64;
}

/// Puts `bytes` at the start of an 8-byte slot (the rest is zero).
#[inline]
fn slot_of<const B: usize>(bytes: [u8; B]) -> u64 {
    let mut slot = [0u8; 8];
    slot[..B].copy_from_slice(&bytes);
    u64::from_ne_bytes(slot)
}

macro_rules! element_scalars {
    ($($rust:ty),*) => {$(
        impl sealed::Sealed for $rust {}
        impl Scalar for $rust {
            const HALIDE_TYPE: HalideType = <$rust as Element>::HALIDE_TYPE;
            #[inline]
            fn slot(self) -> u64 {
                slot_of(self.to_ne_bytes())
            }
        }
    )*};
}
element_scalars!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

impl sealed::Sealed for bool {}
impl Scalar for bool {
    const HALIDE_TYPE: HalideType = HalideType::new(HalideTypeCode::UInt, 1);
    #[inline]
    fn slot(self) -> u64 {
        slot_of([u8::from(self)])
    }
}

/// One argument of a [`call`], borrowing what it describes for the call.
pub struct Arg<'c>(ffi::Arg<'c>);

impl<'c> Arg<'c> {
    /// An input buffer: Halide only reads it.
    #[inline]
    pub fn input<T: Element, const N: usize>(buffer: &'c Buffer<'_, T, N>) -> Self {
        Arg(buffer.arg())
    }

    /// An output buffer: exclusively borrowed for the call.
    #[inline]
    pub fn output<T: Element, const N: usize>(buffer: &'c mut BufferMut<'_, T, N>) -> Self {
        Arg(buffer.arg())
    }

    /// A scalar.
    #[inline]
    pub fn scalar<S: Scalar>(value: S) -> Self {
        Arg(ffi::Arg::Scalar(S::HALIDE_TYPE, value.slot()))
    }
}

/// Runs `pipeline` with `args`, the arguments after Halide's `user_context`
/// in the pipeline's order (the order of the generator's declarations).
///
/// Fails with [`Error::PipelineMismatch`] if `pipeline`'s signature differs
/// from the linked archive's metadata, or with Halide's error and message
/// (out-of-range scalars, inputs smaller than the region the output needs...).
///
/// # Panics
/// If an argument's kind, rank or type differs from `pipeline.args` (a bug of
/// the generated code, never of its caller's values).
pub fn call<const A: usize>(pipeline: &Pipeline, args: [Arg<'_>; A]) -> Result<(), Error> {
    ffi::call_with_argv::<A, { MAX_CUSTOM_ARGS + 1 }>(pipeline, args.map(|arg| arg.0))
}

/// Includes the pipeline functions `halide-build` generated for this crate
/// (`$OUT_DIR/halide_pipelines.rs`).
///
/// Use it once, at the place the functions should live (crate root or a
/// module). See the [`custom`](crate::custom) module for what it defines.
#[macro_export]
macro_rules! include_pipelines {
    () => {
        include!(concat!(env!("OUT_DIR"), "/halide_pipelines.rs"));
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_start_their_slot_in_native_order() {
        let bytes = |slot: u64| slot.to_ne_bytes();
        assert_eq!(bytes(true.slot())[..1], [1]);
        assert_eq!(bytes(false.slot()), [0; 8]);
        assert_eq!(bytes((-2i8).slot())[..1], (-2i8).to_ne_bytes());
        assert_eq!(bytes(0x1234u16.slot())[..2], 0x1234u16.to_ne_bytes());
        assert_eq!(bytes(1.5f32.slot())[..4], 1.5f32.to_ne_bytes());
        assert_eq!(bytes((-3i64).slot()), (-3i64).to_ne_bytes());
        assert_eq!(bytes(0.25f64.slot()), 0.25f64.to_ne_bytes());
        assert_eq!(bytes(7u32.slot())[4..], [0; 4]);
    }

    // What generated code declares: the pipeline's two entry points, with
    // this module's types.
    unsafe extern "C" {
        fn demosaic_bilinear_u8_interleaved_argv(args: *mut *mut std::ffi::c_void) -> std::ffi::c_int;
        fn demosaic_bilinear_u8_interleaved_metadata() -> *const FilterMetadata;
    }

    /// The shipped bilinear demosaic through this module, as generated code
    /// would call it: buffers and `i32` scalars via `Arg`, checked metadata.
    static DEMOSAIC: Pipeline = unsafe {
        // SAFETY: `<name>_argv` and `<name>_metadata` of one shipped pipeline.
        Pipeline::new(
            "demosaic_bilinear_u8_interleaved",
            demosaic_bilinear_u8_interleaved_argv,
            demosaic_bilinear_u8_interleaved_metadata,
            &[
                ArgSpec::input::<u8>("input", 2),
                ArgSpec::scalar::<i32>("red_x"),
                ArgSpec::scalar::<i32>("red_y"),
                ArgSpec::output::<u8>("output", 3),
            ],
        )
    };

    /// The same archive declared with `red_x` as a `u32`: the metadata check
    /// refuses it before Halide sees an argument.
    static DEMOSAIC_WRONG_SCALAR: Pipeline = unsafe {
        // SAFETY: `<name>_argv` and `<name>_metadata` of one shipped pipeline.
        Pipeline::new(
            "demosaic_bilinear_u8_interleaved",
            demosaic_bilinear_u8_interleaved_argv,
            demosaic_bilinear_u8_interleaved_metadata,
            &[
                ArgSpec::input::<u8>("input", 2),
                ArgSpec::scalar::<u32>("red_x"),
                ArgSpec::scalar::<i32>("red_y"),
                ArgSpec::output::<u8>("output", 3),
            ],
        )
    };

    #[test]
    fn calls_run_checked_pipelines_with_scalars() {
        let raw = ndarray::Array2::<u8>::from_elem((6, 8), 77);
        let mut rgb = ndarray::Array3::<u8>::zeros((6, 8, 3));
        let input = Buffer::try_from(raw.view()).unwrap();
        let mut output = BufferMut::try_from(rgb.view_mut()).unwrap();
        call(
            &DEMOSAIC,
            [
                Arg::input(&input),
                Arg::scalar(0i32),
                Arg::scalar(0i32),
                Arg::output(&mut output),
            ],
        )
        .unwrap();
        assert!(rgb.iter().all(|&v| v == 77));

        // Out of the declared range [0, 1]: Halide's parameter error and message.
        let mut output = BufferMut::try_from(rgb.view_mut()).unwrap();
        let error = call(
            &DEMOSAIC,
            [
                Arg::input(&input),
                Arg::scalar(2i32),
                Arg::scalar(0i32),
                Arg::output(&mut output),
            ],
        )
        .unwrap_err();
        assert_eq!(error.code(), Some(-10), "{error}");
        assert!(error.halide_message().unwrap_or_default().contains("red_x"), "{error}");

        let error = call(
            &DEMOSAIC_WRONG_SCALAR,
            [
                Arg::input(&input),
                Arg::scalar(0u32),
                Arg::scalar(0i32),
                Arg::output(&mut output),
            ],
        )
        .unwrap_err();
        assert!(matches!(error, Error::PipelineMismatch { .. }), "{error}");
    }

    #[test]
    #[should_panic(expected = "passes a scalar of another type as `red_x`")]
    fn a_scalar_of_another_type_than_declared_is_a_bug_of_the_caller() {
        let raw = ndarray::Array2::<u8>::zeros((2, 2));
        let mut rgb = ndarray::Array3::<u8>::zeros((2, 2, 3));
        let input = Buffer::try_from(raw.view()).unwrap();
        let mut output = BufferMut::try_from(rgb.view_mut()).unwrap();
        let _ = call(
            &DEMOSAIC,
            [
                Arg::input(&input),
                Arg::scalar(0u8),
                Arg::scalar(0i32),
                Arg::output(&mut output),
            ],
        );
    }

    #[test]
    fn bool_is_halides_one_bit_unsigned() {
        let sys = bool::HALIDE_TYPE.to_sys();
        assert_eq!((sys.code, sys.bits), (halide_runtime_sys::halide_type_uint as u8, 1));
    }
}
