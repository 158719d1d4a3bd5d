// `demosaic` takes u8 or u16 mosaics. (fails with E0277)
use halide_pipelines::{demosaic, Buffer, BufferMut, CfaPattern, DemosaicAlgorithm};

fn main() {
    let raw = ndarray::Array2::<f32>::zeros((4, 4));
    let mut rgb = ndarray::Array3::<f32>::zeros((4, 4, 3));
    demosaic(&Buffer::try_from(raw.view()).unwrap(), &mut BufferMut::try_from(rgb.view_mut()).unwrap(),
             CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap();
}
