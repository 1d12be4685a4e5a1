"""Network-only inference latency of the pix2pix U-Net generator in PyTorch (the baseline
for `colorize infer`, see bench/infer/run.sh and bench/README.md).

The generator is built from the pix2pix description (Isola et al. 2017; the layer list of
junyanz/pytorch-CycleGAN-and-pix2pix `UnetGenerator`, written here from scratch):
num_downs = log2(size); down-blocks Conv4x4 s2 p1 (+ BatchNorm except outermost and
innermost) after LeakyReLU(0.2); up-blocks ReLU + ConvTranspose4x4 s2 p1 (+ BatchNorm except
outermost), dropout in the inner 8*ngf up-blocks, skip connections by concatenation, Tanh.
Eval mode (running statistics, no dropout), no autograd, batch 1, 1 channel in, 3 out.

Prints one JSON object per input size on stdout.
"""

import argparse
import json
import statistics
import time

import torch
from torch import nn


class Unet(nn.Module):
    def __init__(self, num_downs: int, ngf: int, c_in: int = 1, c_out: int = 3):
        super().__init__()
        ch = [min(ngf * 2**k, ngf * 8) for k in range(num_downs)]  # filters of level k+1
        self.downs = nn.ModuleList()
        self.ups = nn.ModuleList()
        for k in range(num_downs):
            outermost, innermost = k == 0, k == num_downs - 1
            down_in = c_in if outermost else ch[k - 1]
            layers = [] if outermost else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(down_in, ch[k], 4, 2, 1, bias=False))
            if not outermost and not innermost:
                layers.append(nn.BatchNorm2d(ch[k]))
            self.downs.append(nn.Sequential(*layers))

            up_out = c_out if outermost else ch[k - 1]
            up_in = ch[k] if innermost else 2 * ch[k]
            layers = [nn.ReLU(), nn.ConvTranspose2d(up_in, up_out, 4, 2, 1, bias=outermost)]
            if outermost:
                layers.append(nn.Tanh())
            else:
                layers.append(nn.BatchNorm2d(up_out))
                if k >= 4 and not innermost:
                    layers.append(nn.Dropout(0.5))
            self.ups.append(nn.Sequential(*layers))

    def forward(self, x):
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        # innermost up-block sees the bottleneck alone; the others cat(skip, up)
        x = self.ups[-1](x)
        for k in range(len(self.ups) - 2, -1, -1):
            x = self.ups[k](torch.cat([skips[k], x], 1))
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--train-size", type=int, default=128, help="sets num_downs = log2(S)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 512])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    num_downs = args.train_size.bit_length() - 1
    net = Unet(num_downs, args.ngf).eval()
    params = sum(p.numel() for p in net.parameters())
    for size in args.sizes:
        x = torch.rand(1, 1, size, size) * 2 - 1
        times, cpu = [], []
        with torch.inference_mode():
            for _ in range(args.reps + 1):
                t, c = time.perf_counter(), time.process_time()
                y = net(x)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        assert y.shape == (1, 3, size, size), y.shape
        print(json.dumps({
            "impl": "pytorch", "torch": torch.__version__, "threads": args.threads,
            "ngf": args.ngf, "num_downs": num_downs, "params": params, "size": size,
            "first_ms": round(times[0] * 1e3, 1),
            "median_ms": round(statistics.median(times[1:]) * 1e3, 1),
            "min_ms": round(min(times[1:]) * 1e3, 1),
            "times_ms": [round(t * 1e3, 2) for t in times[1:]],
            # CPU time of the process (all threads) per call: less sensitive than wall time
            # to other jobs competing for the cores.
            "cpu_ms": [round(t * 1e3, 2) for t in cpu[1:]],
        }), flush=True)


if __name__ == "__main__":
    main()
