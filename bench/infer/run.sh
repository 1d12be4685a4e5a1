#!/usr/bin/env bash
# Inference benchmark, side by side in one run (figures go to bench/README.md, "## infer"):
#   - `colorize infer` end to end on one 512x512 sketch: process start -> PNG written
#     (model load, decode, network, resize back, recombine, PNG encode, atomic write);
#   - network-only latency of `colorize infer` (its --timings line; the median over repeated
#     images in one process, after a warm-up image) at the default working size (128, the
#     model's training size) and at --work-size 512;
#   - the same generator in PyTorch-Python (bench/infer/pytorch_infer.py), same libtorch,
#     same thread count, eval mode, no autograd.
# Generator: pix2pix U-Net for 128 px (7 levels), ngf 64, untrained (speed does not depend
# on the weights), written by a 1-step `colorize train` run. Release build.
# Usage: bash bench/infer/run.sh [THREADS (2)] [REPS (8)]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${1:-2}
REPS=${2:-8}
OUT=bench/out/infer
PY=.venv/bin/python
mkdir -p "$OUT"

echo "building the release binary (first time: several minutes for libtorch's bindings)" >&2
cargo build --release --quiet --bin colorize
BIN=${CARGO_TARGET_DIR:-target}/release/colorize

# A 512x512 sketch and a 4-pair dataset to create the ngf-64 model from.
"$PY" - "$OUT" <<'EOF'
import os, sys, json
import numpy as np
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
EOF

MODEL=$OUT/model-ngf64
if [ ! -f "$MODEL/generator.safetensors" ]; then
    rm -rf "$MODEL"
    "$BIN" train --data "$OUT/ds" --out "$MODEL" --steps 1 --ngf 64 --threads "$THREADS" \
        >/dev/null 2>&1
fi

# End to end: REPS separate processes, wall time of each.
e2e() { # work-size
    local ws=$1 times=()
    for _ in $(seq "$REPS"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$BIN" infer "$OUT/sketch512.png" -o "$OUT/sketch512_color.png" --force \
            --model "$MODEL" --threads "$THREADS" --work-size "$ws" >/dev/null 2>&1
        t1=$(date +%s.%N)
        times+=("$(echo "($t1 - $t0) * 1000" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]}'
}

# Network only: one process colours REPS+1 copies; the first is the warm-up.
net() { # work-size
    local ws=$1
    rm -rf "$OUT/many" "$OUT/many-out"
    mkdir -p "$OUT/many"
    for i in $(seq 0 "$REPS"); do cp "$OUT/sketch512.png" "$OUT/many/s$(printf %02d "$i").png"; done
    "$BIN" infer "$OUT/many" -o "$OUT/many-out" --force --model "$MODEL" --threads "$THREADS" \
        --work-size "$ws" --timings 2>&1 >/dev/null |
        sed -n 's/.*network \([0-9.]*\) ms.*/\1/p' | tail -n +2 | sort -n |
        awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]}'
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); threads $THREADS; reps $REPS"
printf '%-34s %12s %12s\n' "" "work 128" "work 512"
e128=$(e2e 128); e512=$(e2e 512)
printf '%-34s %9s ms %9s ms\n' "colorize infer end to end (median)" "$e128" "$e512"
n128=$(net 128); n512=$(net 512)
printf '%-34s %9s ms %9s ms\n' "colorize network only (median)" "$n128" "$n512"
"$PY" bench/infer/pytorch_infer.py --threads "$THREADS" --reps "$REPS" --sizes 128 512 \
    >"$OUT/pytorch.jsonl"
p128=$("$PY" -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1])][0]['median_ms'])" "$OUT/pytorch.jsonl")
p512=$("$PY" -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1])][1]['median_ms'])" "$OUT/pytorch.jsonl")
printf '%-34s %9s ms %9s ms\n' "PyTorch network only (median)" "$p128" "$p512"
printf '%-34s %11.2fx %11.2fx\n' "colorize / PyTorch network" \
    "$(echo "$n128 / $p128" | bc -l)" "$(echo "$n512 / $p512" | bc -l)"
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
