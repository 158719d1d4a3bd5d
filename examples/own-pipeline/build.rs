//! Compiles halide/unsharp.py into `unsharp_u8` and `unsharp_u16`
//! (needs Python with `pip install halide==21.0.0`; see HALIDE_BUILD_PYTHON).
fn main() {
    halide_build::Build::new()
        .generator("halide/unsharp.py")
        .pipeline("unsharp", "unsharp_u8")
        .param("input.type", "uint8")
        .param("output.type", "uint8")
        .pipeline("unsharp", "unsharp_u16")
        .param("input.type", "uint16")
        .param("output.type", "uint16")
        .compile()
        .unwrap();
}
