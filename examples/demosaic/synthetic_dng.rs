//! A minimal DNG writer for the example's tests: one little-endian TIFF directory, uncompressed
//! 16-bit CFA samples in one strip, with the tags rawloader 0.37 needs (Make, Model, CFAPattern,
//! BlackLevel, WhiteLevel) and those the raw path reads (ColorMatrix1, AsShotNeutral).

/// What goes into the file.
pub struct DngSpec<'a> {
    pub width: u32,
    pub height: u32,
    /// Row-major samples, `width * height` of them.
    pub samples: &'a [u16],
    /// The CFA tile, row by row, as DNG colour indices (0 R, 1 G, 2 B).
    pub cfa: [u8; 4],
    pub black: u16,
    pub white: u16,
    /// ColorMatrix1: XYZ to camera, row-major, in 1/10000.
    pub xyz_to_cam: [i32; 9],
    /// AsShotNeutral: the camera's response to white, R G B, in 1/10000.
    pub as_shot_neutral: [u32; 3],
}

const BYTE: u16 = 1;
const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const SRATIONAL: u16 = 10;

/// One directory entry: tag, TIFF type, value count and the value's bytes.
struct Entry(u16, u16, u32, Vec<u8>);

fn shorts(tag: u16, values: &[u16]) -> Entry {
    Entry(
        tag,
        SHORT,
        values.len() as u32,
        values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    )
}

fn longs(tag: u16, values: &[u32]) -> Entry {
    Entry(
        tag,
        LONG,
        values.len() as u32,
        values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    )
}

fn ascii(tag: u16, text: &str) -> Entry {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    Entry(tag, ASCII, bytes.len() as u32, bytes)
}

/// The file's bytes.
pub fn write(spec: &DngSpec) -> Vec<u8> {
    let (width, height) = (spec.width, spec.height);
    assert_eq!(spec.samples.len(), (width * height) as usize);
    let matrix: Vec<u8> = spec
        .xyz_to_cam
        .iter()
        .flat_map(|&v| v.to_le_bytes().into_iter().chain(10_000i32.to_le_bytes()))
        .collect();
    let neutral: Vec<u8> = spec
        .as_shot_neutral
        .iter()
        .flat_map(|&v| v.to_le_bytes().into_iter().chain(10_000u32.to_le_bytes()))
        .collect();
    let mut entries = vec![
        longs(0x00FE, &[0]),                       // NewSubfileType: the main image
        longs(0x0100, &[width]),                   // ImageWidth
        longs(0x0101, &[height]),                  // ImageLength
        shorts(0x0102, &[16]),                     // BitsPerSample
        shorts(0x0103, &[1]),                      // Compression: none
        shorts(0x0106, &[32803]),                  // PhotometricInterpretation: CFA
        ascii(0x010F, "Synthetic"),                // Make
        ascii(0x0110, "Test DNG"),                 // Model
        longs(0x0111, &[0]),                       // StripOffsets: set below
        shorts(0x0112, &[1]),                      // Orientation
        shorts(0x0115, &[1]),                      // SamplesPerPixel
        longs(0x0116, &[height]),                  // RowsPerStrip
        longs(0x0117, &[width * height * 2]),      // StripByteCounts
        shorts(0x011C, &[1]),                      // PlanarConfiguration
        shorts(0x828D, &[2, 2]),                   // CFARepeatPatternDim
        Entry(0x828E, BYTE, 4, spec.cfa.to_vec()), // CFAPattern
        Entry(0xC612, BYTE, 4, vec![1, 4, 0, 0]),  // DNGVersion 1.4
        shorts(0xC61A, &[spec.black]),             // BlackLevel
        shorts(0xC61D, &[spec.white]),             // WhiteLevel
        Entry(0xC621, SRATIONAL, 9, matrix),       // ColorMatrix1
        Entry(0xC628, RATIONAL, 3, neutral),       // AsShotNeutral
        shorts(0xC65A, &[21]),                     // CalibrationIlluminant1: D65
    ];
    entries.sort_by_key(|entry| entry.0);
    // Header, directory, the values longer than 4 bytes, then the samples.
    let directory_length = 2 + 12 * entries.len() as u32 + 4;
    let values_start = 8 + directory_length;
    let values_length: u32 = entries
        .iter()
        .filter(|e| e.3.len() > 4)
        .map(|e| e.3.len().next_multiple_of(2) as u32)
        .sum();
    let samples_start = values_start + values_length;
    for entry in &mut entries {
        if entry.0 == 0x0111 {
            entry.3 = samples_start.to_le_bytes().to_vec();
        }
    }
    let mut file = b"II".to_vec();
    file.extend_from_slice(&42u16.to_le_bytes());
    file.extend_from_slice(&8u32.to_le_bytes());
    file.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    let mut values = Vec::new();
    for Entry(tag, kind, count, bytes) in &entries {
        file.extend_from_slice(&tag.to_le_bytes());
        file.extend_from_slice(&kind.to_le_bytes());
        file.extend_from_slice(&count.to_le_bytes());
        if bytes.len() <= 4 {
            let mut inline = bytes.clone();
            inline.resize(4, 0);
            file.extend_from_slice(&inline);
        } else {
            file.extend_from_slice(&(values_start + values.len() as u32).to_le_bytes());
            values.extend_from_slice(bytes);
            values.resize(values.len().next_multiple_of(2), 0);
        }
    }
    file.extend_from_slice(&0u32.to_le_bytes()); // no next directory
    file.extend_from_slice(&values);
    assert_eq!(file.len() as u32, samples_start);
    file.extend(spec.samples.iter().flat_map(|v| v.to_le_bytes()));
    file
}
