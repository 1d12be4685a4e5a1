#!/usr/bin/env python3
"""Writes the OpenCV golden images that data-prep/tests/it/golden.rs compares against.

The source images are not stored: they are a pure integer function of (x, y, channel),
`pattern()` below, which the Rust test recomputes bit for bit. For each case we store what
OpenCV produces: cv2.resize(..., INTER_AREA) of the grey and RGB pattern, and
cv2.cvtColor(RGB2GRAY) of the RGB pattern at the source size.

Run from the repository root (needs opencv-python-headless in the venv):
    .venv/bin/pip install opencv-python-headless
    .venv/bin/python data-prep/tools/make_goldens.py
"""
import os
import sys

import cv2
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden")

# (src_w, src_h, dst_w, dst_h): integer and non-integer shrinks, a near-1 ratio, non-square,
# a mixed (enlarge x, shrink y) case and enlargements (integer and non-integer).
CASES = [
    (512, 512, 128, 128),
    (300, 300, 128, 128),
    (517, 517, 128, 128),
    (129, 129, 128, 128),
    (256, 256, 128, 128),
    (384, 384, 128, 128),
    (300, 200, 128, 128),
    (100, 300, 128, 128),
    (64, 64, 128, 128),
    (100, 100, 128, 128),
    (77, 77, 128, 128),
]

# RGB goldens only where the channel interleaving adds something (keeps the files small).
RGB_CASES = [(517, 517), (100, 300), (77, 77)]


def pattern(w, h, cn):
    """Deterministic test image: XOR blocks, thin hard-edged lines and a disc (uint8)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    chans = []
    for c in range(cn):
        v = (((x // 7) ^ (y // 5 + c)) * (29 + 2 * c) + 85 * c) & 255
        # Hard-edged dark "ink" lines every 37 px and a black disc, like line art.
        v = np.where((x + 2 * y + 5 * c) % 37 < 2, 0, v)
        v = np.where((x - w // 2) ** 2 + (y - h // 3) ** 2 < (min(w, h) // 5) ** 2, 255 - 40 * c, v)
        chans.append(v.astype(np.uint8))
    return chans[0] if cn == 1 else np.stack(chans, axis=-1)


def save(name, img):
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)  # imwrite expects BGR; PNG stores RGB
    cv2.imwrite(os.path.join(OUT, name), img, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main():
    os.makedirs(OUT, exist_ok=True)
    for sw, sh, dw, dh in CASES:
        kinds = (("gray", 1), ("rgb", 3)) if (sw, sh) in RGB_CASES else (("gray", 1),)
        for kind, cn in kinds:
            src = pattern(sw, sh, cn)
            dst = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_AREA)
            save(f"area_{kind}_{sw}x{sh}_to_{dw}x{dh}.png", dst)
    for sw, sh in ((300, 200), (64, 64)):
        save(f"gray_of_rgb_{sw}x{sh}.png", cv2.cvtColor(pattern(sw, sh, 3), cv2.COLOR_RGB2GRAY))
    print(f"OpenCV {cv2.__version__}: goldens written to {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
