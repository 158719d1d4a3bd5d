"""`demosaic_packed_<algorithm>_<layout>`, `develop_packed_<algorithm>_<u8|u16>_<layout>`:
the demosaic and develop generators reading a packed sensor frame's bytes.

`input` is uint8 (dimension 0 the bytes of a row, dimension 1 the rows, any
row stride) and the last input, `format`, indexes packed.FORMATS. The samples
are unpacked inside the pipeline, per strip or tile, right where the
algorithm's first stage reads them (demosaic.py: `unpack_stage`,
`schedule_unpacked`): every result equals the unpacked generator's on the
unpacked frame, and nothing but the bytes and the output touches memory.
"""

import halide as hl

from demosaic import Demosaic
from develop import Develop


@hl.generator(name="demosaic_packed")
class DemosaicPacked(Demosaic):
    packed = True


@hl.generator(name="develop_packed")
class DevelopPacked(Develop):
    packed = True


if __name__ == "__main__":
    hl.main()
