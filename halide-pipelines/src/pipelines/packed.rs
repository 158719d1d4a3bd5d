//! Packed sensor frames: the 10-, 12- and 14-bit byte streams cameras deliver
//! (MIPI CSI-2 RAW10/12/14, GenICam's Mono10p/Mono12p, GigE Vision's
//! Mono12Packed), described without copying, and unpacked to `u16` samples.

use std::fmt;

use halide_pipelines_sys::{PACKED_FORMATS, PackedFormatInfo};
use ndarray::{ArrayView2, ShapeBuilder};

use crate::buffer::{Buffer, BufferMut, OutputBuffer};
use crate::error::{Error, ExpectedExtent};
use crate::ffi::{self, Arg, ArgSpec, Pipeline};

/// How a camera packs its samples into bytes. Each variant is exactly its
/// standard's layout; a Bayer variant of a format (`BayerRG12p`, `SRGGB10P`)
/// packs the same way as its mono name. Samples come out unscaled: a 12-bit
/// sample is `0..=4095` in the `u16`.
///
/// | variant | also called | layout |
/// |---|---|---|
/// | `Csi2Raw10` | MIPI CSI-2 RAW10, V4L2 `SRGGB10P` | 4 samples in 5 bytes: bytes 0–3 hold bits 9..2 of samples 0–3, byte 4 holds bits 1..0 of sample k in its bits 2k+1..2k |
/// | `Csi2Raw12` | RAW12, V4L2 `SRGGB12P` | 2 samples in 3 bytes: bytes 0–1 hold bits 11..4, byte 2 holds bits 3..0 of sample 0 in its bits 3..0 and of sample 1 in 7..4 |
/// | `Csi2Raw14` | RAW14, V4L2 `SRGGB14P` | 4 samples in 7 bytes: bytes 0–3 hold bits 13..6, bytes 4–6 the four 6-bit remainders in order, least significant bit first |
/// | `Mono10p` | GenICam PFNC `Mono10p`, `BayerRG10p` | little-endian bit stream: sample i in bits 10i..10i+9, from bit 0 of byte 0 |
/// | `Mono12p` | GenICam PFNC `Mono12p`, `BayerRG12p` | the same with 12 bits |
/// | `Mono12Packed` | GigE Vision `Mono12Packed`, `BayerRG12Packed` | 2 samples in 3 bytes: byte 0 = s0\[11:4\], byte 1 = s0\[3:0\] \| s1\[3:0\] << 4, byte 2 = s1\[11:4\] |
///
/// A row of a group format (CSI-2, `Mono12Packed`) is padded to a whole
/// group; a row of a bit stream (`Mono10p`, `Mono12p`) ends at its last
/// sample's last byte ([`min_row_bytes`](Self::min_row_bytes)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PackedFormat {
    /// MIPI CSI-2 RAW10 (V4L2 `SRGGB10P` and its other phases).
    Csi2Raw10,
    /// MIPI CSI-2 RAW12 (V4L2 `SRGGB12P` ...).
    Csi2Raw12,
    /// MIPI CSI-2 RAW14 (V4L2 `SRGGB14P` ...).
    Csi2Raw14,
    /// GenICam PFNC `Mono10p` / `BayerRG10p` ...: a 10-bit little-endian bit stream.
    Mono10p,
    /// GenICam PFNC `Mono12p` / `BayerRG12p` ...: a 12-bit little-endian bit stream.
    Mono12p,
    /// GigE Vision's legacy `Mono12Packed` / `BayerRG12Packed` ...
    Mono12Packed,
}

impl PackedFormat {
    /// Every format.
    pub const ALL: &'static [PackedFormat] = &[
        PackedFormat::Csi2Raw10,
        PackedFormat::Csi2Raw12,
        PackedFormat::Csi2Raw14,
        PackedFormat::Mono10p,
        PackedFormat::Mono12p,
        PackedFormat::Mono12Packed,
    ];

    /// Bits per sample: 10, 12 or 14.
    #[must_use]
    pub fn bits_per_sample(self) -> u32 {
        self.info().bits_per_sample
    }

    /// The bytes of one tightly packed row of `width` samples: whole groups
    /// for the group formats, `ceil(width × bits / 8)` for the bit streams.
    /// Saturates at `usize::MAX` (no frame is that large).
    ///
    /// ```
    /// use halide_pipelines::PackedFormat;
    /// assert_eq!(PackedFormat::Csi2Raw10.min_row_bytes(4000), 5000);
    /// assert_eq!(PackedFormat::Csi2Raw10.min_row_bytes(6), 10); // two whole groups
    /// assert_eq!(PackedFormat::Mono10p.min_row_bytes(6), 8);    // 60 bits
    /// ```
    #[must_use]
    pub fn min_row_bytes(self, width: usize) -> usize {
        let info = self.info();
        let width = width as u128;
        let bytes = if info.bit_stream {
            (width * u128::from(info.bits_per_sample)).div_ceil(8)
        } else {
            width.div_ceil(info.group_samples as u128) * info.group_bytes as u128
        };
        usize::try_from(bytes).unwrap_or(usize::MAX)
    }

    /// The generators' name of the format (generators/packed.py).
    fn generator_name(self) -> &'static str {
        match self {
            PackedFormat::Csi2Raw10 => "csi2_raw10",
            PackedFormat::Csi2Raw12 => "csi2_raw12",
            PackedFormat::Csi2Raw14 => "csi2_raw14",
            PackedFormat::Mono10p => "mono10p",
            PackedFormat::Mono12p => "mono12p",
            PackedFormat::Mono12Packed => "mono12_packed",
        }
    }

    /// The pipelines' `format` argument: the format's index in the
    /// generators' table.
    pub(crate) fn code(self) -> i32 {
        let name = self.generator_name();
        let index = PACKED_FORMATS
            .iter()
            .position(|info| info.name == name)
            .expect("every PackedFormat is in the generators' table (tested)");
        index as i32
    }

    fn info(self) -> &'static PackedFormatInfo {
        &PACKED_FORMATS[self.code() as usize]
    }
}

impl fmt::Display for PackedFormat {
    /// The variant's name: `Csi2Raw10`, `Mono12p`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A packed frame as a camera delivers it: `height` rows of `width` samples,
/// row `r` starting at byte `r * row_stride` of `bytes`. Borrows the bytes
/// (no copy); checked once, when made.
///
/// ```
/// use halide_pipelines::{unpack, PackedFormat, PackedFrame};
/// // Two RAW12 samples, 0xABC and 0x123, in 3 bytes.
/// let bytes = [0xAB, 0x12, 0x3C];
/// let frame = PackedFrame::new(&bytes, 2, 1, PackedFormat::Csi2Raw12)?;
/// let mut samples = ndarray::Array2::<u16>::zeros((1, 2));
/// unpack(&frame, &mut samples)?;
/// assert_eq!(samples.as_slice().unwrap(), &[0xABC, 0x123]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PackedFrame<'a> {
    bytes: &'a [u8],
    width: usize,
    height: usize,
    row_stride: usize,
    format: PackedFormat,
}

impl<'a> PackedFrame<'a> {
    /// A frame whose rows follow each other with no padding (`row_stride =
    /// format.min_row_bytes(width)`). Errors as [`with_row_stride`](Self::with_row_stride).
    pub fn new(bytes: &'a [u8], width: usize, height: usize, format: PackedFormat) -> Result<Self, Error> {
        Self::with_row_stride(bytes, width, height, format.min_row_bytes(width), format)
    }

    /// A frame whose rows start `row_stride` bytes apart (the line pitch a
    /// driver reports: V4L2's `bytesperline`, GenICam's padding).
    ///
    /// Errors ([`Error::BadPackedFrame`], naming the field): a `width` or
    /// `height` of 0; a `row_stride` below `format.min_row_bytes(width)`;
    /// `bytes` shorter than `row_stride * (height - 1) + min_row_bytes` (the
    /// last row need not be padded); a frame beyond Halide's 2 GiB limit.
    pub fn with_row_stride(
        bytes: &'a [u8],
        width: usize,
        height: usize,
        row_stride: usize,
        format: PackedFormat,
    ) -> Result<Self, Error> {
        let bad = |field, problem: String| Err(Error::BadPackedFrame { field, problem });
        if width == 0 {
            return bad("width", "0; a frame has at least one sample per row".into());
        }
        if height == 0 {
            return bad("height", "0; a frame has at least one row".into());
        }
        let row_bytes = format.min_row_bytes(width);
        if row_stride < row_bytes {
            return bad(
                "row_stride",
                format!("{row_stride} bytes, less than the {row_bytes} bytes of a row of {width} {format} samples"),
            );
        }
        let needed = row_stride
            .checked_mul(height - 1)
            .and_then(|rows| rows.checked_add(row_bytes));
        match needed {
            Some(needed) if needed <= bytes.len() => {}
            _ => {
                return bad(
                    "bytes",
                    format!(
                        "{} bytes, but {height} rows of {row_bytes} bytes, {row_stride} bytes apart, need {}",
                        bytes.len(),
                        needed.map_or_else(|| "more than usize::MAX".to_owned(), |n| n.to_string())
                    ),
                );
            }
        }
        // Halide indexes a buffer with 32-bit offsets.
        let limit = i32::MAX as usize;
        if row_stride > limit {
            return bad(
                "row_stride",
                format!("{row_stride} bytes, more than Halide's limit of {limit} bytes"),
            );
        }
        if needed.unwrap_or(usize::MAX) > limit {
            return bad(
                "bytes",
                format!("the frame spans more than Halide's limit of {limit} bytes"),
            );
        }
        Ok(PackedFrame {
            bytes,
            width,
            height,
            row_stride,
            format,
        })
    }

    /// The bytes the frame was made from.
    #[must_use]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Samples per row.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    #[must_use]
    pub fn height(&self) -> usize {
        self.height
    }

    /// Bytes from the start of one row to the start of the next.
    #[must_use]
    pub fn row_stride(&self) -> usize {
        self.row_stride
    }

    /// The packing.
    #[must_use]
    pub fn format(&self) -> PackedFormat {
        self.format
    }

    /// The frame's rows of packed bytes as a Halide input `(height,
    /// min_row_bytes)`, rows `row_stride` apart.
    pub(crate) fn byte_rows(&self) -> Buffer<'a, u8, 2> {
        let row_bytes = self.format.min_row_bytes(self.width);
        let view = ArrayView2::from_shape((self.height, row_bytes).strides((self.row_stride, 1)), self.bytes)
            .expect("the frame's rows lie inside its bytes (checked when made)");
        Buffer::try_from(view).expect("the frame fits Halide's limits (checked when made)")
    }

    /// The `(height, width)` shape an unpacked frame has.
    fn shape(&self) -> [usize; 2] {
        [self.height, self.width]
    }
}

/// `UNPACK`, the manifest's `unpack` archive, from its generated entry.
macro_rules! unpack_archive {
    ($function:ident { argv: $argv:ident, metadata: $metadata:ident, arguments: $arguments:ident $(,)? } $(,)?) => {
        static UNPACK: Pipeline = Pipeline::shipped(
            stringify!($function),
            halide_pipelines_sys::$argv,
            halide_pipelines_sys::$metadata,
            &[
                ArgSpec::input::<u8>("input", 2),
                ArgSpec::scalar::<i32>("format"),
                ArgSpec::output::<u16>("output", 2),
            ],
            halide_pipelines_sys::$arguments,
        );
    };
}
halide_pipelines_sys::shipped_unpack_pipelines!(unpack_archive!());

/// Unpacks `frame` into `output` (shape `(height, width)`): one `u16` per
/// sample, unscaled. Multithreaded and vectorized; any output layout works,
/// dense rows are the fast path.
///
/// An output of another shape is [`Error::BadShape`] naming `output`.
///
/// ```
/// use halide_pipelines::{unpack, PackedFormat, PackedFrame};
/// // Four Mono10p samples (1, 2, 3, 1023) in 5 bytes, then 3 bytes of row padding.
/// let bytes = [0x01, 0x08, 0x30, 0xC0, 0xFF, 0, 0, 0, 0x01, 0x08, 0x30, 0xC0, 0xFF];
/// let frame = PackedFrame::with_row_stride(&bytes, 4, 2, 8, PackedFormat::Mono10p)?;
/// let mut samples = ndarray::Array2::<u16>::zeros((2, 4));
/// unpack(&frame, &mut samples)?;
/// assert_eq!(samples.row(1).to_vec(), [1, 2, 3, 1023]);
/// # Ok::<(), halide_pipelines::Error>(())
/// ```
pub fn unpack(frame: &PackedFrame<'_>, output: &mut impl OutputBuffer<u16, 2>) -> Result<(), Error> {
    output.with_buffer_mut("output", |output| unpack_buffers(frame, output))
}

fn unpack_buffers(frame: &PackedFrame<'_>, output: &mut BufferMut<'_, u16, 2>) -> Result<(), Error> {
    let expected = frame.shape();
    for (axis, (&actual, &extent)) in output.shape().iter().zip(&expected).enumerate() {
        if actual != extent {
            return Err(Error::BadShape {
                argument: "output",
                axis,
                actual,
                expected: ExpectedExtent::Exactly(extent),
            });
        }
    }
    let input = frame.byte_rows();
    ffi::call(&UNPACK, [input.arg(), Arg::I32(frame.format.code()), output.arg()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_in_the_generators_table_once_and_the_table_has_no_other() {
        let mut codes: Vec<i32> = PackedFormat::ALL.iter().map(|f| f.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PackedFormat::ALL.len());
        assert_eq!(PACKED_FORMATS.len(), PackedFormat::ALL.len());
    }

    #[test]
    fn bits_and_row_sizes_follow_the_standards() {
        // (format, bits, [(width, bytes)]) from the definitions in the docs.
        let cases = [
            (PackedFormat::Csi2Raw10, 10, [(1, 5), (4, 5), (5, 10), (4002, 5005)]),
            (PackedFormat::Csi2Raw12, 12, [(1, 3), (2, 3), (3, 6), (4002, 6003)]),
            (PackedFormat::Csi2Raw14, 14, [(1, 7), (4, 7), (5, 14), (4002, 7007)]),
            (PackedFormat::Mono10p, 10, [(1, 2), (4, 5), (5, 7), (4002, 5003)]),
            (PackedFormat::Mono12p, 12, [(1, 2), (2, 3), (3, 5), (4002, 6003)]),
            (PackedFormat::Mono12Packed, 12, [(1, 3), (2, 3), (3, 6), (4002, 6003)]),
        ];
        for (format, bits, sizes) in cases {
            assert_eq!(format.bits_per_sample(), bits, "{format}");
            for (width, bytes) in sizes {
                assert_eq!(format.min_row_bytes(width), bytes, "{format} width {width}");
            }
            assert_eq!(format.min_row_bytes(usize::MAX), usize::MAX);
        }
    }

    #[test]
    fn strides_and_spans_beyond_halides_32_bit_offsets_are_errors() {
        let bytes = [0u8; 16];
        let one_row = PackedFrame::with_row_stride(&bytes, 4, 1, 1 << 31, PackedFormat::Csi2Raw10);
        assert!(
            matches!(one_row, Err(Error::BadPackedFrame { field: "row_stride", ref problem }) if problem.contains("2147483647")),
            "{one_row:?}"
        );
        // A span over the limit needs more bytes than a test can hold; one
        // that overflows `usize` is refused as too few bytes.
        let tall = PackedFrame::with_row_stride(&bytes, 4, usize::MAX / 4, 8, PackedFormat::Csi2Raw10);
        assert!(
            matches!(tall, Err(Error::BadPackedFrame { field: "bytes", .. })),
            "{tall:?}"
        );
    }
}
