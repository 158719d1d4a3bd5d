// The input and the output of `demosaic` have one sample type. (fails with E0271)
use halide_pipelines::{demosaic, CfaPattern, DemosaicAlgorithm};

fn main() {
    let raw = ndarray::Array2::<u8>::zeros((4, 4));
    let mut rgb = ndarray::Array3::<u16>::zeros((4, 4, 3));
    demosaic(&raw, &mut rgb, CfaPattern::Rggb, DemosaicAlgorithm::Bilinear).unwrap();
}
