//! `unpack` against a packer written here, in plain Rust, from the formats'
//! definitions (MIPI CSI-2 RAW10/12/14 as V4L2 documents them, GenICam PFNC's
//! `Mono10p`/`Mono12p`, GigE Vision's `Mono12Packed`), not from the
//! generators' code under test.

#[path = "common/split_mix.rs"]
mod split_mix;
#[path = "common/x86_variant.rs"]
mod x86_variant;

use halide_pipelines::{
    CfaPattern, DemosaicAlgorithm, Error, ErrorKind, ExpectedExtent, PackedFormat, PackedFrame, RawParams, Transfer,
    demosaic, demosaic_packed, develop, develop_packed, unpack,
};
use ndarray::{Array2, Array3, ShapeBuilder};
use split_mix::Rng;
use x86_variant::choose_variant;

/// Packs one group of samples (`samples.len()` = the format's group size)
/// byte by byte, each byte written as its standard's text defines it.
fn pack_group(format: PackedFormat, s: &[u16]) -> Vec<u8> {
    let hi = |sample: u16, low_bits: u32| (sample >> low_bits) as u8;
    match format {
        // Bytes 0–3: bits 9..2; byte 4: bits 1..0 of sample k in its bits 2k+1..2k.
        PackedFormat::Csi2Raw10 => vec![
            hi(s[0], 2),
            hi(s[1], 2),
            hi(s[2], 2),
            hi(s[3], 2),
            ((s[0] & 3) | (s[1] & 3) << 2 | (s[2] & 3) << 4 | (s[3] & 3) << 6) as u8,
        ],
        // Bytes 0–1: bits 11..4; byte 2: s0[3:0] in bits 3..0, s1[3:0] in 7..4.
        PackedFormat::Csi2Raw12 => vec![hi(s[0], 4), hi(s[1], 4), ((s[0] & 15) | (s[1] & 15) << 4) as u8],
        // Bytes 0–3: bits 13..6; byte 4 = s0[5:0] | s1[1:0]<<6, byte 5 = s1[5:2] |
        // s2[3:0]<<4, byte 6 = s2[5:4] | s3[5:0]<<2.
        PackedFormat::Csi2Raw14 => vec![
            hi(s[0], 6),
            hi(s[1], 6),
            hi(s[2], 6),
            hi(s[3], 6),
            ((s[0] & 0x3f) | (s[1] & 3) << 6) as u8,
            ((s[1] >> 2 & 0xf) | (s[2] & 0xf) << 4) as u8,
            ((s[2] >> 4 & 3) | (s[3] & 0x3f) << 2) as u8,
        ],
        // Byte 0 = s0[11:4], byte 1 = s0[3:0] | s1[3:0]<<4, byte 2 = s1[11:4].
        PackedFormat::Mono12Packed => vec![hi(s[0], 4), ((s[0] & 15) | (s[1] & 15) << 4) as u8, hi(s[1], 4)],
        other => unreachable!("{other} is a bit stream"),
    }
}

/// Sample i occupies bits [b·i, b·i + b) of a little-endian bit stream.
fn pack_bit_stream(bits: u32, samples: &[u16], row: &mut [u8]) {
    for (i, &sample) in samples.iter().enumerate() {
        for bit in 0..bits as usize {
            let at = bits as usize * i + bit;
            let mask = 1u8 << (at % 8);
            if sample >> bit & 1 == 1 {
                row[at / 8] |= mask;
            } else {
                row[at / 8] &= !mask;
            }
        }
    }
}

fn group_samples(format: PackedFormat) -> usize {
    match format {
        PackedFormat::Csi2Raw10 | PackedFormat::Csi2Raw14 => 4,
        PackedFormat::Csi2Raw12 | PackedFormat::Mono12Packed => 2,
        _ => 1,
    }
}

/// A frame of random samples and its packed bytes: rows `row_stride` apart,
/// padding (between rows, in a row's last group, in a bit stream's last
/// byte) filled with noise the unpacker must ignore.
fn packed_frame(
    rng: &mut Rng,
    format: PackedFormat,
    width: usize,
    height: usize,
    row_stride: usize,
) -> (Array2<u16>, Vec<u8>) {
    let max = (1u32 << format.bits_per_sample()) - 1;
    let samples = Array2::from_shape_simple_fn((height, width), || rng.below_or_equal(max as u16));
    let row_bytes = format.min_row_bytes(width);
    let mut bytes: Vec<u8> = (0..row_stride * (height - 1) + row_bytes)
        .map(|_| rng.next_u64() as u8)
        .collect();
    for (r, row) in samples.rows().into_iter().enumerate() {
        let out = &mut bytes[r * row_stride..r * row_stride + row_bytes];
        let row = row.to_vec();
        match format {
            PackedFormat::Mono10p | PackedFormat::Mono12p => pack_bit_stream(format.bits_per_sample(), &row, out),
            _ => {
                let n = group_samples(format);
                let mut padded = row.clone();
                while !padded.len().is_multiple_of(n) {
                    padded.push(rng.below_or_equal(max as u16));
                }
                let packed: Vec<u8> = padded.chunks(n).flat_map(|group| pack_group(format, group)).collect();
                out.copy_from_slice(&packed);
            }
        }
    }
    (samples, bytes)
}

#[test]
fn the_packer_here_agrees_with_hand_worked_examples() {
    choose_variant();
    // Worked by hand from the texts: Mono10p 0x3FF, 0x001 -> FF 07 00.
    let mut row = [0u8; 3];
    pack_bit_stream(10, &[0x3ff, 0x001], &mut row);
    assert_eq!(row, [0xff, 0x07, 0x00]);
    // CSI-2 RAW12: 0xABC, 0x123 -> AB 12 3C.
    assert_eq!(pack_group(PackedFormat::Csi2Raw12, &[0xabc, 0x123]), [0xab, 0x12, 0x3c]);
    // Mono12Packed: 0xABC, 0x123 -> AB 3C 12.
    assert_eq!(
        pack_group(PackedFormat::Mono12Packed, &[0xabc, 0x123]),
        [0xab, 0x3c, 0x12]
    );
}

#[test]
fn unpack_equals_the_definition_for_every_format_width_and_stride() {
    choose_variant();
    let mut rng = Rng(0x5eed_0025);
    for &format in PackedFormat::ALL {
        // 4k and 4k+2 (a partial CSI-2 group), odd widths, a single sample.
        for (width, height) in [(4000, 3), (4002, 3), (64, 9), (66, 9), (7, 5), (13, 4), (1, 3), (2, 1)] {
            let tight = format.min_row_bytes(width);
            // Tight rows, a few bytes of padding, and a 64-byte line pitch.
            for row_stride in [tight, tight + 3, tight.next_multiple_of(64)] {
                let (samples, bytes) = packed_frame(&mut rng, format, width, height, row_stride);
                let frame = PackedFrame::with_row_stride(&bytes, width, height, row_stride, format).unwrap();
                let mut output = Array2::<u16>::from_elem((height, width), 0xdead);
                unpack(&frame, &mut output).unwrap();
                assert_eq!(output, samples, "{format} {width}x{height} stride {row_stride}");
            }
        }
    }
}

#[test]
fn unpack_writes_any_output_layout() {
    choose_variant();
    let mut rng = Rng(7);
    let format = PackedFormat::Csi2Raw12;
    let (samples, bytes) = packed_frame(&mut rng, format, 30, 11, format.min_row_bytes(30));
    let frame = PackedFrame::new(&bytes, 30, 11, format).unwrap();
    // Column-major, and a view with a row stride larger than its width.
    let mut column_major = Array2::<u16>::zeros((11, 30).f());
    unpack(&frame, &mut column_major).unwrap();
    assert_eq!(column_major, samples);
    let mut wide = Array2::<u16>::zeros((11, 40));
    unpack(&frame, &mut wide.slice_mut(ndarray::s![.., 5..35])).unwrap();
    assert_eq!(wide.slice(ndarray::s![.., 5..35]), samples);
    assert!(wide.slice(ndarray::s![.., ..5]).iter().all(|&v| v == 0));
}

#[test]
fn a_tight_frame_needs_no_padding_after_its_last_row() {
    choose_variant();
    let format = PackedFormat::Mono12p;
    let (width, height, row_stride) = (5, 3, 16);
    // 8 bytes per row (60 bits), rows 16 apart: 16 * 2 + 8 bytes in all.
    let bytes = vec![0u8; 40];
    assert!(PackedFrame::with_row_stride(&bytes, width, height, row_stride, format).is_ok());
    let error = PackedFrame::with_row_stride(&bytes[..39], width, height, row_stride, format).unwrap_err();
    assert!(matches!(error, Error::BadPackedFrame { field: "bytes", .. }), "{error}");
}

#[test]
fn bad_frames_name_the_field_and_what_was_expected() {
    choose_variant();
    let bytes = vec![0u8; 100];
    let format = PackedFormat::Csi2Raw10;
    let cases: [(Result<PackedFrame<'_>, Error>, &str, &str); 5] = [
        (PackedFrame::new(&bytes, 0, 2, format), "width", "0"),
        (PackedFrame::new(&bytes, 4, 0, format), "height", "0"),
        (
            PackedFrame::with_row_stride(&bytes, 8, 2, 9, format),
            "row_stride",
            "9 bytes, less than the 10 bytes of a row of 8 Csi2Raw10 samples",
        ),
        (
            PackedFrame::new(&bytes, 40, 3, format),
            "bytes",
            "100 bytes, but 3 rows of 50 bytes, 50 bytes apart, need 150",
        ),
        (
            PackedFrame::with_row_stride(&bytes, 4, 2, usize::MAX, format),
            "bytes",
            "more than usize::MAX",
        ),
    ];
    for (result, expected_field, expected_text) in cases {
        let error = result.expect_err("a bad frame is an error");
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        let Error::BadPackedFrame { field, ref problem } = error else {
            panic!("not a BadPackedFrame: {error:?}");
        };
        assert_eq!(field, expected_field);
        assert!(problem.contains(expected_text), "{problem}");
        assert!(error.to_string().contains(&format!("`{expected_field}`")), "{error}");
    }
}

#[test]
fn an_output_of_another_shape_names_output_and_the_axis() {
    choose_variant();
    let format = PackedFormat::Mono10p;
    let bytes = vec![0u8; format.min_row_bytes(6) * 4];
    let frame = PackedFrame::new(&bytes, 6, 4, format).unwrap();
    for (shape, axis, actual, expected) in [((4, 5), 1, 5, 6), ((3, 6), 0, 3, 4)] {
        let mut output = Array2::<u16>::zeros(shape);
        let error = unpack(&frame, &mut output).unwrap_err();
        assert!(
            matches!(
                error,
                Error::BadShape { argument: "output", axis: a, actual: x, expected: ExpectedExtent::Exactly(e) }
                    if a == axis && x == actual && e == expected
            ),
            "{error:?}"
        );
    }
}

#[test]
fn demosaic_and_develop_of_a_packed_frame_equal_unpack_then_the_unpacked_pipeline() {
    choose_variant();
    let mut rng = Rng(0xbea5_0025);
    for &format in PackedFormat::ALL {
        let white = (1u32 << format.bits_per_sample()) as u16 - 1;
        let params = RawParams::new()
            .with_black_levels([white / 16; 4])
            .with_white_level(white - white / 8);
        // 4k and 4k+2 samples per row, odd heights, several strips and
        // vectors of a row; tight and padded rows; frames narrower than what
        // the algorithms read past an edge (mirrored more than once).
        for (index, (width, height)) in [(2, 2), (6, 3), (36, 11), (38, 9), (1030, 71)].into_iter().enumerate() {
            let row_stride = format.min_row_bytes(width) + 7 * index;
            let (samples, bytes) = packed_frame(&mut rng, format, width, height, row_stride);
            let frame = PackedFrame::with_row_stride(&bytes, width, height, row_stride, format).unwrap();
            // Every pattern on the small frames, one on the large (in turn).
            let patterns = |algorithm: DemosaicAlgorithm| match width {
                ..64 => CfaPattern::ALL.to_vec(),
                _ => vec![CfaPattern::ALL[(index + algorithm as usize) % 4]],
            };
            for (&algorithm, pattern) in (DemosaicAlgorithm::ALL.iter()).flat_map(|algorithm| {
                patterns(*algorithm)
                    .into_iter()
                    .map(move |pattern| (algorithm, pattern))
            }) {
                let mut expected = Array3::<u16>::zeros((height, width, 3));
                demosaic(&samples, &mut expected, pattern, algorithm).unwrap();
                let mut rgb = Array3::<u16>::zeros((height, width, 3));
                demosaic_packed(&frame, &mut rgb, pattern, algorithm).unwrap();
                assert_eq!(rgb, expected, "{format} {width}x{height} {algorithm:?} {pattern}");
                // Planar: another archive.
                let mut planes = Array3::<u16>::zeros((3, height, width));
                demosaic_packed(
                    &frame,
                    &mut planes.view_mut().permuted_axes([1, 2, 0]),
                    pattern,
                    algorithm,
                )
                .unwrap();
                assert_eq!(
                    planes.view().permuted_axes([1, 2, 0]),
                    expected,
                    "{format} {algorithm:?} planar"
                );

                let mut expected = Array3::<u8>::zeros((height, width, 3));
                develop(&samples, &mut expected, pattern, algorithm, &params).unwrap();
                let mut srgb = Array3::<u8>::zeros((height, width, 3));
                develop_packed(&frame, &mut srgb, pattern, algorithm, &params).unwrap();
                assert_eq!(
                    srgb, expected,
                    "{format} {width}x{height} {algorithm:?} {pattern} develop u8"
                );
                let linear = params.with_transfer(Transfer::Linear);
                let mut expected = Array3::<u16>::zeros((height, width, 3));
                develop(&samples, &mut expected, pattern, algorithm, &linear).unwrap();
                let mut rgb16 = Array3::<u16>::zeros((height, width, 3));
                develop_packed(&frame, &mut rgb16, pattern, algorithm, &linear).unwrap();
                assert_eq!(rgb16, expected, "{format} {algorithm:?} develop u16 linear");
            }
        }
    }
}

#[test]
fn packed_demosaic_errors_name_the_frame_field_or_the_output_axis() {
    choose_variant();
    let format = PackedFormat::Csi2Raw12;
    let bytes = vec![0u8; format.min_row_bytes(6) * 4];
    // One sample per row is a frame, but not a Bayer mosaic.
    let narrow = PackedFrame::new(&bytes, 1, 4, format).unwrap();
    let error = demosaic_packed(
        &narrow,
        &mut Array3::<u16>::zeros((4, 1, 3)),
        CfaPattern::Rggb,
        DemosaicAlgorithm::Bilinear,
    )
    .unwrap_err();
    assert!(
        matches!(error, Error::BadPackedFrame { field: "width", .. }),
        "{error:?}"
    );
    let short = PackedFrame::new(&bytes, 6, 1, format).unwrap();
    let error = develop_packed(
        &short,
        &mut Array3::<u8>::zeros((1, 6, 3)),
        CfaPattern::Rggb,
        DemosaicAlgorithm::Bilinear,
        &RawParams::new().with_white_level(4095),
    )
    .unwrap_err();
    assert!(
        matches!(error, Error::BadPackedFrame { field: "height", .. }),
        "{error:?}"
    );

    let frame = PackedFrame::new(&bytes, 6, 4, format).unwrap();
    for (shape, axis, actual, expected) in [
        (
            (4, 7, 3),
            1,
            7,
            ExpectedExtent::SameAs {
                argument: "frame",
                axis: 1,
                extent: 6,
            },
        ),
        (
            (5, 6, 3),
            0,
            5,
            ExpectedExtent::SameAs {
                argument: "frame",
                axis: 0,
                extent: 4,
            },
        ),
        ((4, 6, 2), 2, 2, ExpectedExtent::Exactly(3)),
    ] {
        let error = demosaic_packed(
            &frame,
            &mut Array3::<u16>::zeros(shape),
            CfaPattern::Rggb,
            DemosaicAlgorithm::Menon2007,
        )
        .unwrap_err();
        match error {
            Error::BadShape {
                argument,
                axis: a,
                actual: x,
                expected: e,
            } => {
                assert_eq!((argument, a, x, e), ("output", axis, actual, expected));
            }
            other => panic!("{other:?}"),
        }
    }
}
