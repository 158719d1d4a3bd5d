// `add` takes 2-D arrays; a dynamic-rank array has no fixed rank. (fails with E0277)
use halide_pipelines::add;

fn main() {
    let a = ndarray::ArrayD::<f32>::zeros(vec![4, 4]);
    let mut b = ndarray::Array2::<f32>::zeros((4, 4));
    add(&a, &mut b).unwrap();
}
