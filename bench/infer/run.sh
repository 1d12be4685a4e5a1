#!/usr/bin/env bash
# Inference benchmark, side by side in one run (figures go to bench/README.md, "## infer"),
# for two generators, at working sizes 128 (`infer`'s default: the training size) and 512:
#   - PyTorch eager, PyTorch frozen + optimize_for_inference (bench/infer/pytorch_infer.py)
#     and ONNX Runtime CPU (bench/infer/ort_infer.py, the same module exported to ONNX),
#     all with colorize's weights read from the model's generator.safetensors;
#   - colorize's network alone (examples/net_bench.rs, same weights): `net-plain` is the
#     trained UnetGenerator in eval mode, `net-fast` the folded, packed, phase-decomposed
#     network `colorize infer` runs (src/model/fast.rs);
#   - the network inside `colorize infer DIR` (its --timings line; REPS copies after a
#     warm-up image) and the directory's throughput (images/s: REPS extra images over the
#     wall time they add to a one-image run);
#   - `colorize infer` end to end on one 512x512 sketch: process start -> PNG written.
# Generators: "ngf64", the pix2pix U-Net for 128 px (7 levels), ngf 64, 1 input channel,
# untrained (a 1-step `colorize train` run writes it; speed does not depend on the weights);
# "default", the shipped models/default (ngf 32, 5 input channels: line + hints).
# Same libtorch (the venv's torch), same threads everywhere (ONNX Runtime: intra-op THREADS,
# inter-op 1, sequential). Release build. ONNX Runtime and onnx come from PyPI into
# bench/out/venv-ort, made here on first use.
# Other jobs may share the machine: the implementations alternate, ROUNDS times, so all see
# the same background load; the summary gives the median and the minimum of all samples.
# Usage: bash bench/infer/run.sh [THREADS (2)] [REPS (8)] [ROUNDS (3)]
#   PARTS=net bash bench/infer/run.sh 2 5 8   # networks only (eager, ONNX Runtime, colorize):
#                                             # short rounds, for a machine with bursty load
set -euo pipefail
cd "$(dirname "$0")/../.."
PARTS=${PARTS:-all}
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
ORT_VENV=bench/out/venv-ort
if [ ! -x "$ORT_VENV/bin/python" ]; then
    echo "making $ORT_VENV (onnxruntime, onnx from PyPI)" >&2
    python3 -m venv "$ORT_VENV"
    "$ORT_VENV/bin/pip" install -q onnxruntime onnx numpy
fi
ORT_PY=$ORT_VENV/bin/python
ORT_SITE=$(ls -d "$ORT_VENV"/lib/python3*/site-packages)

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
        m.write(json.dumps({"id": f"p{i}", "split": "train", "line": f"line/p{i}.png",
                            "color": f"color/p{i}.png", "source": f"synthetic/p{i}.png",
                            "method": "synthetic", "size": 128, "settings": "synthetic",
                            "source_stamp": "?", "split_key": "0"}) + "\n")
PYEOF

MODEL=$OUT/model-ngf64
if [ ! -f "$MODEL/generator.safetensors" ]; then
    rm -rf "$MODEL"
    "$BIN" train --data "$OUT/ds" --out "$MODEL" --steps 1 --ngf 64 --threads "$THREADS" \
        >/dev/null 2>&1
fi

MODELS="ngf64:$OUT/model-ngf64 default:models/default"
model_dir() { for m in $MODELS; do [ "${m%%:*}" = "$1" ] && echo "${m#*:}"; done; }
model_field() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1] + "/config.json"))["model"][sys.argv[2]])' "$1" "$2"; }

# The same modules as ONNX, one fixed-shape file per model and size (torch exports; the
# exporter needs the onnx package, from the bench's venv).
for m in $MODELS; do
    name=${m%%:*} dir=${m#*:}
    for ws in 128 512; do
        f=$OUT/$name-$ws.onnx
        [ -f "$f" ] || PYTHONPATH=$ORT_SITE "$PY" -W ignore bench/infer/pytorch_infer.py \
            --weights "$dir/generator.safetensors" --ngf "$(model_field "$dir" ngf)" \
            --in-channels "$(model_field "$dir" in_channels)" --sizes "$ws" --export-onnx "$f"
    done
done

# End to end: one process, wall time in ms from start to exit (the PNG is written before).
e2e() { # model-dir work-size
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" infer "$OUT/sketch512.png" -o "$OUT/sketch512_color.png" --force \
        --model "$1" --threads "$THREADS" --work-size "$2" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "($t1 - $t0) * 1000" | bc -l
}

# Wall ms of one `colorize infer DIR` run over the copies in $OUT/$3; network times go to
# $OUT/timings.txt.
dir_run() { # model-dir work-size subdir
    local t0 t1
    rm -rf "$OUT/$3-out"
    t0=$(date +%s.%N)
    "$BIN" infer "$OUT/$3" -o "$OUT/$3-out" --force --model "$1" --threads "$THREADS" \
        --work-size "$2" --timings 2>"$OUT/timings.txt" >/dev/null
    t1=$(date +%s.%N)
    echo "($t1 - $t0) * 1000" | bc -l
}

# Directory mode over DIRN = 4 * REPS + 2 copies: prints "network MS" for the images after
# the warm-up one (from --timings), then "dir-ips IMAGES_PER_S": the DIRN - 2 images over
# the wall time they add to a two-image run (which, like the long one, prepares the fast
# path: a single image runs the plain network, see src/cmd/infer.rs).
DIRN=$((4 * REPS + 2))
dir_mode() { # model-dir work-size
    rm -rf "$OUT/two" "$OUT/many"
    mkdir -p "$OUT/two" "$OUT/many"
    cp "$OUT/sketch512.png" "$OUT/two/s.png"
    cp "$OUT/sketch512.png" "$OUT/two/t.png"
    for i in $(seq 1 "$DIRN"); do cp "$OUT/sketch512.png" "$OUT/many/s$(printf %03d "$i").png"; done
    local two many
    two=$(dir_run "$1" "$2" two)
    many=$(dir_run "$1" "$2" many)
    sed -n 's/.*network \([0-9.]*\) ms.*/network \1/p' "$OUT/timings.txt" | tail -n +2
    sed -n 's/.*(forward \([0-9.]*\) ms).*/forward \1/p' "$OUT/timings.txt" | tail -n +2
    echo "dir-ips $(echo "($DIRN - 2) * 1000 / ($many - $two)" | bc -l)"
}

to_samples() { # prefix: "impl size ms" lines from the JSON the Python scripts print
    "$PY" -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    for t in r["times_ms"]:
        print(sys.argv[1], r["size"], t)' "$1"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "threads $THREADS; $REPS reps x $ROUNDS rounds"
: >"$OUT/samples.txt"
for round in $(seq "$ROUNDS"); do
    for m in $MODELS; do
        name=${m%%:*} dir=${m#*:}
        ngf=$(model_field "$dir" ngf) cin=$(model_field "$dir" in_channels)
        for ws in 128 512; do
            common=(--threads "$THREADS" --reps "$REPS" --sizes "$ws" --ngf "$ngf"
                --in-channels "$cin" --weights "$dir/generator.safetensors")
            "$PY" bench/infer/pytorch_infer.py "${common[@]}" | to_samples pytorch-eager |
                sed "s/^/$name /" >>"$OUT/samples.txt"
            "$NET" --samples --model "$dir" "$THREADS" "$REPS" "$ws" 2>/dev/null |
                sed "s/^/$name /" >>"$OUT/samples.txt"
            "$ORT_PY" bench/infer/ort_infer.py "$OUT/$name-$ws.onnx" --size "$ws" \
                --in-channels "$cin" --threads "$THREADS" --reps "$REPS" |
                to_samples onnxruntime | sed "s/^/$name /" >>"$OUT/samples.txt"
            [ "$PARTS" = net ] && continue
            "$PY" bench/infer/pytorch_infer.py "${common[@]}" --impl frozen |
                to_samples pytorch-frozen | sed "s/^/$name /" >>"$OUT/samples.txt"
            dir_mode "$dir" "$ws" | sed "s/^\([a-z-]*\) /$name \1 $ws /" >>"$OUT/samples.txt"
            for _ in 1 2; do echo "$name e2e $ws $(e2e "$dir" "$ws")" >>"$OUT/samples.txt"; done
        done
    done
    echo "round $round done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

"$PY" - "$OUT/samples.txt" <<'PYEOF'
import statistics, sys
s = {}
for line in open(sys.argv[1]):
    model, impl, size, v = line.split()
    s.setdefault((model, impl, int(size)), []).append(float(v))
rows = [("pytorch-eager", "PyTorch eager"), ("pytorch-frozen", "PyTorch frozen+optimize"),
        ("onnxruntime", "ONNX Runtime"), ("net-plain", "colorize plain network"),
        ("net-fast", "colorize fast network"), ("net-fast32", "colorize fast, f32 weights"),
        ("network", "colorize infer DIR, network"), ("forward", "  of which the forward pass"),
        ("dir-ips", "colorize infer DIR, images/s"), ("e2e", "colorize infer 1 sketch, e2e")]
for model in ("ngf64", "default"):
    print(f"\n{model}: ms (median / min; images/s: median / max)  work 128 | work 512")
    for key, label in rows:
        cells = []
        for size in (128, 512):
            v = s.get((model, key, size))
            if not v:
                cells.append(f"{'-':>17}")
            elif key == "dir-ips":
                cells.append(f"{statistics.median(v):8.2f} {max(v):8.2f}")
            else:
                cells.append(f"{statistics.median(v):8.1f} {min(v):8.1f}")
        print(f"  {label:30} {cells[0]} | {cells[1]}")
    for size in (128, 512):
        for stat, f in (("medians", statistics.median), ("minima", min)):
            v = {k: f(s[(model, k, size)]) for k, _ in rows[:8] if (model, k, size) in s}
            ort, eager, fast = v["onnxruntime"], v["pytorch-eager"], v["net-fast"]
            line = (f"  at {size}, {stat}: fast / ONNX Runtime {fast / ort:.2f}x, "
                    f"fast / PyTorch eager {fast / eager:.2f}x, "
                    f"ONNX Runtime / eager {ort / eager:.2f}x")
            if "network" in v:
                line += (f", infer DIR network / ONNX Runtime {v['network'] / ort:.2f}x, "
                         f"infer DIR network / fast alone {v['network'] / fast:.2f}x")
            if "forward" in v:
                line += f", infer DIR forward / fast alone {v['forward'] / fast:.2f}x"
            print(line + f" ({len(s[(model, 'net-fast', size)])} samples)")
PYEOF
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
