#!/usr/bin/env bash
# The default model's training on a lent GPU machine (one bounded run, no network there):
#   1. measures training images/s at the default shape with and without --amp (bf16
#      autocast), with the GPU's utilisation sampled by nvidia-smi;
#   2. trains the default model with scripts/train-default.sh for BUDGET seconds' worth of
#      steps at the measured --amp speed, evaluates it per source and exports it in float16;
#   3. leaves everything to bring back in $OUT, the weights split into 15 MiB parts
#      (reassemble: cat generator.part-* > generator.safetensors).
# Carried from the build machine: target/release/colorize (built against torch 2.11.0, as the
# GPU machine's own torch) and data/datasets-128.tar.xz (scripts/pack-datasets.sh).
#   OUT=/tmp/out BUDGET=300 bash bench/gpu/default-model.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT to the folder to bring back}
BUDGET=${BUDGET:-300}
BATCH=${BATCH:-32}
PROBE_STEPS=${PROBE_STEPS:-80}
BIN=target/release/colorize
mkdir -p "$OUT"
say() { printf 'gpu: %s\n' "$*" | tee -a "$OUT/gpu.log" >&2; }

torch_dir=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
export LD_LIBRARY_PATH=$torch_dir/lib:${LD_LIBRARY_PATH:-}
[ -d data/openmoji-128 ] || tar -xJf data/datasets-128.tar.xz -C data
"$BIN" info | tee "$OUT/info.txt"
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,power.limit --format=csv | tee -a "$OUT/info.txt"
loaders=$(($(nproc) - 2))
data_args=()
for d in data/openmoji-128 data/fluent-emoji-128 data/streamline-128 data/dicebear-128; do
    data_args+=(--data "$d")
done

nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -l 1 \
    >"$OUT/gpu-util.csv" 2>/dev/null &
smi=$!
trap 'kill $smi 2>/dev/null || true' EXIT

for amp in 1 0; do
    flag=()
    [ $amp = 1 ] && flag=(--amp)
    say "probe: $PROBE_STEPS steps of $BATCH, amp=$amp, $(date +%T)"
    if ! "$BIN" train "${data_args[@]}" --out "runs/probe-amp$amp" --steps "$PROBE_STEPS" \
        --batch-size "$BATCH" --ngf 32 --ndf 64 --loader-threads "$loaders" --json-log \
        --log-every 10 --save-every 100000 --val-every 100000 --sample-every 100000 \
        "${flag[@]}" >"$OUT/probe-amp$amp.txt" 2>&1; then
        say "probe amp=$amp FAILED: $(tail -3 "$OUT/probe-amp$amp.txt")"
    fi
    grep imgs_per_s "runs/probe-amp$amp/log.jsonl" >"$OUT/probe-amp$amp.jsonl" || true
    say "probe amp=$amp done $(date +%T)"
done

# Images/s of the second half of a probe (after warm-up): the median of its logged rates.
rate() {
    python3 - "$1" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [x["imgs_per_s"] for x in rows[len(rows) // 2:]]
print(f"{statistics.median(r):.1f}" if r else "0")
PY
}
amp_rate=$(rate "$OUT/probe-amp1.jsonl")
fp32_rate=$(rate "$OUT/probe-amp0.jsonl")
say "training images/s: amp $amp_rate, fp32 $fp32_rate"
use_amp=1
best=$amp_rate
if python3 -c "import sys; sys.exit(0 if float('$amp_rate') > 0 else 1)"; then :; else
    use_amp=0
    best=$fp32_rate
fi
steps=$(python3 -c "print(max(500, int(float('$best') * $BUDGET / $BATCH) // 500 * 500))")
say "main run: $steps steps (amp=$use_amp), $(date +%T)"

gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
start=$(date +%s)
# One stage from scratch, as this script first trained (train-default.sh now defaults to two).
COLORIZE=$BIN SKIP_FETCH=1 RUN=runs/default DEST="$OUT/model" STEPS=$steps BATCH=$BATCH \
    BASE_STEPS=0 NONE_SHARE=0.5 MEAN_COUNT=8 AMP=$use_amp DEVICE=cuda LOADERS=$loaders \
    TRAINED_ON="1x $gpu, $steps steps of $BATCH in about $((BUDGET / 60)) min of training, bf16 autocast=$use_amp; measured images/s: $amp_rate with --amp, $fp32_rate without" \
    bash scripts/train-default.sh >"$OUT/train-default.txt" 2>&1 || say "train-default FAILED"
say "main run done in $(($(date +%s) - start)) s"
cp runs/default/log.jsonl runs/default/eval.txt runs/default/test-sheet*.png runs/default/config.json "$OUT/" 2>/dev/null || true
if [ -f "$OUT/model/generator.safetensors" ]; then
    split -b 15m "$OUT/model/generator.safetensors" "$OUT/model/generator.part-"
    rm "$OUT/model/generator.safetensors"
fi
kill $smi 2>/dev/null || true
ls -la "$OUT" "$OUT/model" | tee -a "$OUT/gpu.log"
