"""`demosaic_<algorithm>_<u8|u16>`: Bayer mosaic (x, y) -> RGB image (c, x, y).

Coordinates follow the Rust side's convention: ndarray's last axis is Halide
dimension 0. A raw frame of shape (H, W) is the Halide buffer input(x, y); an
RGB image of shape (H, W, 3) is output(c, x, y), so an interleaved image has
stride 1 in c and a planar one stride 1 in x. Both are specialized.

The CFA pattern is a runtime argument: (red_x, red_y) is the position of the
red sample inside the 2x2 tile at the top-left corner of the input
(RGGB = (0, 0), GRBG = (1, 0), GBRG = (0, 1), BGGR = (1, 1)).

How: coordinates are shifted by (red_x, red_y) so the pattern is RGGB and
split into four quarter-resolution planes (r, gr, gb, b); each algorithm is
written once, per 2x2 tile, on those planes (as in Halide's apps/camera_pipe),
so nothing selects a colour per pixel. The tiles of a strip of rows (16-bit
samples on AVX2+/NEON, interleaved and planar: of a block of one output row at
a time) are computed straight into a small buffer laid out as full-resolution
rows, from which the output copies with the shift undone.

Borders are handled by mirroring about the edge pixel without repeating it
(Halide's `mirror_interior`, scipy's mode "mirror"): the mirrored sample has
the colour of the sample it copies, so the pattern continues past the edges.

Packed input (the generators of packed_bayer.py, input.type=uint8): `input` is a sensor frame's
bytes (dimension 0 the bytes of a row, dimension 1 the rows, any row stride)
and the extra argument `format` indexes packed.FORMATS. A stage `unpacked`,
computed per strip or tile just before the algorithm's first stage, reads the
samples out of the bytes (one specialization per format, a vector of groups
at a time): the algorithm then runs on uint16 samples exactly as on an
unpacked frame, with no pass over memory between. The output is the whole
frame (its min is 0; its extents are the frame's width and height).
(colour-demosaicing convolves with scipy's default "reflect", which repeats
the edge pixel and so mixes colours there: results differ within 2 pixels of
the edges, nowhere else.)
"""

import halide as hl

from common import allow_any_stride
from packed import FORMATS, NAMES, unpacked_expr
from demosaic_bilinear import bilinear
from demosaic_malvar2004 import malvar2004
from demosaic_menon2007 import SITE_VAR, menon2007
from demosaic_mlri import UNFOLDED_STAGES, mlri

# Algorithms written per 2x2 tile on the four colour planes, in integers.
TILE_ALGORITHMS = {"bilinear": bilinear, "malvar2004": malvar2004}
# Algorithms with intermediate stages (float32, or exact 16-bit fixed point
# where `staged_type` says so): per 2x2 tile, stages holding one value per
# site of a kind (two per tile, Var SITE_VAR, unrolled); and per pixel.
SITE_ALGORITHMS = {"menon2007": menon2007}
PIXEL_ALGORITHMS = {"mlri": mlri}
STAGED_ALGORITHMS = {**SITE_ALGORITHMS, **PIXEL_ALGORITHMS}
# Staged algorithms whose stages are line-buffered (see `schedule`) rather
# than computed per tile.
LINE_BUFFERED = ("mlri",)
ALGORITHMS = (*TILE_ALGORITHMS, *STAGED_ALGORITHMS)

# Output layouts, one pipeline each (a Halide `specialize` of the output with
# line-buffered producers computes wrong rows in Halide 21 for 2-row images,
# so the layout is a compile-time choice and the Rust side picks the pipeline):
# interleaved = (H, W, 3) rows of RGB triples (c stride 1, x stride 3);
# planar = x dense (stride 1), any channel and row strides;
# any = every other layout (transposed, flipped channels, ...), scattered stores.
LAYOUTS = ("interleaved", "planar", "any")

# Rows per parallel strip of the output: integer algorithms (their per-strip
# buffers then stay in a core's L2 cache with both cores busy: 16 rows measured
# 10-18% faster than 32 for 16-bit Bilinear and Malvar2004 on 2 threads, when
# their `rows` was still a per-strip buffer of 1 MB), and staged ones, which
# also split the strip into tiles of TILE_WIDTH columns so that the float
# buffers of all their stages fit in L2 too (with whole 4000-column strips they
# were 8 MB and every stage streamed through L3); the taller strip keeps the
# rows recomputed between strips (8 above and below) a small share. Menon2007
# (u8 Int16 stages, u16 float32, JIT, 2 loaded threads, ms a 12 MP frame):
# strip x tile 64 x 256 12.6 / 17.6, 64 x 512 11.6 / 16.7, 96 x 512 10.6-10.8
# / 15.7, 128 x 512 10.9 / 16.1, 64 x 1024 11.3 / 16.8.
STRIP = 16
# The loops of the output of the integer algorithms inside a strip: one output
# row, and one block of it (`schedule`), where `rows` is stored and computed.
OUTPUT_ROW = "row"
OUTPUT_BLOCK = "block"
# Columns a packed frame's `unpacked` stage mirrors past each edge: what any
# algorithm reads there, with a margin (Bilinear reads 1, Menon2007 7 or 8:
# with 6, tests/packed_frames.rs fails on its narrowest frames). Columns
# further out would hold clamped bytes' values, not mirrored samples.
MIRRORED_COLUMNS = 16
STAGED_STRIP = 96
TILE_WIDTH = 512
# Line-buffered algorithms (MLRI): strips of rows (parallel), cut into tiles
# of columns down which every stage slides one row per output row. Measured
# (12 MP u8, JIT, 2 loaded threads, x Menon2007 of the same run): strip x
# tile 128 x 512 13.6, 128 x 1024 13.1, 256 x 512 11.4, 256 x 256 11.3,
# 512 x 512 11.2; 256 keeps 12 strips of a 3000-row frame for the threads.
LINE_STRIP = 256
LINE_TILE_WIDTH = 512
# Stages that Halide 21 does not fold on its own (the mosaic, read by every
# step, and the algorithm's own: demosaic_mlri.UNFOLDED_STAGES), so they kept a
# whole tile (~300 KB each): folded explicitly to LINE_FOLD rows, more than the
# 37 rows between the mosaic's newest row and the last stage's (Halide checks
# every access against the fold at run time). Measured 5% faster (u8, JIT).
LINE_FOLDED = ("shifted", *UNFOLDED_STAGES)
LINE_FOLD = 64


@hl.generator(name="demosaic")
class Demosaic(hl.Generator):
    algorithm = hl.GeneratorParam("bilinear")
    layout = hl.GeneratorParam("interleaved")
    # Whether `input` is a packed frame's bytes (packed_bayer.py's subclasses).
    packed = False

    # Sample type (uint8 or uint16) chosen per build: input.type=... output.type=...
    input = hl.InputBuffer(None, 2)
    red_x = hl.InputScalar(hl.Int(32))
    red_y = hl.InputScalar(hl.Int(32))
    output = hl.OutputBuffer(None, 3)

    def configure(self):
        if self.packed:
            # After every declared input (the develop generator's too).
            self.add_input("format", hl.InputScalar(hl.Int(32)))

    def generate(self):
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {self.algorithm!r}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        # Anything but 0 and 1 is no CFA phase: the call fails with Halide's
        # "parameter too small/large" error instead of reading out of bounds
        # (coordinates offset by an arbitrary int overflow).
        self.red_x.set_range(0, 1)
        self.red_y.set_range(0, 1)
        sample = self.input.type()
        if self.packed:
            if sample != hl.UInt(8):
                raise ValueError("a packed input is the frame's bytes: input.type must be uint8")
            sample = hl.UInt(16)
        self.check_types(sample, self.output.type())
        c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")
        if self.packed:
            mirrored = self.unpack_stage(x, y)
        else:
            mirrored = hl.BoundaryConditions.mirror_interior(self.input)

        if self.algorithm in TILE_ALGORITHMS:
            producers, schedule_last_stage = self.tile_algorithm(mirrored, sample, c, x, y)
        else:
            producers, schedule_last_stage = self.staged_algorithm(mirrored, sample, c, x, y)

        # The input is the whole frame, its coordinates starting at 0. The
        # output is any region of it: its min coordinates are where the region
        # starts in the frame (0, 0 for the whole frame), so a region is
        # computed from its real neighbours and mirrored only at the frame's
        # edges, and each pixel equals the whole frame's result there.
        allow_any_stride(self.input, self.output)
        for dim in range(2):
            self.input.dim(dim).set_min(0)
        out_buffer = self.output.output_buffer()
        out_buffer.dim(0).set_bounds(0, 3)
        if self.layout == "interleaved":
            out_buffer.dim(0).set_stride(1)
            out_buffer.dim(1).set_stride(3)
        elif self.layout == "planar":
            out_buffer.dim(1).set_stride(1)
        if self.packed:
            # Rows of bytes are dense; the output is the whole frame.
            self.input.dim(0).set_stride(1)
            out_buffer.dim(1).set_min(0)
            out_buffer.dim(2).set_min(0)

        self.schedule(producers, schedule_last_stage, c, x, y, sample)

    def unpack_stage(self, x, y):
        """The packed frame's samples, mirrored at its edges as an unpacked
        input is: `self.unpacked` (x, y) reads them out of the bytes."""
        self.format.set_range(0, len(NAMES) - 1)
        out_buffer = self.output.output_buffer()
        width, height = out_buffer.dim(1).extent(), out_buffer.dim(2).extent()
        # Bytes clamped to the row: a bit-stream row ends at its last
        # sample's last byte, inside its last group, whose code reads every
        # byte of the group (clamped bytes only feed samples past the width).
        # Rows are not clamped: Halide checks the input has the frame's rows.
        last_byte = self.input.dim(0).extent() - 1

        def bytes_at(byte_x, byte_y):
            return self.input[hl.clamp(byte_x, 0, last_byte), byte_y]

        # Rows mirror where the bytes are read, so `unpacked` is computed
        # for exactly the rows a strip needs (mirrored on a stage of its own,
        # Halide's bounds of the mirror made a strip at an edge unpack the
        # whole frame).
        #
        # Columns: `unpacked` holds a row's even and odd columns apart
        # (unpacked[tx, q, y] is sample 2 tx + q; Bayer frames have an even
        # width), the way the algorithms read them: each of their taps is
        # then one dense load, and the unpacking stores whole vectors
        # instead of interleaving them. The formula runs for any tx (past
        # the edges it reads clamped bytes); the updates below then write the
        # mirrored columns over those on either side. So `unpacked` is the
        # mirrored mosaic itself, and the algorithms read it with no copy
        # between (`mosaic_is_plain`). (Mirroring in the formula instead made
        # Halide partition every format's loop around the edges: 2.2x the
        # archive.)
        tx, q = hl.Var("tx"), hl.Var("q")
        row = _mirror_interior(y, height)
        value = None
        for code in reversed(range(len(NAMES))):
            expr = unpacked_expr(FORMATS[NAMES[code]], bytes_at, 2 * tx + q, row)
            value = expr if value is None else hl.select(self.format == code, expr, value)
        self.unpacked = hl.Func("unpacked")
        self.unpacked[tx, q, y] = value
        self.mirrored_columns = []
        half_width = width // 2
        for start in (-MIRRORED_COLUMNS // 2, half_width):
            # (Both parities as RVars: a recursive reference must keep the
            # pure variables in their places.)
            r = hl.RDom([(start, MIRRORED_COLUMNS // 2), (0, 2)], "mirrored")
            inside = _mirror_interior(2 * r.x + r.y, width)
            self.unpacked[r.x, r.y, y] = self.unpacked[inside // 2, inside % 2, y]
            self.mirrored_columns.append(r)
        mirrored = hl.Func("mirrored")
        mirrored[x, y] = self.unpacked[x // 2, x % 2, y]
        return mirrored

    def schedule_unpacked(self, out, strip):
        """Unpacked per strip of output rows, whole rows at a time, before the
        algorithm's stages: a vector of groups at a time, the group's samples
        unrolled, so each of its bytes is one dense load (strided by the
        group's bytes); a group's even samples and its odd ones are each a
        dense store (groups of 2 samples) or two interleaved (of 4). Its tx
        loop starts at an even column pair (aligned bounds), so a sample's
        group and place in it are known where it is computed (from a tile's
        own start, not provably a group's first sample, every byte was a
        gather: 3x slower in all)."""
        unpacked = self.unpacked
        tx, q, y = unpacked.args()
        vector = self.natural_vector_size(hl.UInt(16))
        # Vectors of groups rounded up: the samples past the columns needed
        # read clamped bytes and are never used.
        unpacked.compute_at(out, strip).align_bounds(tx, 2).bound(q, 0, 2)
        for code, name in enumerate(NAMES):
            pairs = FORMATS[name]["group_samples"] // 2
            g, j = hl.Var("g"), hl.Var("j")
            case = unpacked.specialize(self.format == code)
            case.split(tx, g, j, pairs, hl.TailStrategy.RoundUp).reorder(j, q, g, y).unroll(j).unroll(q)
            case.vectorize(g, vector, hl.TailStrategy.RoundUp)
        unpacked.specialize_fail("format must index packed.FORMATS")
        for update, r in enumerate(self.mirrored_columns):
            # No two columns are the same, and every column read is inside.
            unpacked.update(update).allow_race_conditions().reorder(r.x, r.y, y).unroll(r.y).vectorize(r.x)

    # What a sample is on its way in and out: hooks that the develop generator
    # (develop.py) overrides to fuse a raw development into the same stages.

    def check_types(self, sample, output):
        if sample not in (hl.UInt(8), hl.UInt(16)) or output != sample:
            raise ValueError("input.type and output.type must both be uint8 or both uint16")

    def tile_type(self, sample):
        """The type the integer algorithms compute in. Bilinear: the samples'
        own unsigned type (its means are halving adds, exact without widening:
        twice the lanes per vector of 32-bit sums for 16-bit samples).
        Gradient-corrected filters have negative taps: signed and wide enough
        for their sums, 16 bits for 8-bit samples, 32 for 16-bit."""
        if self.algorithm == "bilinear":
            return sample
        return hl.Int(16) if sample == hl.UInt(8) else hl.Int(32)

    # Whether `tile_mosaic` is the mirrored sample as it is: then a packed
    # frame's `unpacked` stage, already a per-strip buffer of exactly those
    # samples, is the tile algorithms' mosaic, not copied into one (with the
    # copy, and the columns interleaved, fused Bilinear RAW12 took 5% longer
    # on one thread).
    mosaic_is_plain = True

    def tile_mosaic(self, mirrored, x, y, wide):
        """The integer algorithms' mosaic line buffer at input pixel (x, y)."""
        return mirrored[x, y]

    def tile_result(self, sample, wide, value):
        """An integer algorithm's value, as `rows` stores it."""
        return hl.saturating_cast(sample, value)

    def staged_type(self, sample):
        """The type the staged algorithms compute in: float32, or for 8-bit
        Menon2007 16-bit fixed point (exact, see demosaic_menon2007.py)."""
        if self.algorithm == "menon2007" and sample == hl.UInt(8):
            return hl.Int(16)
        return hl.Float(32)

    def staged_mosaic(self, mirrored, x, y, wide):
        """The staged algorithms' mosaic at input pixel (x, y), of type `wide`."""
        return hl.cast(wide, mirrored[x, y])

    def staged_peak(self, sample):
        """The largest value of the float algorithms' mosaic."""
        return float(2 ** sample.bits() - 1)

    def staged_result(self, sample, value):
        """A staged algorithm's value, as the last stage stores it (integer
        values are rounded already)."""
        if not isinstance(value, hl.Expr):
            value = hl.Expr(value)
        return hl.saturating_cast(sample, hl.round(value) if value.type().is_float() else value)

    def finish(self, stage, c, x, y):
        """The output at (c, x, y) of the stage that holds the RGB values."""
        return stage[c, x, y]

    def tile_algorithm(self, mirrored, sample, c, x, y):
        """Integer algorithms, per 2x2 tile of the RGGB-shifted mosaic."""
        wide = self.tile_type(sample)
        # The mirrored mosaic, a line buffer of samples (widened where read).
        if self.packed and self.mosaic_is_plain:
            mosaic, producers = mirrored, []
        else:
            mosaic = hl.Func("mosaic")
            mosaic[x, y] = self.tile_mosaic(mirrored, x, y, wide)
            producers = [(mosaic, x)]

        # Shifted coordinates, in which the pattern is RGGB: shifted pixel
        # (2 tx + dx, 2 ty + dy) is input pixel (2 tx + dx + red_x, 2 ty + dy + red_y).
        tx, ty, dx, dy = hl.Var("tx"), hl.Var("ty"), hl.Var("dx"), hl.Var("dy")

        # Where a sample is read by many taps (Malvar's 5x5 filters) or where
        # deinterleaving is dear (8-bit lanes: AVX-512 Skylake has no byte
        # permute), the mosaic is first split into its even and odd columns:
        # every tap is then one dense load (widened as it is read: half the
        # memory of storing wide values) instead of a load and a deinterleaving
        # shuffle. (Measured: Malvar2004 and 8-bit Bilinear 8-14% faster; 16-bit
        # Bilinear, two or four taps a value, 7% slower.)
        # A packed frame's `unpacked` stage already holds them apart.
        split_columns = (self.algorithm != "bilinear" or sample == hl.UInt(8)) and bool(producers)
        p = hl.Var("p")
        columns = hl.Func("columns")
        columns[tx, p, y] = mosaic[2 * tx + p + self.red_x - 2, y + self.red_y - 2]

        def plane(px, py):
            def sample_at(at_x, at_y):
                if split_columns:
                    return hl.cast(wide, columns[at_x, px, 2 * at_y + py])
                return hl.cast(wide, mosaic[2 * at_x + px + self.red_x - 2, 2 * at_y + py + self.red_y - 2])
            return _Plane(sample_at)

        values = TILE_ALGORITHMS[self.algorithm](plane, tx, ty, wide)
        tiles = hl.Func("tiles")
        tiles[c, dx, dy, tx, ty] = self.tile_result(sample, wide, hl.mux(c, [
            hl.select(dy == 0, hl.select(dx == 0, values[0][k], values[1][k]),
                      hl.select(dx == 0, values[2][k], values[3][k]))
            for k in range(3)
        ]))

        # Tiles are numbered from one tile up and left of the frame (the +2
        # below and the -2 in `plane`): with tile coordinates that can be -1,
        # Halide 21 miscomputes the rows of a 2-row frame with red_y = 1.
        # `rows` holds the tiles as full-resolution shifted rows and is where
        # they are computed (`tiles` is inlined): its x and y are split by 2 at
        # even bounds (align_bounds; or, computed one row at a time, the row's
        # parity is known from the output's CFA-phase specializations, see
        # `schedule`), so within each unrolled (dx, dy) Halide knows x % 2 and
        # y % 2, the selects between the tile's four pixels fold away and
        # each value is computed only where it is stored
        # (vectorized over tx; the two dx are interleaved into dense stores).
        # The output then reads `rows` at a runtime offset, densely. (Reading
        # the tiles directly at x - red_x, the simplifier rewrites the parity
        # first and every load becomes a gather; computing the tiles into a
        # buffer of their own and copying it into `rows` costs a pass.)
        rows = hl.Func("rows")
        rows[c, x, y] = tiles[c, x % 2, y % 2, x // 2, y // 2]
        # Whether `rows` is computed per block of an output row (16-bit
        # samples) or for the whole strip (8-bit): see `schedule_tiles`. The
        # row blocks are specialized per CFA phase (`schedule`), four copies
        # of the code: they are kept to where that pays, the two layouts with
        # a fast path and the vector ISAs current CPUs run (AVX2 and up, NEON).
        # The SSE4.1 and baseline x86-64 fallbacks and the `any` layout keep
        # the strip schedule: with all of them specialized too, the shipped
        # archives grew from 9.5 to 16.8 MB.
        target = self.target()
        modern_vectors = target.has_feature(hl.TargetFeature.AVX2) or target.arch == hl.TargetArch.ARM
        self.row_blocks = sample == hl.UInt(16) and self.layout != "any" and modern_vectors
        self.output[c, x, y] = self.finish(rows, c, x - self.red_x + 2, y - self.red_y + 2)

        def schedule_tiles(out, at, strip, vector):
            if split_columns:
                columns.compute_at(out, at).bound(p, 0, 2).reorder(tx, p, y).unroll(p)
                columns.vectorize(tx, vector, hl.TailStrategy.RoundUp)
            if not self.row_blocks:
                # 8-bit samples, and 16-bit ones without row blocks (see
                # `row_blocks`): `rows` for the whole strip, then the copy.
                rdx, rdy, rtx, rty = hl.Var("rdx"), hl.Var("rdy"), hl.Var("rtx"), hl.Var("rty")
                rows.compute_at(out, at).bound(c, 0, 3).reorder_storage(x, c, y)
                rows.align_bounds(x, 2).align_bounds(y, 2)
                rows.split(x, rtx, rdx, 2).split(y, rty, rdy, 2)
                rows.reorder(rdx, c, rtx, rdy, rty).unroll(rdx).unroll(c).unroll(rdy)
                rows.vectorize(rtx, vector, hl.TailStrategy.RoundUp)
                return
            # 16-bit samples: `rows` is computed one block of an output row at
            # a time, just before the output copies it (`schedule`: the
            # OUTPUT_ROW and OUTPUT_BLOCK loops), so the copy reads it from L1
            # and the output's stores to memory interleave with the arithmetic
            # of the next block. It is stored for the whole row, a sliding
            # window: each block computes only the tiles the previous ones did
            # not, one vector of tiles per block at either red_x. Before,
            # `rows` was computed for the whole 16-row strip (1 MB: L2) and
            # then copied, the memory idle while computing and the cores
            # waiting on it while copying. Measured, 12 MP, all threads, x the
            # memory floor of the same run: u16 Malvar2004 interleaved 3.1-3.4
            # -> 2.4-2.6, planar 2.8 -> 2.2-2.4, u16 Bilinear interleaved
            # 1.9-2.6 -> 1.5-1.6. 8-bit samples (half the strip buffer) keep
            # the strip buffer: this way u8 Malvar2004 interleaved went from
            # 1.63 to 1.74-1.82 and u8 Bilinear from 1.09/0.99 to 1.26/1.15.
            # Its allocation is hoisted to the strip: stored per row, it was
            # allocated and freed on every output row (a row of 8000 pixels is
            # 48 KB, past Halide's stack limit), a fixed cost per row that
            # made 1024-pixel-wide regions 1.26x slower than whole rows.
            rdx, rtx = hl.Var("rdx"), hl.Var("rtx")
            rows.store_at(out, hl.Var(OUTPUT_ROW)).hoist_storage(out, strip).compute_at(out, hl.Var(OUTPUT_BLOCK))
            rows.bound(c, 0, 3).reorder_storage(x, c, y).align_bounds(x, 2)
            rows.split(x, rtx, rdx, 2).reorder(rdx, c, rtx, y).unroll(rdx).unroll(c)
            rows.vectorize(rtx, vector, hl.TailStrategy.RoundUp)

        return producers, schedule_tiles

    def staged_algorithm(self, mirrored, sample, c, x, y):
        """Algorithms with intermediate stages: per 2x2 tile (`site_algorithm`)
        or, here, per pixel of the RGGB-shifted mosaic."""
        if self.algorithm in SITE_ALGORITHMS:
            return self.site_algorithm(mirrored, sample, c, x, y)
        shifted = hl.Func("shifted")
        wide = self.staged_type(sample)
        shifted[x, y] = self.staged_mosaic(mirrored, x + self.red_x, y + self.red_y, wide)
        # MLRI's eps constants are in 8-bit units squared: scaled by
        # (peak / 255)^2, as its oracle does.
        rgb, stages = mlri(shifted, wide, peak=self.staged_peak(sample))
        # The final arithmetic is a stage of its own, computed the same way
        # whatever the output layout: the layouts then agree to the bit (float
        # code inlined into differently vectorized stores need not).
        result = hl.Func("result")
        result[c, x, y] = self.staged_result(sample, rgb[c, x, y])
        self.output[c, x, y] = self.finish(result, c, x - self.red_x, y - self.red_y)

        def schedule_result(out, at, strip, vector):
            result.compute_at(out, at).hoist_storage(out, strip).bound(c, 0, 3).reorder_storage(x, c, y)
            result.reorder(c, x, y).unroll(c).vectorize(x, vector, hl.TailStrategy.RoundUp)

        stage_x = shifted.args()[0]
        return [(shifted, stage_x)] + [(stage, stage.args()[0]) for stage in stages], schedule_result

    def site_algorithm(self, mirrored, sample, c, x, y):
        """Staged algorithms written per 2x2 tile (Menon2007), whose stages
        hold one value per site of a kind (see demosaic_menon2007.py)."""
        wide = self.staged_type(sample)
        # The RGGB-shifted mosaic split into its even and odd columns (every
        # stage reads a known parity densely), numbered from one tile up and
        # left of the frame, as `tile_algorithm` does and for the same reason.
        tx, p = hl.Var("tx"), hl.Var("p")
        shifted = hl.Func("shifted")
        shifted[tx, p, y] = self.staged_mosaic(mirrored, 2 * tx + p + self.red_x - 2, y + self.red_y - 2, wide)
        values, stages = SITE_ALGORITHMS[self.algorithm](shifted, wide)
        ty, dx, dy = hl.Var("ty"), hl.Var("dx"), hl.Var("dy")
        tiles = hl.Func("tiles")
        tiles[c, dx, dy, tx, ty] = hl.mux(c, [
            self.staged_result(sample, hl.select(dy == 0, hl.select(dx == 0, values[0][k], values[1][k]),
                                                 hl.select(dx == 0, values[2][k], values[3][k])))
            for k in range(3)
        ])
        # As `rows` in `tile_algorithm`: x and y split by 2 at even bounds and
        # unrolled, so each pixel's site is known and only its formula runs.
        # Also the last stage, computed the same way whatever the output layout.
        result = hl.Func("result")
        result[c, x, y] = tiles[c, x % 2, y % 2, x // 2, y // 2]
        self.output[c, x, y] = self.finish(result, c, x - self.red_x + 2, y - self.red_y + 2)

        def schedule_result(out, at, strip, vector):
            rdx, rdy, rtx, rty = hl.Var("rdx"), hl.Var("rdy"), hl.Var("rtx"), hl.Var("rty")
            result.compute_at(out, at).hoist_storage(out, strip).bound(c, 0, 3).reorder_storage(x, c, y)
            result.align_bounds(x, 2).align_bounds(y, 2)
            result.split(x, rtx, rdx, 2).split(y, rty, rdy, 2)
            result.reorder(rdx, c, rtx, rdy, rty).unroll(rdx).unroll(c).unroll(rdy)
            result.vectorize(rtx, self.natural_vector_size(wide), hl.TailStrategy.RoundUp)

        return [(shifted, tx)] + [(stage, stage.args()[0]) for stage in stages], schedule_result

    def schedule(self, producers, schedule_last_stage, c, x, y, sample):
        vector = self.natural_vector_size(sample)
        float_vector = self.natural_vector_size(hl.Float(32))
        yo, yi = hl.Var("yo"), hl.Var("yi")
        out = self.output
        staged = self.algorithm in STAGED_ALGORITHMS
        line_buffered = self.algorithm in LINE_BUFFERED
        if staged and not line_buffered:
            # ShiftInwards: a frame or region whose height is not a whole
            # number of strips moves its last strip up over the one before
            # (a few rows computed twice, to the same values) instead of
            # guarding a shorter one, which cost 2-3x a full strip: 1024-row
            # regions of a 12 MP frame as rayon tasks went from 1.09x the
            # whole-frame call to 0.99x, bands of 256 rows from 1.31x to
            # 1.08x (Menon2007 u16, 2 threads). Frames shorter than a strip
            # are one strip of their height.
            strip = hl.min(self.output.output_buffer().dim(2).extent(), STAGED_STRIP)
            out.split(y, yo, yi, strip, hl.TailStrategy.ShiftInwards).parallel(yo)
        elif not line_buffered:
            out.split(y, yo, yi, STRIP, hl.TailStrategy.GuardWithIf).parallel(yo)
        if line_buffered:
            # ShiftInwards (the last strip overlaps the one before), not
            # GuardWithIf: with a guarded loop Halide 21 cannot prove the
            # stages' rows monotonic in yi and slides only the last few (the
            # others recomputed ~37 rows per output row: 25 s a frame).
            # Frames shorter than a strip are one strip of their height.
            strip = hl.min(self.output.output_buffer().dim(2).extent(), LINE_STRIP)
            out.split(y, yo, yi, strip, hl.TailStrategy.ShiftInwards).parallel(yo)
            # Per tile of LINE_TILE_WIDTH columns of the strip, row by row.
            xo, xi = hl.Var("xo"), hl.Var("xi")
            out.split(x, xo, xi, LINE_TILE_WIDTH, hl.TailStrategy.GuardWithIf)
            out.partition(xo, hl.Partition.Never)
            out.reorder(c, xi, yi, xo, yo).unroll(c)
            out.vectorize(xi, vector, hl.TailStrategy.GuardWithIf)
            at = yi
        elif staged:
            # Per tile of TILE_WIDTH columns of the strip.
            xo, xi = hl.Var("xo"), hl.Var("xi")
            out.split(x, xo, xi, TILE_WIDTH, hl.TailStrategy.GuardWithIf)
            # One loop body for every tile: partitioning xo (first and last
            # tiles apart, for the mirrored borders) would triple the code
            # (+1.1 MB of archives) for no measurable speed; the stages' own
            # x loops still partition their borders.
            out.partition(xo, hl.Partition.Never)
            out.reorder(c, xi, yi, xo, yo).unroll(c)
            out.vectorize(xi, vector, hl.TailStrategy.GuardWithIf)
            at = xo
        elif not self.row_blocks:
            out.reorder(c, x, yi, yo).unroll(c)
            out.vectorize(x, vector, hl.TailStrategy.GuardWithIf)
            at = yo
        else:
            # Per CFA phase: with red_x and red_y known, each output row's
            # parity is known where its block of `rows` is computed (the strip
            # starts at an even row and its rows go by pairs, the second of
            # each unrolled), so the tile code of that row alone is there;
            # with red_x known too, the blocks of `rows` line up with the
            # output's (specializing red_y alone: half the code, 10-15% slower).
            # Blocks of two vectors of output: one vector of tiles of `rows`.
            for red_x in (0, 1):
                for red_y in (0, 1):
                    phase = out.specialize((self.red_x == red_x) & (self.red_y == red_y))
                    pair, row = hl.Var("pair"), hl.Var(OUTPUT_ROW)
                    block, xi = hl.Var(OUTPUT_BLOCK), hl.Var("xi")
                    phase.split(yi, pair, row, 2, hl.TailStrategy.GuardWithIf)
                    phase.split(x, block, xi, 2 * vector, hl.TailStrategy.GuardWithIf)
                    phase.reorder(c, xi, block, row, pair, yo).unroll(c).unroll(row)
                    phase.vectorize(xi, vector)
            # red_x and red_y are limited to 0..1 (set_range): no other case.
            out.specialize_fail("red_x and red_y must be 0 or 1")
            at = yo

        # Per strip (or tile): buffers of every producer (the mosaic's boundary
        # logic runs once per sample; later stages read their producers densely).
        for producer, px in producers:
            width = float_vector if producer.types()[0] == hl.Float(32) else vector
            if producer.types()[0] == hl.Int(16):
                width = self.natural_vector_size(hl.Int(16))
            producer.compute_at(out, at).vectorize(px, width, hl.TailStrategy.RoundUp)
            for arg in producer.args():
                # The two sites (or column parities) of a tile, unrolled.
                if arg.name() in (SITE_VAR, "p"):
                    producer.bound(arg, 0, 2).unroll(arg)
            if line_buffered:
                # Stored for the tile, computed per output row: Halide slides
                # each stage down the tile, one new row per output row, and
                # folds its storage to the rows still read; allocated once
                # per strip.
                producer.store_at(out, xo).hoist_storage(out, yo)
                if producer.name().split("$")[0] in LINE_FOLDED:
                    producer.fold_storage(producer.args()[1], LINE_FOLD)
            elif staged:
                # Allocated once per strip, not per tile (every tile of the
                # strip reuses the same buffers): per tile, a 12 MP frame made
                # ~9000 halide_malloc/free pairs, and through the safe crate's
                # cached allocator (a mutex) they cost all that tiling saved
                # (u16, 2 threads: 36 ms tiled per tile, 24 ms hoisted).
                producer.hoist_storage(out, yo)
        if self.packed:
            self.schedule_unpacked(out, yo)
        else:
            # Dense input rows load as vectors; any other input stride gathers.
            first_producer = producers[0][0]
            first_producer.specialize(self.input.dim(0).stride() == 1)
        schedule_last_stage(out, at, yo, vector)


def _mirror_interior(coordinate, extent):
    """Halide's BoundaryConditions.mirror_interior of one coordinate over
    [0, extent), extent >= 2: reflected about the edge samples, without
    repeating them; inside, the coordinate itself (`likely`: Halide's loop
    partitioning keeps the interior free of the reflection)."""
    limit = extent - 1
    reflected = limit - hl.cast(hl.Int(32), hl.abs(coordinate % (2 * limit) - limit))
    inside = (coordinate >= 0) & (coordinate < extent)
    return hl.select(inside, hl.clamp(hl.likely(coordinate), 0, limit), reflected)


class _Plane:
    """A quarter-resolution colour plane, indexable as plane[tx, ty]."""

    def __init__(self, sample):
        self._sample = sample

    def __getitem__(self, key):
        return self._sample(*key)


if __name__ == "__main__":
    hl.main()
