#!/usr/bin/env python3
"""The example's raw path (`cargo run --example demosaic -- FILE`: rawloader,
`develop`, PNG) on a real camera raw file, against LibRaw (rawpy) developing
the same file with the same choices: the camera's white balance, black and
white levels, its colour matrix to sRGB, the sRGB curve, highlights clipped,
8 bits, no automatic brightening.

    python generators/quality/check_raw_file.py FILE OUTPUT_DIR

OUTPUT_DIR holds the example's PNGs for FILE (`--algorithm all`). LibRaw is
an independent implementation of every step but the demosaic: our Bilinear
is compared with its LINEAR (they must agree closely: PSNR >= 40 dB), our
Malvar2004 and Menon2007 with its AHD (other algorithms: PSNR >= 30 dB). Both
images are compared where they overlap (LibRaw crops some sensors' margins),
10 pixels from the border; each channel's mean must agree within 2 (of 255).
"""

import sys
from pathlib import Path

import numpy as np
import rawpy
from PIL import Image

CHECKS = (("bilinear", rawpy.DemosaicAlgorithm.LINEAR, 40.0),
          ("malvar2004", rawpy.DemosaicAlgorithm.AHD, 30.0),
          ("menon2007", rawpy.DemosaicAlgorithm.AHD, 30.0))


def main() -> int:
    path, output = Path(sys.argv[1]), Path(sys.argv[2])
    failures = []
    with rawpy.imread(str(path)) as raw:
        top, left = raw.sizes.top_margin, raw.sizes.left_margin
        black = raw.black_level_per_channel
        references = {}
        for _, algorithm, _ in CHECKS:
            if algorithm not in references:
                references[algorithm] = raw.postprocess(
                    use_camera_wb=True, no_auto_bright=True, output_color=rawpy.ColorSpace.sRGB,
                    gamma=(2.4, 12.92), demosaic_algorithm=algorithm, output_bps=8, user_flip=0,
                    highlight_mode=rawpy.HighlightMode.Clip,
                ).astype(np.float64)
    print(f"{path.name}: LibRaw {rawpy.libraw_version}, black levels {black}")
    print("| ours | LibRaw | PSNR dB | mean R, G, B ours | mean R, G, B LibRaw |")
    print("|---|---|---|---|---|")
    for name, algorithm, minimum in CHECKS:
        reference = references[algorithm]
        ours = np.asarray(Image.open(output / f"{path.stem}-{name}.png")).astype(np.float64)
        ours = ours[top:top + reference.shape[0], left:left + reference.shape[1]]
        reference = reference[:ours.shape[0], :ours.shape[1]]
        a, b = ours[10:-10, 10:-10], reference[10:-10, 10:-10]
        psnr = 10 * np.log10(255.0**2 / np.mean((a - b) ** 2))
        means_ours, means_libraw = a.mean(axis=(0, 1)), b.mean(axis=(0, 1))
        print(f"| {name} | {algorithm.name} | {psnr:.2f} | {np.round(means_ours, 2)} | {np.round(means_libraw, 2)} |")
        if psnr < minimum:
            failures.append(f"{name} against LibRaw {algorithm.name}: PSNR {psnr:.2f} dB < {minimum}")
        if np.abs(means_ours - means_libraw).max() > 2.0:
            failures.append(f"{name}: channel means {means_ours} differ from LibRaw's {means_libraw} by more than 2")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("raw file against LibRaw: " + ("FAILED" if failures else "within bounds"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
