// Pairing two entry points with an argument list is what the caller of
// `custom::Pipeline::new` vouches for: safe code cannot do it (fails with E0133).
use halide_pipelines::custom::{ArgSpec, FilterMetadata, Pipeline};

unsafe extern "C" {
    fn demosaic_bilinear_u8_interleaved_argv(args: *mut *mut std::ffi::c_void) -> std::ffi::c_int;
    fn add_metadata() -> *const FilterMetadata;
}

static MISMATCHED: Pipeline = Pipeline::new(
    "demosaic",
    demosaic_bilinear_u8_interleaved_argv,
    add_metadata,
    &[ArgSpec::input::<f32>("input", 2), ArgSpec::output::<f32>("output", 2)],
);

fn main() {
    let _ = &MISMATCHED;
}
