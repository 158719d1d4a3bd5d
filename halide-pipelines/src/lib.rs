//! Safe, zero-copy Rust API for Halide ahead-of-time compiled imaging pipelines.
//!
//! Pipelines take ndarray arrays and views directly:
//!
//! ```
//! use halide_pipelines::{add, demosaic, CfaPattern, DemosaicAlgorithm, Error};
//! let a = ndarray::Array2::<f32>::zeros((480, 640));
//! let mut b = ndarray::Array2::<f32>::zeros((480, 640));
//! add(&a, &mut b)?;                                   // b = a + 1
//! add(&a.view(), &mut b.view_mut())?;                 // views (slices, transposes, ...) too
//! # assert!(b.iter().all(|&v| v == 1.0));
//!
//! let raw = ndarray::Array2::<u16>::zeros((300, 400));      // (H, W) Bayer mosaic
//! let mut rgb = ndarray::Array3::<u16>::zeros((300, 400, 3)); // (H, W, 3): R, G, B
//! demosaic(&raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Menon2007)?;
//! # Ok::<(), Error>(())
//! ```
//!
//! Each call describes the arrays' memory to Halide (checks, no copy). To call
//! a pipeline many times on the same arrays, describe them once as a
//! [`Buffer`] (inputs) and [`BufferMut`] (outputs) and pass those: the fast path.
//!
//! ```
//! use halide_pipelines::{add, Buffer, BufferMut, Error};
//! let a = ndarray::Array2::<f32>::zeros((480, 640));
//! let mut b = ndarray::Array2::<f32>::zeros((480, 640));
//! let input = Buffer::try_from(a.view())?;            // Buffer<'_, f32, 2>: shared borrow, for inputs
//! let mut output = BufferMut::try_from(b.view_mut())?; // BufferMut<'_, f32, 2>: exclusive borrow, for outputs
//! for _ in 0..10 {
//!     add(&input, &mut output)?;                      // b = a + 1
//! }
//! # assert!(b.iter().all(|&v| v == 1.0));
//! # Ok::<(), Error>(())
//! ```
//!
//! - Arguments are anything [`InputBuffer`] / [`OutputBuffer`]: arrays and
//!   views of any storage and memory layout, and [`Buffer`] / [`BufferMut`].
//!   Nothing is copied. ndarray's **last** axis is Halide's dimension 0 (as
//!   in Halide's Python bindings): a C-ordered `(rows, cols)` array is a
//!   Halide `(x, y)` buffer.
//! - Every failure is an [`Error`]: Halide's error codes with the message Halide
//!   produced for that call (also when raised on a worker thread), and this
//!   crate's own argument checks, which name the argument (`input`, `output`)
//!   and the axis. Nothing is printed and nothing aborts. [`bad_inputs`] lists
//!   every class of bad input and what it returns.
//! - Every failure's [`Error::kind`] says whether it was the caller's
//!   arguments, the machine or the build ([`ErrorKind`]).
//! - Pipelines run on Halide's thread pool; see [`set_num_threads`].
//!   [`with_threads`] limits the calls made inside it, on the calling thread,
//!   to a number of threads (several streams side by side). The `rayon`
//!   feature adds `set_thread_pool(ParallelPool::Rayon)`, which runs them on
//!   rayon's instead, so an application that uses rayon keeps one thread per
//!   core. The `image` feature makes `image::ImageBuffer`s pipeline arguments.
//! - Halide's error handler, allocator and parallel-for are process-wide. This
//!   crate's hooks route only what is theirs and hand everything else to the
//!   hook installed before them, so raw `halide-pipelines-sys` calls, other
//!   Halide libraries and a second copy of this crate keep working beside it.
//!   [`release_cached_memory`] gives back the blocks kept for reuse.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[doc = include_str!("bad_inputs.md")]
pub mod bad_inputs {}
mod buffer;
pub mod custom;
mod element;
mod error;
mod ffi;
mod hooks;
#[cfg(feature = "image")]
mod image_buffers;
mod pipelines;

pub use buffer::{Buffer, BufferMut, InputBuffer, OutputBuffer};
pub use element::{Element, HalideType, HalideTypeCode};
pub use error::{ArgumentName, Error, ErrorKind, ExpectedExtent, Parameter};
pub use ffi::set_num_threads;
pub use hooks::allocator::release_cached_memory;
pub use hooks::parallel::with_threads;
#[cfg(feature = "rayon")]
pub use hooks::parallel::{ParallelPool, set_thread_pool};
pub use pipelines::add::add;
pub use pipelines::bayer::{CfaPattern, DemosaicAlgorithm, ParseCfaPatternError};
pub use pipelines::demosaic::{DemosaicSample, demosaic, demosaic_region, demosaic_to_array};
pub use pipelines::develop::{DevelopOutput, RawParams, Transfer, develop, develop_region, develop_to_array};
pub use pipelines::half::demosaic_half;
pub use pipelines::packed::{PackedFormat, PackedFrame, unpack};
pub use pipelines::packed_bayer::{demosaic_packed, develop_packed};
