// `add` takes f32. (fails with E0277)
use halide_pipelines::{add, Buffer, BufferMut};

fn main() {
    let a = ndarray::Array2::<u8>::zeros((4, 4));
    let mut b = ndarray::Array2::<u8>::zeros((4, 4));
    add(&Buffer::try_from(a.view()).unwrap(), &mut BufferMut::try_from(b.view_mut()).unwrap()).unwrap();
}
