//! imagepipe 0.5.1's whole default pipeline (rawloader's author's raw developer: levels,
//! white balance, demosaic, colour conversion through Lab, base curve, sRGB) to 8-bit sRGB, on
//! the frame of `benches/develop.rs` (12 MP, 12-bit RGGB, black 64, white 4095) and, given a
//! path, on a camera raw file. Decode excluded: each run starts from the decoded `RawImage`.
//! Prints the fastest of 5 runs, all threads (imagepipe parallelises with rayon).

use std::time::Instant;

const WIDTH: usize = 4000;
const HEIGHT: usize = 3000;

/// benches/develop.rs's frame: `64 + 16 * ((x * 7 + y * 13) % 251)`.
fn synthetic() -> rawloader::RawImage {
    let samples = (0..HEIGHT)
        .flat_map(|y| (0..WIDTH).map(move |x| 64 + 16 * ((x * 7 + y * 13) % 251) as u16))
        .collect();
    rawloader::RawImage {
        make: "bench".into(),
        model: "12-bit RGGB".into(),
        clean_make: "bench".into(),
        clean_model: "12-bit RGGB".into(),
        width: WIDTH,
        height: HEIGHT,
        cpp: 1,
        wb_coeffs: [2.1, 1.0, 1.6, f32::NAN],
        whitelevels: [4095; 4],
        blacklevels: [64; 4],
        // Canon EOS 5D Mark II's XYZ-to-camera matrix (rawloader's camera data).
        xyz_to_cam: [[0.4716, 0.0603, -0.0830], [-0.7798, 1.5474, 0.2480], [-0.1496, 0.1937, 0.6651], [0.0; 3]],
        cfa: rawloader::CFA::new("RGGB"),
        crops: [0; 4],
        blackareas: Vec::new(),
        orientation: rawloader::Orientation::Normal,
        data: rawloader::RawImageData::Integer(samples),
    }
}

fn time(name: &str, image: &rawloader::RawImage) {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let mut pipeline = imagepipe::Pipeline::new_from_source(imagepipe::ImageSource::Raw(image.clone()))
            .expect("imagepipe accepts the image");
        let output = pipeline.output_8bit(None).expect("imagepipe develops the image");
        best = best.min(start.elapsed().as_secs_f64());
        assert_eq!(output.data.len(), output.width * output.height * 3);
    }
    let pixels = (image.width * image.height) as f64;
    println!("| peer imagepipe 0.5.1 whole pipeline, u8 sRGB, {name} | {:.0} ms | {:.0} MP/s |", best * 1e3, pixels / best / 1e6);
}

fn main() {
    time("12 MP 12-bit frame", &synthetic());
    if let Some(path) = std::env::args().nth(1) {
        let image = rawloader::decode_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        time(&path, &image);
    }
}
