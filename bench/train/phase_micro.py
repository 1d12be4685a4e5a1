"""Training cost of the phase decomposition (src/model/fast.rs) in PyTorch: the pix2pix
U-Net generator's forward + backward at batch B, with its 4x4 stride-2 transposed
convolutions as libtorch runs them (`ConvTranspose2d`) against the same weights run as one
2x2 convolution over the four output phases plus an interleave (the kernels gathered from
the 4x4 weight at every step, so the gradient reaches it). Same libtorch as colorize.
Prints the median CPU and wall milliseconds per step of each, alternating.

    .venv/bin/python bench/train/phase_micro.py [--threads 1] [--batch 16] [--reps 3]
"""

import argparse
import copy
import statistics
import time

import torch
import torch.nn.functional as F

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "infer"))
from pytorch_infer import Unet  # noqa: E402


def phase_kernels(w):
    """[C_in, C_out, 4, 4] -> [4 * C_out, C_in, 2, 2], phase 2a + b, tap (i, j) =
    w[3 - a - 2i][3 - b - 2j] (the same gather as colorize's `phase_kernels`)."""
    c_in, c_out = w.shape[:2]
    return (w.flip([2, 3]).reshape(c_in, c_out, 2, 2, 2, 2)
            .permute(3, 5, 1, 0, 2, 4).reshape(4 * c_out, c_in, 2, 2))


class PhaseConvTranspose(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        b, _, h, w = x.shape
        c = self.m.weight.shape[1]
        bias = None if self.m.bias is None else self.m.bias.repeat(4)
        y = F.conv2d(x, phase_kernels(self.m.weight), bias, 1, 1)  # [B, 4C, H+1, W+1]
        sb, sc, sh, sw = y.stride()
        sp = c * sc
        return (y.as_strided((b, c, h, 2, w, 2), (sb, sc, sh, 2 * sp + sh, sw, sp + sw))
                .reshape(b, c, 2 * h, 2 * w))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ngf", type=int, default=64)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    plain = Unet(7, args.ngf).train()
    phase = copy.deepcopy(plain)
    for seq in phase.ups:
        for i, m in enumerate(seq):
            if isinstance(m, torch.nn.ConvTranspose2d):
                seq[i] = PhaseConvTranspose(m)
    x = torch.rand(args.batch, 1, 128, 128) * 2 - 1
    for net in (plain, phase):  # no dropout noise in the equality check
        for m in net.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
    diff = (plain(x) - phase(x)).abs().max().item()
    times = {"conv_transpose2d": [], "phases": []}
    for _ in range(args.reps):
        for name, net in (("conv_transpose2d", plain), ("phases", phase)):
            c, t = time.process_time(), time.perf_counter()
            net(x).abs().mean().backward()
            times[name].append(((time.process_time() - c) * 1e3,
                                (time.perf_counter() - t) * 1e3))
    print(f"batch {args.batch}, {args.threads} thread(s), ngf {args.ngf}, outputs differ "
          f"by {diff:.1e}; forward + backward per step, medians of {args.reps}:")
    for name, v in times.items():
        print(f"  {name:17} CPU {statistics.median(a for a, _ in v):7.0f} ms, "
              f"wall {statistics.median(b for _, b in v):7.0f} ms")


if __name__ == "__main__":
    main()
