"""PyTorch baseline of the training-speed benchmark: the same pix2pix U-Net generator and
70x70 PatchGAN as src/model/, trained with the pix2pix step (D on a detached fake, then G
with GAN + 100 * L1), Adam 2e-4 (0.5, 0.999), on random tensors at 128 px.

Written for this benchmark from the pix2pix paper's description (Isola et al. 2017) and the
layer list in src/model/generator.rs; it builds the U-Net unrolled, like the Rust code.

Prints one JSON line on stdout: images/s over the timed steps, parameter counts, peak RSS.
    .venv/bin/python bench/train/pytorch_train.py --batch 1 --threads 2 --warmup 2 --steps 5
"""

import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def inner(ngf, k):
    return ngf * min(2 ** (k - 1), 8)


class Unet(nn.Module):
    """pix2pix UnetGenerator with BatchNorm, unrolled: down1..downN, up1..upN."""

    def __init__(self, in_ch=1, out_ch=3, ngf=64, num_downs=7, dropout=True):
        super().__init__()
        self.downs = nn.ModuleList()
        self.down_norms = nn.ModuleList()
        self.ups = nn.ModuleList()
        self.up_norms = nn.ModuleList()
        self.drop = []
        n = num_downs
        for k in range(1, n + 1):
            c_in_down = in_ch if k == 1 else inner(ngf, k - 1)
            outer = out_ch if k == 1 else inner(ngf, k - 1)
            c = inner(ngf, k)
            self.downs.append(nn.Conv2d(c_in_down, c, 4, 2, 1, bias=False))
            self.down_norms.append(nn.BatchNorm2d(c) if 1 < k < n else nn.Identity())
            up_in = c if k == n else 2 * c
            self.ups.append(nn.ConvTranspose2d(up_in, outer, 4, 2, 1, bias=(k == 1)))
            self.up_norms.append(nn.BatchNorm2d(outer) if k > 1 else nn.Identity())
            self.drop.append(dropout and 5 <= k < n)

    def forward(self, x):
        n = len(self.downs)
        skips = []
        h = self.downs[0](x)
        for k in range(1, n):
            a = F.leaky_relu(h, 0.2)  # shared by the skip, as pix2pix's in-place LeakyReLU
            skips.append(a)
            h = self.down_norms[k](self.downs[k](a))
        for k in reversed(range(n)):
            x = F.relu(h) if k == n - 1 else F.relu(torch.cat([skips[k], h], 1), inplace=True)
            h = self.up_norms[k](self.ups[k](x))
            if self.drop[k]:
                h = F.dropout(h, 0.5, self.training)
        return torch.tanh(h)


class PatchD(nn.Module):
    """pix2pix NLayerDiscriminator (n_layers 3, BatchNorm), conditional on the line art."""

    def __init__(self, in_ch=4, ndf=64, n_layers=3):
        super().__init__()
        layers = [nn.Conv2d(in_ch, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        m = 1
        for k in range(1, n_layers + 1):
            prev, m = m, min(2 ** k, 8)
            stride = 1 if k == n_layers else 2
            layers += [
                nn.Conv2d(ndf * prev, ndf * m, 4, stride, 1, bias=False),
                nn.BatchNorm2d(ndf * m),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(ndf * m, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, line, color):
        return self.model(torch.cat([line, color], 1))


def init_normal(m):
    name = type(m).__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def count(m):
    return sum(p.numel() for p in m.parameters())


def peak_rss_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--ndf", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--amp", type=int, default=0, help="1: bfloat16 autocast on the CPU (torch.autocast)")
    ap.add_argument("--count-only", action="store_true", help="print parameter counts and exit")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    num_downs = args.size.bit_length() - 1
    g = Unet(1, 3, args.ngf, num_downs)
    d = PatchD(4, args.ndf, 3)
    # Reference figure: the pix2pix unet_128 (3 channels in) of the same layers.
    g_rgb = Unet(3, 3, args.ngf, num_downs) if args.count_only else None
    if args.count_only:
        print(json.dumps({"g_params": count(g), "g_params_in3": count(g_rgb), "d_params": count(d)}))
        return
    g.apply(init_normal)
    d.apply(init_normal)
    g.train()
    d.train()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    line = torch.rand(args.batch, 1, args.size, args.size) * 2 - 1
    color = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1

    def step():
        amp = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(args.amp))
        with amp:
            fake = g(line)
            # D: real vs detached fake, halved.
            opt_d.zero_grad()
            pred_fake = d(line, fake.detach())
            pred_real = d(line, color)
            loss_d = 0.5 * (bce(pred_fake, torch.zeros_like(pred_fake)) + bce(pred_real, torch.ones_like(pred_real)))
            loss_d.backward()
        opt_d.step()
        # G: fool D + 100 * L1; D's weights take no gradient.
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        with amp:
            pred = d(line, fake)
            loss_g = bce(pred, torch.ones_like(pred)) + 100.0 * F.l1_loss(fake, color)
            loss_g.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
        return loss_d.item(), loss_g.item()

    for _ in range(args.warmup):
        step()
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        losses = step()
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({
        "impl": "pytorch",
        "torch": torch.__version__,
        "size": args.size,
        "batch": args.batch,
        "ngf": args.ngf,
        "amp": bool(args.amp),
        "threads": torch.get_num_threads(),
        "steps": args.steps,
        "seconds": round(dt, 3),
        "cpu_seconds": round(cpu, 2),
        "imgs_per_s": round(args.batch * args.steps / dt, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "g_params": count(g),
        "d_params": count(d),
        "last_losses": [round(x, 4) for x in losses],
    }))


if __name__ == "__main__":
    main()
