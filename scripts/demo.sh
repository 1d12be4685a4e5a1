#!/usr/bin/env bash
# `make demo`: the whole pipeline on real data, in about a quarter of an hour on a 2-core CPU.
#   1. fetch OpenMoji 17 (human-drawn colour emoji + their black line-art versions, CC BY-SA 4.0)
#   2. prep: paired (line art, colour) dataset at 128 px, splits train/val/test
#   3. colorize train: a small pix2pix with colour hints (U-Net ngf 16 + PatchGAN ndf 16; hints
#      simulated from the targets), 3000 steps of 8 (~8 min)
#   4. colorize eval on the test split at 0, 5 and 20 hints, next to the grey baseline, with
#      contact sheets and the hints used
#   5. colorize infer on a few test sketches without hints, and on three with their hints
#      (lines recombined at full crispness)
#   6. colorize export --half -> runs/demo-model, the demo's own model directory (model card,
#      float16 weights); the shipped models/default is never touched
# `make` has already run the idempotent set-up (scripts/setup.sh: .venv + build).
# Re-running resumes or skips what is done. DEMO_STEPS, DEMO_NGF, ... override the budget.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DEMO_DATA:-data/openmoji-128}
RUN=${DEMO_RUN:-runs/demo}
MODEL=${DEMO_MODEL:-runs/demo-model}
# The budget, chosen by measurement (train img/s on this 2-core machine while other jobs
# shared it, load average ~5): ngf 64 / ndf 64 at 128 px ~1.4 (batch 1); ngf 32 / ndf 32 at
# 128 px 5.2 (batch 8); ngf 16 / ndf 16 at 128 px 12.4 (batch 8; batch 1: 7.3); ngf 32 /
# ndf 32 at 64 px 18-24 (batch 8). ngf 16 / ndf 16 keeps the dataset's full 128 px; a whole
# 900-step demo run then averaged 20.6 img/s (12-34 as the load varied). 1500 steps x 8 =
# 12000 images (~2.9 epochs of OpenMoji's 4101 training pairs): ~10 min at 20 img/s.
# With the native ops (fused Adam, in-place LeakyReLU) a quiet machine trains ngf 16 at
# ~53 img/s (1500 steps in 3 min 48 s, 2026-11-22), so the budget is now 3000 steps x 8 =
# 24000 images (~6.4 epochs of the 3747 training pairs): ~7.5 min at 53 img/s, ~10 min at 40.
STEPS=${DEMO_STEPS:-3000}
BATCH=${DEMO_BATCH:-8}
NGF=${DEMO_NGF:-16}
NDF=${DEMO_NDF:-16}
SIZE=${DEMO_SIZE:-128}
THREADS=${DEMO_THREADS:-2}

say() { printf '\ndemo: %s\n' "$*" >&2; }

# Dev profile (opt-level 2, what `make setup` built): no second, release build of libtorch.
say "building colorize and prep (dev profile; a no-op when up to date)"
cargo build --quiet --bins
COLORIZE=target/debug/colorize
PREP=target/debug/prep

say "1/6 fetching OpenMoji (npm registry)"
fetch_out=$(bash scripts/fetch-openmoji.sh)
SRC_DIR=$(printf '%s\n' "$fetch_out" | sed -n 's/^src: *//p')
LINES_DIR=$(printf '%s\n' "$fetch_out" | sed -n 's/^lines: *//p')

if [ -f "$DATA/manifest.jsonl" ]; then
    say "2/6 $DATA already prepared: $(wc -l <"$DATA/manifest.jsonl") pairs"
else
    say "2/6 prep: $SRC_DIR + $LINES_DIR -> $DATA (paired, 128 px)"
    # usvg warns about every SVG feature it skips; keep the demo output readable.
    RUST_LOG=${RUST_LOG:-info,usvg=error} "$PREP" "$SRC_DIR" --lines "$LINES_DIR" -o "$DATA"
fi

if [ -f "$RUN/checkpoints/step-$STEPS.safetensors" ]; then
    say "3/6 $RUN already trained for $STEPS steps"
elif [ -f "$RUN/config.json" ]; then
    say "3/6 resuming the interrupted run $RUN"
    "$COLORIZE" train --resume "$RUN" --threads "$THREADS"
else
    say "3/6 training $RUN: $STEPS steps of batch $BATCH, ngf $NGF, ndf $NDF, $SIZE px"
    say "    (about 10 minutes; watch it with: .venv/bin/tensorboard --logdir runs)"
    "$COLORIZE" train --data "$DATA" --out "$RUN" --steps "$STEPS" --batch-size "$BATCH" \
        --ngf "$NGF" --ndf "$NDF" --size "$SIZE" --threads "$THREADS" \
        --save-every 500 --sample-every 250 --val-every 250
fi

say "4/6 evaluating on the test split at 0, 5 and 20 hints (model vs the grey baseline)"
"$COLORIZE" eval --model "$RUN" --data "$DATA" --split test --baseline gray --hints 0,5,20 \
    --save-sheet "$RUN/test-sheet.png" --save-hints "$RUN/hints" -n 12 --threads "$THREADS" \
    | tee "$RUN/eval.txt"

say "5/6 colouring a few test sketches with colorize infer, without and with hints"
mkdir -p "$RUN/samples"
# awk reads the whole manifest (a `grep | head` pipe would die of SIGPIPE under pipefail).
ids=$(awk '/"split": *"test"/ && n < 8 {
    match($0, /"id": *"[^"]*"/); s = substr($0, RSTART, RLENGTH)
    sub(/^"id": *"/, "", s); sub(/"$/, "", s); print s; n++ }' "$DATA/manifest.jsonl")
inputs=()
for id in $ids; do inputs+=("$DATA/line/$id.png"); done
"$COLORIZE" infer "${inputs[@]}" --model "$RUN" -o "$RUN/samples" --force \
    --threads "$THREADS" >/dev/null
# The same sketches steered by the 5 hints eval simulated for them (step 4 wrote them).
for id in $(printf '%s\n' $ids | head -3); do
    "$COLORIZE" infer "$DATA/line/$id.png" --hints "$RUN/hints/$id.hints5.png" --model "$RUN" \
        -o "$RUN/samples/${id}_hinted.png" --force --threads "$THREADS" >/dev/null
done

# The demo's own model directory (replaced on every run); every command above names its
# model with --model, so the shipped models/default is neither read nor written.
say "6/6 exporting $RUN -> $MODEL (float16 weights)"
"$COLORIZE" export "$RUN" "$MODEL" --half --force >/dev/null

cat >&2 <<EOF

demo: done.
  dataset        $DATA  (OpenMoji 17, CC BY-SA 4.0 - credit OpenMoji)
  training run   $RUN   (config.json, checkpoints/, TensorBoard events)
  figures        $RUN/eval.txt (table above), $RUN/eval.json
  contact sheets $RUN/test-sheet-hints{0,5,20}.png (rows: line + hints | output | target)
  coloured       $RUN/samples/*_color.png, with hints: $RUN/samples/*_hinted.png
  model          $MODEL  (README.md = model card)
  TensorBoard    .venv/bin/tensorboard --logdir runs
  your sketch    $COLORIZE infer sketch.png --model $MODEL   (writes sketch_color.png;
                 without --model: the shipped model, see \`$COLORIZE info\`)
  with hints     $COLORIZE infer sketch.png --model $MODEL --hint 120,80,#ff8800 --hints my-hints.png
EOF
