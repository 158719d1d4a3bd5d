// `add` takes 2-D views. (fails with E0277)
use halide_pipelines::{add, Buffer, BufferMut};

fn main() {
    let a = ndarray::Array3::<f32>::zeros((4, 4, 1));
    let mut b = ndarray::Array3::<f32>::zeros((4, 4, 1));
    add(&Buffer::try_from(a.view()).unwrap(), &mut BufferMut::try_from(b.view_mut()).unwrap()).unwrap();
}
