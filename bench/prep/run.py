#!/usr/bin/env python3
"""Side-by-side speed benchmark: OpenCV-Python pipeline vs `prep` on the same openclipart
colour images (see run.sh). Alternates the two ROUNDS times, measures wall-clock and CPU
(user + sys of the whole process tree) per run, prints a Markdown table."""
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLIPART = os.path.join(ROOT, "data/openclipart/usr/share/openclipart/png")
WORK = os.path.join(ROOT, "bench/out/prep")
N = int(os.environ.get("N", "600"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
PROCS = int(os.environ.get("PROCS", str(os.cpu_count())))
PREP = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release/prep")


def png_side(path):
    """Longer side from the PNG header (0 if not a PNG)."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return 0
    return max(struct.unpack(">II", head[16:24]))


def select_inputs():
    """Every k-th openclipart PNG (sorted paths) of at least 128 px, so that every input is a
    full job for both pipelines (smaller ones are skipped by both), linked into WORK/input."""
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(CLIPART) for f in fs if f.endswith(".png"))
    files = [f for f in files if png_side(f) >= 128]
    step = max(1, len(files) // N)
    chosen = files[::step][:N]
    inp = os.path.join(WORK, "input")
    shutil.rmtree(inp, ignore_errors=True)
    os.makedirs(inp)
    for i, f in enumerate(chosen):
        os.symlink(f, os.path.join(inp, f"{i:04d}_{os.path.basename(f)}"))
    size = sum(os.path.getsize(f) for f in chosen)
    print(f"inputs: {len(chosen)} openclipart PNGs >= 128 px (every {step}th of {len(files)}), "
          f"{size / 1e6:.0f} MB", file=sys.stderr)
    return inp, len(chosen)


def timed(cmd, log):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log, "w") as err:
        subprocess.run(cmd, check=True, stdout=err, stderr=err)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    inp, n = select_inputs()
    runs = {"opencv": [], "prep": []}
    for r in range(ROUNDS):
        for name in ("opencv", "prep"):
            out = os.path.join(WORK, f"out-{name}")
            shutil.rmtree(out, ignore_errors=True)
            if name == "opencv":
                cmd = [sys.executable, os.path.join(ROOT, "bench/prep/opencv_pipeline.py"), inp, out,
                       "--size", "128", "--kernel", "5", "--procs", str(PROCS)]
            else:
                cmd = [PREP, inp, "-o", out, "--method", "dilate", "--dilate-kernel", "5",
                       "--extract-at", "target", "--size", "128", "--jobs", str(PROCS), "--quiet"]
            wall, cpu = timed(cmd, out + ".log")
            runs[name].append((wall, cpu))
            print(f"round {r + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {n / wall:.1f} images/s", file=sys.stderr)
    written = {k: len(os.listdir(os.path.join(WORK, f"out-{k}", "color"))) for k in runs}
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}
    print(f"{n} openclipart images, {PROCS} worker processes/threads, median of {ROUNDS} alternating rounds")
    print("| pipeline | pairs written | wall s | images/s (wall) | CPU s | images per CPU-s |")
    print("|---|---|---|---|---|---|")
    for k in ("opencv", "prep"):
        w, c = med[k]
        print(f"| {k} | {written[k]} | {w:.2f} | {n / w:.1f} | {c:.2f} | {n / c:.1f} |")
    print(f"ratio prep/opencv: {med['opencv'][0] / med['prep'][0]:.2f}x wall-clock throughput, "
          f"{med['opencv'][1] / med['prep'][1]:.2f}x CPU efficiency")


if __name__ == "__main__":
    main()
