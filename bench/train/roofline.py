"""How close a batch-16 training step already is to this CPU's float32 ceiling.

Counts the floating-point operations of one pix2pix training step (the step of
pytorch_train.py: G forward, D on the detached fake and the real pair with its backward,
G's adversarial + L1 backward; torch.utils.flop_counter counts convolutions and matrix
products, forward and backward) and measures the machine's practical float32 peak: the best
of a few large square matrix products (torch.mm, oneDNN/MKL sgemm) at the same thread count.
Then times the step itself, so achieved GFLOP/s / sgemm GFLOP/s says how much any
implementation of the same step in float32 could still gain.

  .venv/bin/python bench/train/roofline.py --batch 16 --threads 2
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

import pytorch_train as pt


def sgemm_peak(n, reps):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    g = pt.Unet(1, 3, args.ngf, args.size.bit_length() - 1)
    d = pt.PatchD(4, args.ndf, 3)
    g.apply(pt.init_normal)
    d.apply(pt.init_normal)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)
    bce = nn.BCEWithLogitsLoss()
    line = torch.rand(args.batch, 1, args.size, args.size) * 2 - 1
    color = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1

    def step():
        fake = g(line)
        opt_d.zero_grad()
        pf, pr = d(line, fake.detach()), d(line, color)
        loss_d = 0.5 * (bce(pf, torch.zeros_like(pf)) + bce(pr, torch.ones_like(pr)))
        loss_d.backward()
        opt_d.step()
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        pred = d(line, fake)
        (bce(pred, torch.ones_like(pred)) + 100.0 * F.l1_loss(fake, color)).backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)

    counter = FlopCounterMode(display=False)
    with counter:
        step()
    flops = counter.get_total_flops()
    step()
    times = []
    for _ in range(args.steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    best, med = min(times), sorted(times)[len(times) // 2]
    peak = max(sgemm_peak(n, 5) for n in (2048, 4096))
    print(json.dumps({
        "batch": args.batch, "ngf": args.ngf, "threads": args.threads,
        "gflop_per_step": round(flops / 1e9, 1),
        "gflop_per_image": round(flops / 1e9 / args.batch, 2),
        "step_s_median": round(med, 3), "step_s_best": round(best, 3),
        "imgs_per_s_median": round(args.batch / med, 2),
        "achieved_gflops_median": round(flops / med / 1e9, 1),
        "achieved_gflops_best": round(flops / best / 1e9, 1),
        "sgemm_peak_gflops": round(peak, 1),
        "share_of_sgemm_peak_median": round(flops / med / 1e9 / peak, 3),
        "share_of_sgemm_peak_best": round(flops / best / 1e9 / peak, 3),
        "ceiling_vs_median": round(peak / (flops / med / 1e9), 2),
    }))


if __name__ == "__main__":
    main()
