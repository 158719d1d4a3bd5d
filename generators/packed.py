"""Packed sensor formats: how each one stores its samples in bytes, and the
Halide expression that reads sample x of a row back out of them.

One table, FORMATS, in the order that numbers them: a pipeline's `format`
argument is an index into it, and regenerate.py writes the same table into
halide-pipelines-sys (PACKED_FORMATS), from which the safe crate takes the
codes and the row sizes. Nothing else spells these numbers.

Each format packs a group of `group_samples` samples into `group_bytes`
bytes; sample i of a group is the sum of its `pieces`: bits taken from one
byte of the group ((byte >> shift) & mask) and moved to where they belong in
the sample (<< to). The definitions, bit for bit:

- csi2_raw10 (MIPI CSI-2 RAW10, V4L2 SRGGB10P): 4 samples in 5 bytes; bytes
  0-3 hold bits 9..2 of samples 0-3, byte 4 holds bits 1..0 of sample k in
  its bits 2k+1..2k.
- csi2_raw12 (SRGGB12P): 2 samples in 3 bytes; bytes 0-1 hold bits 11..4,
  byte 2 holds bits 3..0 of sample 0 in its bits 3..0 and of sample 1 in 7..4.
- csi2_raw14 (SRGGB14P): 4 samples in 7 bytes; bytes 0-3 hold bits 13..6,
  bytes 4-6 the four 6-bit remainders in order, least significant bit first.
- mono10p, mono12p (GenICam PFNC; also BayerRG10p/12p): a little-endian bit
  stream, sample i in bits [b*i, b*i + b) counting from bit 0 of byte 0.
- mono12_packed (GigE Vision's legacy Mono12Packed / BayerRG12Packed): 2
  samples in 3 bytes; byte 0 = s0[11:4], byte 1 = s0[3:0] | s1[3:0] << 4,
  byte 2 = s1[11:4].

A row of a group format is padded to a whole group; a row of a bit-stream
format ends at its last sample's last byte (`bit_stream`).

Halide is imported where an expression is built, so regenerate.py can read
the table without it (`--tables-only`).
"""


def _bit_stream(bits, group_samples):
    """The pieces of a little-endian bit stream of `bits`-bit samples."""
    pieces = []
    for sample in range(group_samples):
        first, end = bits * sample, bits * (sample + 1)
        own = []
        position = first
        while position < end:
            byte, shift = divmod(position, 8)
            width = min(8 - shift, end - position)
            own.append((byte, shift, (1 << width) - 1, position - first))
            position += width
        pieces.append(own)
    return pieces


# name -> bits per sample, samples and bytes per group, whether rows end at
# their last byte (bit streams) or a whole group, and per sample of a group
# its pieces: (byte in the group, right shift, mask, left shift).
FORMATS = {
    "csi2_raw10": dict(bits=10, group_samples=4, group_bytes=5, bit_stream=False, pieces=[
        [(k, 0, 0xFF, 2), (4, 2 * k, 0x3, 0)] for k in range(4)
    ]),
    "csi2_raw12": dict(bits=12, group_samples=2, group_bytes=3, bit_stream=False, pieces=[
        [(k, 0, 0xFF, 4), (2, 4 * k, 0xF, 0)] for k in range(2)
    ]),
    "csi2_raw14": dict(bits=14, group_samples=4, group_bytes=7, bit_stream=False, pieces=[
        [(0, 0, 0xFF, 6), (4, 0, 0x3F, 0)],
        [(1, 0, 0xFF, 6), (4, 6, 0x3, 0), (5, 0, 0xF, 2)],
        [(2, 0, 0xFF, 6), (5, 4, 0xF, 0), (6, 0, 0x3, 4)],
        [(3, 0, 0xFF, 6), (6, 2, 0x3F, 0)],
    ]),
    "mono10p": dict(bits=10, group_samples=4, group_bytes=5, bit_stream=True, pieces=_bit_stream(10, 4)),
    "mono12p": dict(bits=12, group_samples=2, group_bytes=3, bit_stream=True, pieces=_bit_stream(12, 2)),
    "mono12_packed": dict(bits=12, group_samples=2, group_bytes=3, bit_stream=False, pieces=[
        [(0, 0, 0xFF, 4), (1, 0, 0xF, 0)],
        [(2, 0, 0xFF, 4), (1, 4, 0xF, 0)],
    ]),
}
NAMES = tuple(FORMATS)


def _check_table():
    """Every bit of every sample comes from exactly one piece, and the pieces
    of a group use every bit of its bytes once: a typo in the table fails the
    build of every pipeline rather than packing samples wrongly."""
    for name, fmt in FORMATS.items():
        used = set()
        for sample, pieces in enumerate(fmt["pieces"]):
            sample_bits = set()
            for byte, shift, mask, to in pieces:
                width = mask.bit_length()
                assert mask == (1 << width) - 1 and shift + width <= 8 and byte < fmt["group_bytes"], name
                for bit in range(width):
                    assert (byte, shift + bit) not in used, (name, sample, byte, shift + bit)
                    used.add((byte, shift + bit))
                    assert to + bit not in sample_bits, (name, sample)
                    sample_bits.add(to + bit)
            assert sample_bits == set(range(fmt["bits"])), (name, sample)
        assert len(fmt["pieces"]) == fmt["group_samples"], name
        assert len(used) == 8 * fmt["group_bytes"] == fmt["bits"] * fmt["group_samples"], name


_check_table()


def group_sample(fmt, byte_at, i):
    """Sample i of a group as a uint16 Expr; byte_at(k) is the group's byte k (uint8)."""
    import halide as hl

    value = None
    for byte, shift, mask, to in fmt["pieces"][i]:
        piece = hl.cast(hl.UInt(16), byte_at(byte))
        if shift:
            piece = piece >> shift
        if mask != 0xFF or shift:
            piece = piece & mask
        if to:
            piece = piece << to
        value = piece if value is None else value | piece
    return value


def unpacked_expr(fmt, bytes_at, x, y):
    """Sample x of row y, for any x (the group and the position in it from
    x): bytes_at(byte_x, y) reads a byte of the row."""
    import halide as hl

    g, i = x // fmt["group_samples"], x % fmt["group_samples"]

    def byte_at(k):
        return bytes_at(g * fmt["group_bytes"] + k, y)

    values = [group_sample(fmt, byte_at, k) for k in range(fmt["group_samples"])]
    result = values[-1]
    for k in reversed(range(fmt["group_samples"] - 1)):
        result = hl.select(i == k, values[k], result)
    return result
