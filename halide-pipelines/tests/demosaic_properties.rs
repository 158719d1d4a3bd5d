//! Properties every demosaic must have, checked without any reference
//! implementation: flat fields stay flat, the CFA pattern is only a shift of
//! the frame, and the memory layout of the output does not change a single bit.

use halide_pipelines::{Buffer, BufferMut, CfaPattern, DemosaicAlgorithm, DemosaicSample, demosaic, demosaic_to_array};
use ndarray::{Array2, Array3, ArrayViewMut3, s};
use proptest::prelude::*;

fn random_frame<T: DemosaicSample + TryFrom<u32>>(shape: (usize, usize), max: u32, seed: u64) -> Array2<T> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    Array2::from_shape_simple_fn(shape, || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        T::try_from((state % (max as u64 + 1)) as u32)
            .ok()
            .expect("value within the sample range")
    })
}

fn flat_field_stays_flat<T: DemosaicSample + TryFrom<u32> + std::fmt::Debug>(levels: &[u32]) {
    for &level in levels {
        for (height, width) in [(2, 2), (3, 5), (40, 67)] {
            let value = T::try_from(level).ok().unwrap();
            let raw = Array2::from_elem((height, width), value);
            for &algorithm in DemosaicAlgorithm::ALL {
                for &pattern in CfaPattern::ALL {
                    let rgb = demosaic_to_array(raw.view(), pattern, algorithm).unwrap();
                    assert!(
                        rgb.iter().all(|&v| v == value),
                        "{algorithm:?} {pattern:?} {height}x{width} level {level}: {:?}",
                        rgb.iter().find(|&&v| v != value)
                    );
                }
            }
        }
    }
}

#[test]
fn flat_fields_come_out_exactly_u8() {
    flat_field_stays_flat::<u8>(&[0, 1, 128, 254, 255]);
}

#[test]
fn flat_fields_come_out_exactly_u16() {
    flat_field_stays_flat::<u16>(&[0, 1, 4095, 40000, 65535]);
}

fn pattern_is_a_shift<T: DemosaicSample + TryFrom<u32> + std::fmt::Debug>(max: u32) {
    let raw: Array2<T> = random_frame((100, 110), max, 7);
    for &algorithm in DemosaicAlgorithm::ALL {
        // Away from the borders, where mirroring differs between the two
        // frames: further than each output reads (Mlri: 37 pixels).
        let margin: isize = if algorithm == DemosaicAlgorithm::Mlri { 40 } else { 10 };
        let reference = demosaic_to_array(raw.view(), CfaPattern::Rggb, algorithm).unwrap();
        for (row, column) in [(0, 1), (1, 0), (1, 1), (2, 3)] {
            let cropped = raw.slice(s![row.., column..]);
            let pattern = CfaPattern::Rggb.shifted(row, column);

            let rgb = demosaic_to_array(cropped, pattern, algorithm).unwrap();
            let inner = rgb.slice(s![margin..-margin, margin..-margin, ..]);
            let (row, column) = (row as isize, column as isize);
            let expected = reference.slice(s![row + margin..-margin, column + margin..-margin, ..]);
            let inner = inner.slice(s![..expected.dim().0, ..expected.dim().1, ..]);
            assert_eq!(inner, expected, "{algorithm:?} as {pattern:?} from ({row}, {column})");
        }
    }
}

#[test]
fn pattern_is_a_shift_of_the_frame_u8() {
    pattern_is_a_shift::<u8>(255);
}

#[test]
fn pattern_is_a_shift_of_the_frame_u16() {
    pattern_is_a_shift::<u16>(65535);
}

/// Demosaics into `view` (shape (H, W, 3) logically, any strides).
fn demosaic_into<T: DemosaicSample>(
    raw: &Array2<T>,
    view: ArrayViewMut3<T>,
    pattern: CfaPattern,
    algorithm: DemosaicAlgorithm,
) {
    demosaic(
        &Buffer::try_from(raw.view()).unwrap(),
        &mut BufferMut::try_from(view).unwrap(),
        pattern,
        algorithm,
    )
    .unwrap();
}

fn layout_does_not_matter<T: DemosaicSample + TryFrom<u32> + std::fmt::Debug>(max: u32) {
    for (height, width) in [(2, 2), (5, 3), (33, 70)] {
        let raw: Array2<T> = random_frame((height, width), max, (height * width) as u64);
        for &algorithm in DemosaicAlgorithm::ALL {
            for &pattern in CfaPattern::ALL {
                let interleaved = demosaic_to_array(raw.view(), pattern, algorithm).unwrap();

                let mut planar = Array3::<T>::from_elem((3, height, width), T::default());
                demosaic_into(&raw, planar.view_mut().permuted_axes([1, 2, 0]), pattern, algorithm);
                let planar = planar.permuted_axes([1, 2, 0]);

                let mut flipped = Array3::<T>::from_elem((height, width, 3), T::default());
                demosaic_into(&raw, flipped.slice_mut(s![..;-1, ..;-1, ..;-1]), pattern, algorithm);
                let flipped = flipped.slice_move(s![..;-1, ..;-1, ..;-1]);

                let mut transposed = Array3::<T>::from_elem((width, height, 3), T::default());
                demosaic_into(&raw, transposed.view_mut().permuted_axes([1, 0, 2]), pattern, algorithm);
                let transposed = transposed.permuted_axes([1, 0, 2]);

                let case = format!("{algorithm:?} {pattern:?} {height}x{width}");
                assert_eq!(planar, interleaved, "planar, {case}");
                assert_eq!(flipped, interleaved, "flipped, {case}");
                assert_eq!(transposed, interleaved, "transposed, {case}");
            }
        }
    }
}

#[test]
fn output_layout_does_not_change_a_bit_u8() {
    layout_does_not_matter::<u8>(255);
}

#[test]
fn output_layout_does_not_change_a_bit_u16() {
    layout_does_not_matter::<u16>(65535);
}

#[test]
fn strided_and_reversed_inputs_read_the_same_frame() {
    let raw: Array2<u16> = random_frame((30, 44), 65535, 3);
    let mut padded = Array2::<u16>::zeros((30, 88));
    padded.slice_mut(s![.., ..;2]).assign(&raw);
    let reversed_storage = raw.slice(s![..;-1, ..]).to_owned();
    for &algorithm in DemosaicAlgorithm::ALL {
        let dense = demosaic_to_array(raw.view(), CfaPattern::Gbrg, algorithm).unwrap();
        let strided = demosaic_to_array(padded.slice(s![.., ..;2]), CfaPattern::Gbrg, algorithm).unwrap();
        let reversed = demosaic_to_array(reversed_storage.slice(s![..;-1, ..]), CfaPattern::Gbrg, algorithm).unwrap();
        assert_eq!(strided, dense, "{algorithm:?} stepped input");
        assert_eq!(reversed, dense, "{algorithm:?} reversed input");
    }
}

/// A mosaic of colour letters (`b'r'`, `b'g'`, `b'b'`) laid out as `pattern` says.
fn colour_letters(pattern: CfaPattern, shape: (usize, usize)) -> Array2<u8> {
    let tile = pattern.to_string().into_bytes();
    Array2::from_shape_fn(shape, |(row, column)| tile[2 * (row % 2) + column % 2])
}

proptest! {
    #[test]
    fn shifted_is_the_pattern_of_the_cropped_mosaic(pattern_index in 0..4usize, row in 0..9usize, column in 0..9usize) {
        let pattern = CfaPattern::ALL[pattern_index];
        let mosaic = colour_letters(pattern, (12, 12));
        let crop = mosaic.slice(s![row.., column..]);
        let tile: String = [crop[[0, 0]], crop[[0, 1]], crop[[1, 0]], crop[[1, 1]]].map(char::from).iter().collect();
        prop_assert_eq!(tile.parse::<CfaPattern>(), Ok(pattern.shifted(row, column)), "{}", tile);
    }

    #[test]
    fn shifts_add_up(pattern_index in 0..4usize, offsets in (0..1000usize, 0..1000usize, 0..1000usize, 0..1000usize)) {
        let pattern = CfaPattern::ALL[pattern_index];
        let (r1, c1, r2, c2) = offsets;
        prop_assert_eq!(pattern.shifted(r1, c1).shifted(r2, c2), pattern.shifted(r1 + r2, c1 + c2));
        prop_assert_eq!(pattern.shifted(1, 0).shifted(1, 0), pattern);
        prop_assert_eq!(pattern.shifted(r1, c1).shifted(r1, c1), pattern);
    }

    #[test]
    fn pattern_names_round_trip_in_any_case(pattern_index in 0..4usize, upper in any::<[bool; 4]>()) {
        let pattern = CfaPattern::ALL[pattern_index];
        let name: String = pattern
            .to_string()
            .chars()
            .zip(upper)
            .map(|(letter, upper)| if upper { letter.to_ascii_uppercase() } else { letter })
            .collect();
        prop_assert_eq!(name.parse::<CfaPattern>(), Ok(pattern));
        prop_assert_eq!(name.parse::<CfaPattern>().unwrap().to_string(), pattern.to_string());
    }
}
