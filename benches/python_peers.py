#!/usr/bin/env python3
"""Times the demosaics `cargo bench` cannot call: OpenCV's (bilinear, VNG,
edge-aware) and colour-demosaicing's reference implementations, on the same
12 MP RGGB frame as benches/common (same sample formula), u8 and u16.

    python -m pip install -r generators/quality/requirements.txt
    python benches/python_peers.py            # prints a Markdown table

Times are the fastest of `--repeat` runs (colour-demosaicing: float64 NumPy,
seconds per frame, so one run by default). Run it right after
`cargo bench -p halide-pipelines-benches --bench demosaic` and compare with that run's table: the same
machine, minutes apart (ratios across processes are rougher than within one).
"""

import argparse
import time

import cv2
import numpy as np

HEIGHT, WIDTH = 3000, 4000


def frame(dtype):
    """benches/common/mod.rs `frame`: ((x * 7 + y * 13) % 251)."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    return ((x * 7 + y * 13) % 251).astype(dtype)


def fastest(run, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20, help="runs per OpenCV measurement")
    parser.add_argument("--colour-repeat", type=int, default=1, help="runs per colour-demosaicing measurement")
    parser.add_argument("--no-colour", action="store_true", help="skip colour-demosaicing (slow)")
    args = parser.parse_args()

    # OpenCV names patterns after the second row's first two samples: an RGGB
    # mosaic is its "BayerBG" (as in generators/quality/compare_with_colour.py).
    opencv = {
        "OpenCV bilinear": cv2.COLOR_BayerBG2RGB,
        "OpenCV VNG (u8 only)": cv2.COLOR_BayerBG2RGB_VNG,
        "OpenCV edge-aware": cv2.COLOR_BayerBG2RGB_EA,
    }
    rows = {}
    for dtype in (np.uint8, np.uint16):
        raw = frame(dtype)
        # Into a preallocated output, as the Rust benches do (a fresh 36-72 MB
        # array per call would time the page faults too).
        rgb = np.empty((HEIGHT, WIDTH, 3), dtype)
        for threads, label in ((0, "all threads"), (1, "1 thread")):
            cv2.setNumThreads(threads)
            for name, code in opencv.items():
                if dtype == np.uint16 and "VNG" in name:
                    continue  # OpenCV's VNG takes 8-bit input only
                seconds = fastest(lambda: cv2.cvtColor(raw, code, dst=rgb), args.repeat)
                rows.setdefault(f"{name}, {label}", {})[dtype] = seconds
        if not args.no_colour:
            import colour_demosaicing as cd

            mosaic = raw.astype(np.float64)
            for name, function in (
                ("colour-demosaicing bilinear (float64), 1 thread", cd.demosaicing_CFA_Bayer_bilinear),
                ("colour-demosaicing Malvar2004 (float64), 1 thread", cd.demosaicing_CFA_Bayer_Malvar2004),
                ("colour-demosaicing Menon2007 (float64), 1 thread", cd.demosaicing_CFA_Bayer_Menon2007),
            ):
                seconds = fastest(lambda: function(mosaic, "RGGB"), args.colour_repeat)
                rows.setdefault(name, {})[dtype] = seconds

    print(f"OpenCV {cv2.__version__}, NumPy {np.__version__}; fastest of {args.repeat} runs (colour: {args.colour_repeat})")
    print()
    print("| work (12 MP RGGB frame) | u8 ms | u8 MP/s | u16 ms | u16 MP/s |")
    print("|---|---|---|---|---|")
    for name, by_type in rows.items():
        cells = []
        for dtype in (np.uint8, np.uint16):
            seconds = by_type.get(dtype)
            cells += ["—", "—"] if seconds is None else [f"{seconds * 1e3:.1f}", f"{HEIGHT * WIDTH / seconds / 1e6:.0f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
