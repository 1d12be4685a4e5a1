#!/usr/bin/env bash
# Inference benchmark, side by side in one run (figures go to bench/README.md, "## infer"):
#   - `colorize infer` end to end on one 512x512 sketch: process start -> PNG written
#     (model load, decode, network, resize back, recombine, PNG encode, atomic write);
#   - network-only latency of `colorize infer` (its --timings line; repeated images in one
#     process, after a warm-up image) at the default working size (128, the model's training
#     size) and at --work-size 512;
#   - the network alone in a process doing nothing else (examples/net_bench.rs: the
#     forward pass `infer` runs, without the batch pipeline's decoder and writer), the same
#     measurement as the PyTorch script's;
#   - the same generator in PyTorch-Python (bench/infer/pytorch_infer.py), same libtorch,
#     same thread count, eval mode, no autograd, after a warm-up call.
# Generator: pix2pix U-Net for 128 px (7 levels), ngf 64, untrained (speed does not depend
# on the weights), written by a 1-step `colorize train` run. Release build.
# Other jobs may share the machine: the implementations alternate, ROUNDS times, so both see
# the same background load; the summary gives the median and the minimum of all samples.
# Usage: bash bench/infer/run.sh [THREADS (2)] [REPS (8)] [ROUNDS (3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${1:-2}
REPS=${2:-8}
ROUNDS=${3:-3}
OUT=bench/out/infer
PY=.venv/bin/python
mkdir -p "$OUT"

echo "building the release binary (first time: several minutes for libtorch's bindings)" >&2
cargo build --release --quiet --bin colorize --example net_bench
BIN=${CARGO_TARGET_DIR:-target}/release/colorize
NET=${CARGO_TARGET_DIR:-target}/release/examples/net_bench

# A 512x512 sketch and a 4-pair dataset to create the ngf-64 model from.
"$PY" - "$OUT" <<'PYEOF'
import os, sys, json
from PIL import Image, ImageDraw
out = sys.argv[1]
img = Image.new("L", (512, 512), 255)
d = ImageDraw.Draw(img)
d.ellipse((56, 56, 456, 456), outline=0, width=6)
d.ellipse((170, 180, 220, 240), fill=0)
d.ellipse((292, 180, 342, 240), fill=0)
d.arc((150, 220, 362, 390), 20, 160, fill=0, width=6)
img.save(f"{out}/sketch512.png")
ds = f"{out}/ds"
for sub in ("line", "color"):
    os.makedirs(f"{ds}/{sub}", exist_ok=True)
with open(f"{ds}/manifest.jsonl", "w") as m:
    for i in range(4):
        img.resize((128, 128)).save(f"{ds}/line/p{i}.png")
        Image.new("RGB", (128, 128), (250, 200, 40 * i)).save(f"{ds}/color/p{i}.png")
        m.write(json.dumps({"id": f"p{i}", "split": "train"}) + "\n")
PYEOF

MODEL=$OUT/model-ngf64
if [ ! -f "$MODEL/generator.safetensors" ]; then
    rm -rf "$MODEL"
    "$BIN" train --data "$OUT/ds" --out "$MODEL" --steps 1 --ngf 64 --threads "$THREADS" \
        >/dev/null 2>&1
fi

# End to end: one process, wall time in ms from start to exit (the PNG is written before).
e2e() { # work-size
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" infer "$OUT/sketch512.png" -o "$OUT/sketch512_color.png" --force \
        --model "$MODEL" --threads "$THREADS" --work-size "$1" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "($t1 - $t0) * 1000" | bc -l
}

# Network only: one process colours REPS+1 copies; the first is the warm-up. Prints the
# REPS network times (ms), one per line.
net() { # work-size
    rm -rf "$OUT/many" "$OUT/many-out"
    mkdir -p "$OUT/many"
    for i in $(seq 0 "$REPS"); do cp "$OUT/sketch512.png" "$OUT/many/s$(printf %02d "$i").png"; done
    "$BIN" infer "$OUT/many" -o "$OUT/many-out" --force --model "$MODEL" --threads "$THREADS" \
        --work-size "$1" --timings 2>&1 >/dev/null |
        sed -n 's/.*network \([0-9.]*\) ms.*/\1/p' | tail -n +2
}

# CPU seconds (user + sys, all threads) of a command: robust to waiting for a busy core.
cpu_s() {
    "$PY" -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime + r.ru_stime)' "$@"
}

# CPU ms per image of `colorize infer` (every stage: decode, network, finish, encode, write):
# (CPU of a process colouring 1 + REPS copies - CPU of a process colouring 1) / REPS.
cpu_per_image() { # work-size
    rm -rf "$OUT/one" "$OUT/one-out" "$OUT/many" "$OUT/many-out"
    mkdir -p "$OUT/one" "$OUT/many"
    cp "$OUT/sketch512.png" "$OUT/one/s.png"
    for i in $(seq 0 "$REPS"); do cp "$OUT/sketch512.png" "$OUT/many/s$(printf %02d "$i").png"; done
    local one many
    one=$(cpu_s "$BIN" infer "$OUT/one" -o "$OUT/one-out" --force --model "$MODEL" \
        --threads "$THREADS" --work-size "$1")
    many=$(cpu_s "$BIN" infer "$OUT/many" -o "$OUT/many-out" --force --model "$MODEL" \
        --threads "$THREADS" --work-size "$1")
    echo "($many - $one) * 1000 / $REPS" | bc -l
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "threads $THREADS; $REPS reps x $ROUNDS rounds"
: >"$OUT/samples.txt"
for round in $(seq "$ROUNDS"); do
    for ws in 128 512; do
        net "$ws" | sed "s/^/colorize $ws /" >>"$OUT/samples.txt"
        "$PY" bench/infer/pytorch_infer.py --threads "$THREADS" --reps "$REPS" --sizes "$ws" |
            "$PY" -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    for t in r["times_ms"]:
        print("pytorch", r["size"], t)
    for t in r["cpu_ms"]:
        print("pytorch-cpu", r["size"], t)' >>"$OUT/samples.txt"
        "$NET" --samples "$THREADS" "$REPS" "$ws" | sed 's/^/net-alone /' >>"$OUT/samples.txt"
        echo "colorize-cpu $ws $(cpu_per_image "$ws")" >>"$OUT/samples.txt"
        for _ in 1 2; do echo "e2e $ws $(e2e "$ws")" >>"$OUT/samples.txt"; done
    done
    echo "round $round done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

"$PY" - "$OUT/samples.txt" <<'PYEOF'
import statistics, sys
s = {}
for line in open(sys.argv[1]):
    impl, size, ms = line.split()
    s.setdefault((impl, int(size)), []).append(float(ms))
def fmt(k):
    v = s[k]
    return f"{statistics.median(v):8.1f} {min(v):8.1f}"
print(f"{'ms (median, min)':32} {'work 128':>17} {'work 512':>17}")
print(f"{'colorize infer, end to end':32} {fmt(('e2e', 128))} {fmt(('e2e', 512))}")
print(f"{'colorize infer, network only':32} {fmt(('colorize', 128))} {fmt(('colorize', 512))}")
print(f"{'colorize network alone':32} {fmt(('net-alone', 128))} {fmt(('net-alone', 512))}")
print(f"{'PyTorch, network only':32} {fmt(('pytorch', 128))} {fmt(('pytorch', 512))}")
print("CPU ms (user + sys, both threads; median, min):")
print(f"{'colorize infer, per image (all)':32} {fmt(('colorize-cpu', 128))} {fmt(('colorize-cpu', 512))}")
print(f"{'PyTorch, network only':32} {fmt(('pytorch-cpu', 128))} {fmt(('pytorch-cpu', 512))}")
for size in (128, 512):
    c, p = s[("colorize", size)], s[("pytorch", size)]
    print(f"colorize / PyTorch network time at {size}: median "
          f"{statistics.median(c) / statistics.median(p):.2f}x, min {min(c) / min(p):.2f}x "
          f"({len(c)} and {len(p)} samples)")
    c = s[("net-alone", size)]
    print(f"colorize network alone / PyTorch at {size}: median "
          f"{statistics.median(c) / statistics.median(p):.2f}x, min {min(c) / min(p):.2f}x")
    c, p = s[("colorize-cpu", size)], s[("pytorch-cpu", size)]
    print(f"colorize (all stages) / PyTorch (network) CPU time at {size}: median "
          f"{statistics.median(c) / statistics.median(p):.2f}x, min {min(c) / min(p):.2f}x")
PYEOF
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
