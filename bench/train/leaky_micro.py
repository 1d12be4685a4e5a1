"""Cost of LeakyReLU(0.2) forward + backward in the three forms tch can express, with the
same libtorch kernels Rust calls: native leaky_relu (PyTorch only: tch binds no slope),
prelu with a constant weight, and lerp(leaky_relu_0.01(x), x, w) (what src/model/layers.rs
uses). CPU seconds per call, 1 thread.
    .venv/bin/python bench/train/leaky_micro.py
"""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
w = torch.tensor([0.2])
k = (0.2 - 0.01) / 0.99
forms = {
    "native leaky_relu(0.2)": lambda x: F.leaky_relu(x, 0.2),
    "prelu(x, 0.2)": lambda x: F.prelu(x, w),
    "leaky_relu(x).lerp(x, w)": lambda x: torch.lerp(F.leaky_relu(x), x, k),
}
x = torch.randn(1000)
assert (forms["leaky_relu(x).lerp(x, w)"](x) - F.leaky_relu(x, 0.2)).abs().max() < 1e-6
print("| shape | " + " | ".join(forms) + " |")
print("|---" * (len(forms) + 1) + "|")
for shape in [(16, 64, 64, 64), (16, 128, 32, 32), (16, 256, 16, 16), (1, 64, 64, 64)]:
    x = torch.randn(*shape, requires_grad=True)
    cells = []
    for f in forms.values():
        for _ in range(2):
            f(x).sum().backward()
        t = time.process_time()
        for _ in range(10):
            f(x).sum().backward()
        cells.append(f"{(time.process_time() - t) / 10 * 1000:.1f} ms")
    print(f"| {list(shape)} | " + " | ".join(cells) + " |")
