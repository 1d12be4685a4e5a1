#!/usr/bin/env python3
"""Per-stage CPU seconds of the OpenCV-Python pipeline (bench/prep/opencv_pipeline.py), one
process, over the inputs bench/prep/run.sh selected. NUMPY_COMPOSITE=1 for the numpy variant.
    .venv/bin/python bench/prep/opencv_stages.py"""
import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, "bench/prep")
from opencv_pipeline import to_bgr_on_white
inp = "bench/out/prep/input"
files = sorted(os.listdir(inp))
T = dict(imread=0, composite=0, pad_resize_gray_dilate=0, encode=0)
for f in files:
    t = time.process_time(); img = cv2.imread(os.path.join(inp, f), cv2.IMREAD_UNCHANGED); T["imread"] += time.process_time() - t
    t = time.process_time(); img = to_bgr_on_white(img); T["composite"] += time.process_time() - t
    t = time.process_time()
    h, w = img.shape[:2]; side = max(h, w); top, left = (side-h)//2, (side-w)//2
    img = cv2.copyMakeBorder(img, top, side-h-top, left, side-w-left, cv2.BORDER_CONSTANT, value=(255,255,255))
    color = cv2.resize(img, (128,128), interpolation=cv2.INTER_AREA); g = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)
    line = 255 - cv2.subtract(cv2.dilate(g, np.ones((5,5),np.uint8)), g); T["pad_resize_gray_dilate"] += time.process_time() - t
    t = time.process_time(); cv2.imencode(".png", line); cv2.imencode(".png", color); T["encode"] += time.process_time() - t
tot = sum(T.values())
print("OpenCV-Python pipeline, single process, CPU seconds per stage over", len(files), "images:")
for k, v in T.items(): print(f"  {k}: {v:.1f} s ({100*v/tot:.0f}%)")
