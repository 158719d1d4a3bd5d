//! Raw bindings to the Halide 21 runtime (`HalideRuntime.h`), and the runtime itself.
//!
//! Linking this crate links exactly one Halide runtime: the prebuilt archive for
//! the compilation target (built for that target's baseline CPU), or one built from
//! source (see the README). Every pipeline archive of `halide-pipelines-sys` is
//! built without a runtime of its own and uses this one.
//!
//! Enumerations of the header (`halide_error_code_t`, `halide_type_code_t`, ...)
//! are plain integer constants, never Rust enums: a code a newer runtime returns
//! stays a valid value.
//!
//! This crate is the unsafe floor; the safe API is the `halide-pipelines` crate.
#![no_std]
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]
#![allow(clippy::all, rustdoc::all)]

// Halide's Windows archives are MSVC objects: what MinGW lacks for them (see the module).
#[cfg(all(windows, target_env = "gnu", target_arch = "x86_64"))]
mod mingw;

#[cfg(not(feature = "bindgen"))]
include!("bindings.rs");
#[cfg(feature = "bindgen")]
include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
