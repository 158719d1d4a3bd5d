//! The process-wide Halide hooks: the error handler, the allocator and (feature
//! `rayon`) the parallel-for.
//!
//! Halide's runtime has one of each per process, shared by everything linked
//! into it: this crate, raw `halide-pipelines-sys` calls, other Halide AOT
//! libraries (the runtime's symbols are weak and merge), and a second,
//! semver-incompatible copy of this crate. So every hook here is written for
//! callers that are not ours:
//!
//! - each hook takes over only what it can prove is its own (a call context it
//!   registered, a block it allocated, a loop it was asked to run on rayon) and
//!   hands everything else to the hook that was installed before it;
//! - it is installed so that no call can meet half of an old hook pair and half
//!   of ours (the allocator installs `free` before `malloc`);
//! - it never unwinds into C.
//!
//! Two copies of this crate chain: the second's hooks forward what is not
//! theirs to the first's.

pub(crate) mod allocator;
pub(crate) mod error_sinks;
pub(crate) mod parallel;

use std::sync::OnceLock;

use once_cell::sync::Lazy;

/// The hooks every pipeline call needs, installed once before the first.
static INSTALLED: Lazy<()> = Lazy::new(|| {
    error_sinks::install();
    allocator::install();
});

/// Installs the error handler and the allocator if this is the first use of
/// the runtime by this copy of the crate.
#[inline]
pub(crate) fn install() {
    Lazy::force(&INSTALLED);
}

/// The hook that `slot` records as replaced by ours. Each `install` sets its
/// slot right after installing our hook; a call that reaches our hook in
/// between blocks until then (a few instructions; it does not spin).
pub(crate) fn replaced<T: Copy>(slot: &OnceLock<T>) -> T {
    *slot.wait()
}
