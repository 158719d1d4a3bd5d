#!/usr/bin/env python3
"""Times rawpy/LibRaw's `postprocess` on a camera raw file, with the options
that match `develop` to 8-bit sRGB: the camera's white balance, no automatic
brightening, sRGB output with the sRGB curve (gamma 2.4, slope 12.92),
highlights clipped, 8 bits. `cargo bench -p halide-pipelines-benches --bench develop` with
HALIDE_PIPELINES_BENCH_RAW=FILE times ours and imagepipe on the same file.

    python -m pip install -r generators/quality/requirements.txt
    python benches/raw_peers.py FILE [--repeat N]

Times are the fastest of --repeat runs of `postprocess` on a file already
read (`rawpy.imread` and its unpacking excluded, as rawloader's decode is in
the Rust bench), on all threads LibRaw uses (its demosaics are mostly serial).
"""

import argparse
import time

import numpy as np
import rawpy


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    algorithms = {
        "LINEAR (bilinear)": rawpy.DemosaicAlgorithm.LINEAR,
        "PPG": rawpy.DemosaicAlgorithm.PPG,
        "AHD (LibRaw's default)": rawpy.DemosaicAlgorithm.AHD,
        "DCB": rawpy.DemosaicAlgorithm.DCB,
    }
    print(f"rawpy {rawpy.__version__}, LibRaw {rawpy.libraw_version}; fastest of {args.repeat} runs")
    print()
    print("| work | ms | MP/s |")
    print("|---|---|---|")
    with rawpy.imread(args.file) as raw:
        raw.raw_image  # unpack once, outside the timing
        pixels = raw.sizes.width * raw.sizes.height
        for name, algorithm in algorithms.items():
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                rgb = raw.postprocess(
                    use_camera_wb=True, no_auto_bright=True, output_color=rawpy.ColorSpace.sRGB,
                    gamma=(2.4, 12.92), demosaic_algorithm=algorithm, output_bps=8, user_flip=0,
                    highlight_mode=rawpy.HighlightMode.Clip,
                )
                best = min(best, time.perf_counter() - start)
            assert rgb.dtype == np.uint8 and rgb.shape[2] == 3
            print(f"| peer rawpy postprocess {name}, u8 sRGB | {best * 1e3:.1f} | {pixels / best / 1e6:.0f} |")


if __name__ == "__main__":
    main()
