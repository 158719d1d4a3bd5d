//! Demosaics a synthetic RGGB frame and prints how far it is from the truth.
//! (A fuller command-line tool arrives with the demosaic work.)

use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, demosaic};
use ndarray::{Array2, Array3};

fn main() -> Result<(), halide_pipelines::Error> {
    let (height, width) = (480, 640);
    // A smooth colour gradient: bilinear interpolation reproduces it almost exactly.
    let truth = Array3::from_shape_fn((height, width, 3), |(y, x, c)| {
        ((x * 3 + y * 2 + c * 500) % 4096) as u16 * 16
    });
    let raw = Array2::from_shape_fn((height, width), |(y, x)| {
        let channel = match (y % 2, x % 2) {
            (0, 0) => 0,
            (1, 1) => 2,
            _ => 1,
        };
        truth[[y, x, channel]]
    });
    let mut rgb = Array3::<u16>::zeros((height, width, 3));
    demosaic(
        &Buffer::try_from(raw.view())?,
        &mut BufferMut::try_from(rgb.view_mut())?,
        CfaPattern::Rggb,
        DemosaicAlgorithm::Bilinear,
    )?;
    let worst = truth
        .iter()
        .zip(rgb.iter())
        .map(|(&a, &b)| a.abs_diff(b))
        .max()
        .unwrap_or(0);
    println!("demosaiced a {width}x{height} RGGB frame; largest difference from the truth: {worst}");
    Ok(())
}
