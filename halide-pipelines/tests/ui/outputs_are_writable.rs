// An output must be writable: a shared view is not an output. (fails with E0277)
use halide_pipelines::add;

fn main() {
    let a = ndarray::Array2::<f32>::zeros((4, 4));
    let b = ndarray::Array2::<f32>::zeros((4, 4));
    add(&a, &mut b.view()).unwrap();
}
