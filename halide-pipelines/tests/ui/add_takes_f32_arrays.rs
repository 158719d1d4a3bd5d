// `add` takes f32, also as arrays (the array's element type is not f32). (fails with E0271)
use halide_pipelines::add;

fn main() {
    let a = ndarray::Array2::<u8>::zeros((4, 4));
    let mut b = ndarray::Array2::<u8>::zeros((4, 4));
    add(&a, &mut b).unwrap();
}
