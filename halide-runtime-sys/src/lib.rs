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

// The committed bindings: LP64 and LLP64 targets share one file (the C layouts agree,
// which the layout tests check wherever the crate compiles), except under MSVC, whose
// C compiler types enums without negative values as `int`, not `unsigned int`.
#[cfg(all(not(feature = "bindgen"), not(target_env = "msvc")))]
include!("bindings.rs");
#[cfg(all(not(feature = "bindgen"), target_env = "msvc"))]
include!("bindings_msvc.rs");
#[cfg(feature = "bindgen")]
include!(concat!(env!("OUT_DIR"), "/bindings.rs"));

/// The prebuilt Linux runtime is compiled as for glibc and calls `fopen64`
/// (`halide_get_trace_file`, for `HL_TRACE_FILE`), which the static libc of musl
/// 1.2.4 and later (the one Rust's musl targets ship) no longer has. musl's `fopen`
/// always has 64-bit offsets, so `fopen64` is `fopen`, the alias musl itself defined
/// up to 1.2.3. This lets `-linux-musl` link the same archives as `-linux-gnu`.
#[cfg(all(target_os = "linux", target_env = "musl"))]
mod musl {
    use core::ffi::{c_char, c_void};

    unsafe extern "C" {
        fn fopen(path: *const c_char, mode: *const c_char) -> *mut c_void;
    }

    /// # Safety
    /// As `fopen`: `path` and `mode` are NUL-terminated strings.
    #[unsafe(no_mangle)]
    unsafe extern "C" fn fopen64(path: *const c_char, mode: *const c_char) -> *mut c_void {
        // SAFETY: the caller's contract is fopen's, passed on unchanged.
        unsafe { fopen(path, mode) }
    }

    #[cfg(test)]
    mod tests {
        use core::ffi::c_void;

        unsafe extern "C" {
            fn fclose(file: *mut c_void) -> i32;
        }

        #[test]
        fn fopen64_opens_what_fopen_opens() {
            // SAFETY: NUL-terminated literals; the file is closed once.
            unsafe {
                let file = super::fopen64(c"Cargo.toml".as_ptr(), c"r".as_ptr());
                assert!(!file.is_null());
                assert_eq!(fclose(file), 0);
                assert!(super::fopen64(c"no/such/file".as_ptr(), c"r".as_ptr()).is_null());
            }
        }
    }
}

// The build script's target mapping, compiled here only for its unit tests (a build
// script cannot host tests of its own).
#[cfg(test)]
extern crate std;
#[cfg(test)]
mod target_map;
