#!/usr/bin/env python3
"""The OpenCV-Python baseline for `prep`'s speed benchmark: the same job done the usual way.

For every PNG/JPEG in INPUT: cv2.imread with alpha (IMREAD_UNCHANGED), 16-bit and grey
converted, alpha composited over white, padded square with white, cv2.resize INTER_AREA to
SIZE, grey (cvtColor), dilate line extraction (255 - (dilate(grey, k x k) - grey)), then
cv2.imwrite of both images. Sources smaller than SIZE are skipped, as `prep` does.
One task per image on a multiprocessing.Pool over all cores.

    python opencv_pipeline.py INPUT OUT [--size 128] [--kernel 5] [--procs N]
"""
import argparse
import multiprocessing as mp
import os
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)  # one image per process; no nested threading
# Alpha compositing: OpenCV's SIMD arithmetic by default (the faster baseline); set
# NUMPY_COMPOSITE=1 for the common float32 numpy formula instead.
NUMPY_COMPOSITE = os.environ.get("NUMPY_COMPOSITE") == "1"


def to_bgr_on_white(img):
    if img.dtype == np.uint16:
        img = (img // 257).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 2:  # grey + alpha
        img = cv2.cvtColor(img[:, :, :1], cv2.COLOR_GRAY2BGR), img[:, :, 1]
        img = np.dstack(img)
    if img.shape[2] == 4:
        alpha = img[:, :, 3]
        if NUMPY_COMPOSITE:
            a = alpha[:, :, None].astype(np.float32) * (1.0 / 255.0)
            return (img[:, :, :3].astype(np.float32) * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8)
        if cv2.countNonZero(cv2.compare(alpha, 255, cv2.CMP_NE)) == 0:
            return img[:, :, :3]  # opaque: nothing to blend
        # c*a/255 + 255-a  ==  255 - (255-c)*a/255, with OpenCV's SIMD saturating arithmetic.
        inv = cv2.bitwise_not(img[:, :, :3])
        return cv2.bitwise_not(cv2.multiply(inv, cv2.merge([alpha, alpha, alpha]), scale=1.0 / 255.0))
    return img


def process(task):
    src, out, size, kernel = task
    img = cv2.imread(src, cv2.IMREAD_UNCHANGED)
    if img is None:
        return "unreadable"
    img = to_bgr_on_white(img)
    h, w = img.shape[:2]
    side = max(h, w)
    if side < size:
        return "small"
    top, left = (side - h) // 2, (side - w) // 2
    img = cv2.copyMakeBorder(img, top, side - h - top, left, side - w - left,
                             cv2.BORDER_CONSTANT, value=(255, 255, 255))
    color = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)
    dil = cv2.dilate(grey, np.ones((kernel, kernel), np.uint8))
    line = 255 - cv2.subtract(dil, grey)
    name = os.path.splitext(os.path.basename(src))[0] + ".png"
    cv2.imwrite(os.path.join(out, "line", name), line)
    cv2.imwrite(os.path.join(out, "color", name), color)
    return "ok"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--kernel", type=int, default=5)
    ap.add_argument("--procs", type=int, default=os.cpu_count())
    args = ap.parse_args()
    for sub in ("line", "color"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    files = sorted(os.path.join(args.input, f) for f in os.listdir(args.input)
                   if f.lower().endswith((".png", ".jpg", ".jpeg")))
    tasks = [(f, args.out, args.size, args.kernel) for f in files]
    t0 = time.perf_counter()
    with mp.Pool(args.procs) as pool:
        results = pool.map(process, tasks, chunksize=4)
    secs = time.perf_counter() - t0
    ok = results.count("ok")
    print(f"opencv: {len(files)} inputs, {ok} written, {len(files) - ok} skipped, "
          f"{secs:.2f} s, {len(files) / secs:.1f} images/s", file=sys.stderr)


if __name__ == "__main__":
    main()
