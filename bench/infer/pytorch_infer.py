"""Network-only inference latency of the pix2pix U-Net generator in PyTorch (the baseline
for `colorize infer`, see bench/infer/run.sh and bench/README.md).

The generator is built from the pix2pix description (Isola et al. 2017; the layer list of
junyanz/pytorch-CycleGAN-and-pix2pix `UnetGenerator`, written here from scratch):
num_downs = log2(size); down-blocks Conv4x4 s2 p1 (+ BatchNorm except outermost and
innermost) after LeakyReLU(0.2); up-blocks ReLU + ConvTranspose4x4 s2 p1 (+ BatchNorm except
outermost), dropout in the inner 8*ngf up-blocks, skip connections by concatenation, Tanh.
Eval mode (running statistics, no dropout), no autograd, batch 1, 3 channels out.

`--weights generator.safetensors` loads colorize's weights (its keys `down{k}.conv.weight`,
`up{k}.norm.running_mean`, ... mapped onto this module; float16 files are widened to
float32), so both sides run the same numbers; `--in-channels 5` for a hinted model.
`--impl frozen` runs `torch.jit.freeze(torch.jit.trace(net, x))` passed through
`torch.jit.optimize_for_inference` (BatchNorm folded, oneDNN weight prepacking where
TorchScript does it) instead of eager mode. `--export-onnx PATH` writes the network as
ONNX (opset 17, fixed 1 x C x S x S input for the first size) for bench/infer/ort_infer.py
and exits.

Prints one JSON object per input size on stdout.
"""

import argparse
import json
import struct

import torch
from torch import nn

from timing import summary, time_calls


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


def read_safetensors(path):
    """{name: float32 tensor} from a safetensors file (its format: an 8-byte little-endian
    header length, a JSON header of dtypes, shapes and byte ranges, then the data)."""
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
              "I64": torch.int64}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = bytearray(f.read())
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(data[a:b], dtype=dtypes[info["dtype"]]) if b > a else \
            torch.empty(0, dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"]).float()
    return out


def load_colorize_weights(net, path):
    """Copies colorize's generator weights (`down{k}.conv.weight`, ...) into `net`."""
    w = read_safetensors(path)
    used = set()
    for side, blocks in (("down", net.downs), ("up", net.ups)):
        for k, block in enumerate(blocks, start=1):
            for m in block:
                if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                    prefix, names = f"{side}{k}.conv", ["weight", "bias"]
                elif isinstance(m, nn.BatchNorm2d):
                    prefix, names = f"{side}{k}.norm", ["weight", "bias", "running_mean",
                                                         "running_var"]
                else:
                    continue
                for name in names:
                    target = getattr(m, name, None)
                    if target is None:
                        continue
                    key = f"{prefix}.{name}"
                    with torch.no_grad():
                        target.copy_(w[key])
                    used.add(key)
    left = set(w) - used
    assert not left, f"weights not used: {sorted(left)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--train-size", type=int, default=128, help="sets num_downs = log2(S)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 512])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--in-channels", type=int, default=1)
    ap.add_argument("--weights", help="colorize's generator.safetensors")
    ap.add_argument("--impl", choices=["eager", "frozen"], default="eager")
    ap.add_argument("--export-onnx", metavar="PATH")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    num_downs = args.train_size.bit_length() - 1
    net = Unet(num_downs, args.ngf, c_in=args.in_channels).eval()
    if args.weights:
        load_colorize_weights(net, args.weights)
    params = sum(p.numel() for p in net.parameters())
    if args.export_onnx:
        size = args.sizes[0]
        x = torch.rand(1, args.in_channels, size, size) * 2 - 1
        torch.onnx.export(net, (x,), args.export_onnx, opset_version=17, dynamo=False,
                          input_names=["x"], output_names=["y"])
        return
    if args.impl == "frozen":
        # Traced (the forward's loop over ModuleList indices does not script), then frozen.
        x = torch.rand(1, args.in_channels, args.sizes[0], args.sizes[0]) * 2 - 1
        with torch.no_grad():
            net = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(net, x)))
    for size in args.sizes:
        x = torch.rand(1, args.in_channels, size, size) * 2 - 1
        with torch.inference_mode():
            times, cpu, y = time_calls(lambda: net(x), args.reps)
        assert y.shape == (1, 3, size, size), y.shape
        print(json.dumps({
            "impl": "pytorch-" + args.impl, "torch": torch.__version__, "threads": args.threads,
            "ngf": args.ngf, "num_downs": num_downs, "params": params, "size": size,
            **summary(times, cpu),
        }), flush=True)

if __name__ == "__main__":
    main()
