"""Cost of one Adam update of the U-Net generator's 41.8 M parameters (ngf 64, 128 px): the
per-tensor update that `torch.optim.Adam` runs on the CPU by default (foreach is CUDA-only)
against the fused multi-tensor kernel (`fused=True`, `at::_fused_adam_`), which colorize's
optimiser calls through src/native/ops.cpp. Same kernels as the Rust side, random gradients.
    .venv/bin/python bench/train/adam_micro.py
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
import pytorch_train as pt  # noqa: E402

print("| threads | per-tensor ms (wall / CPU) | fused ms (wall / CPU) | speed-up |")
print("|---|---|---|---|")
for threads in (1, 2):
    torch.set_num_threads(threads)
    g = pt.Unet(1, 3, 64, 7)
    for p in g.parameters():
        p.grad = torch.randn_like(p)
    cells = {}
    for fused in (False, True):
        opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=fused)
        opt.step()
        best = None
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            for _ in range(5):
                opt.step()
            wall = (time.perf_counter() - t) / 5 * 1000
            cpu = (time.process_time() - c) / 5 * 1000
            if best is None or wall < best[0]:
                best = (wall, cpu)
        cells[fused] = best
    (sw, sc), (fw, fc) = cells[False], cells[True]
    print(f"| {threads} | {sw:.1f} / {sc:.1f} | {fw:.1f} / {fc:.1f} | {sw / fw:.1f}x |")
