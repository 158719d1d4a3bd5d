//! Compiles halide/unsharp.py into `unsharp_u8` and `unsharp_u16`.
//!
//! The archives are prebuilt into `halide-prebuilt/` (one folder per target),
//! so building this crate needs no Python while the generator is unchanged.
//! After editing it, refresh them with Python and `pip install halide==21.0.0`:
//! `HALIDE_BUILD_PUBLISH=1 cargo build` (HALIDE_BUILD_PYTHON names the Python).
fn main() {
    halide_build::Build::new()
        .generator("halide/unsharp.py")
        .pipeline("unsharp", "unsharp_u8")
        .param("input.type", "uint8")
        .param("output.type", "uint8")
        .pipeline("unsharp", "unsharp_u16")
        .param("input.type", "uint16")
        .param("output.type", "uint16")
        .prebuilt("halide-prebuilt")
        // Linux and Apple silicon; elsewhere the build runs the generator (with Python).
        .prebuilt_targets(&[
            "x86_64-unknown-linux-gnu",
            "aarch64-unknown-linux-gnu",
            "aarch64-apple-darwin",
        ])
        .compile()
        .unwrap();
}
