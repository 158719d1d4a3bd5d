// One array as input and output. (fails with E0502)
use halide_pipelines::add;

fn main() {
    let mut a = ndarray::Array2::<f32>::zeros((4, 4));
    add(&a, &mut a).unwrap();
}
