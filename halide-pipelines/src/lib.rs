//! Safe, zero-copy Rust API for Halide ahead-of-time compiled imaging pipelines.
//!
//! ```
//! use halide_pipelines::{add, Buffer, BufferMut, Error};
//! let a = ndarray::Array2::<f32>::zeros((480, 640));
//! let mut b = ndarray::Array2::<f32>::zeros((480, 640));
//! let input = Buffer::try_from(a.view())?;            // Buffer<'_, f32, 2>: shared borrow, for inputs
//! let mut output = BufferMut::try_from(b.view_mut())?; // BufferMut<'_, f32, 2>: exclusive borrow, for outputs
//! add(&input, &mut output)?;                           // b = a + 1
//! # assert!(b.iter().all(|&v| v == 1.0));
//! # Ok::<(), Error>(())
//! ```
//!
//! - [`Buffer`] / [`BufferMut`] describe an ndarray view's memory to Halide
//!   without copying it. ndarray's **last** axis is Halide's dimension 0 (as in
//!   Halide's Python bindings): a C-ordered `(rows, cols)` array is a Halide
//!   `(x, y)` buffer.
//! - Every failure is an [`Error`]: Halide's error codes with the message Halide
//!   produced for that call (also when raised on a worker thread), and this
//!   crate's own argument checks. Nothing is printed and nothing aborts.
//!   [`bad_inputs`] lists every class of bad input and what it returns.
//! - Pipelines run on Halide's thread pool; see [`set_num_threads`]. The
//!   `rayon` feature adds `set_thread_pool(ParallelPool::Rayon)`, which runs
//!   them on rayon's instead, so an application that uses rayon keeps one
//!   thread per core.
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

pub use buffer::{Buffer, BufferMut};
pub use element::Element;
pub use error::{ArgumentName, Error};
pub use ffi::set_num_threads;
pub use hooks::allocator::release_cached_memory;
#[cfg(feature = "rayon")]
pub use hooks::parallel::{ParallelPool, set_thread_pool};
#[cfg(feature = "image")]
pub use image_buffers::{demosaic_image, demosaic_into_image};
pub use pipelines::add::add;
pub use pipelines::demosaic::{CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic, demosaic_to_array};
