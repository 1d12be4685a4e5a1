#!/usr/bin/env bash
# Retrains the shipped default model (models/default): a hint-aware pix2pix (U-Net ngf 32,
# PatchGAN ndf 64, 128 px) on the union of every prepared source, evaluated per source at 0
# and 20 hints next to the grey baseline, exported in float16. Two stages, as the shipped
# model was made: BASE_STEPS from scratch ($RUN-base, hints on half the samples, 8 on
# average), then STEPS as a fine-tune of it (--init-from) with more hints (NONE_SHARE,
# MEAN_COUNT); the second stage is what gets evaluated and exported.
#
#   bash scripts/train-default.sh                 # fetch + prep what is missing, train, eval, export
#   BASE_STEPS=2000 STEPS=1000 DEVICE=cpu bash scripts/train-default.sh   # a smaller budget
#
# Re-running resumes an interrupted run (resume is exact). Settings (environment):
#   COLORIZE   the colorize binary            [target/release/colorize, built if missing]
#   RUN        the run directory              [runs/default]
#   DEST       where the model is exported    [models/default]
#   BASE_STEPS steps of the first stage; 0: one stage only (RUN from INIT_FROM or scratch) [20000]
#   STEPS      steps of the (second) stage     [12000]
#   BATCH      images per batch               [32]
#   NGF, NDF   network widths                 [32, 64]
#   DEVICE     auto | cpu | cuda              [auto]
#   AMP        1: bfloat16 autocast on CUDA    [1]
#   LOADERS    PNG-decoding threads           [cores - 2, at least 2]
#   THREADS    libtorch CPU threads            [libtorch's choice]
#   TRAINED_ON the hardware and budget, for the model card; {seconds} becomes the seconds
#              this invocation trained [what this script measures]
#   DATASETS   the sources, DIR[:WEIGHT] each [see below]
#   NONE_SHARE share of training samples shown without hints [0.3; first stage 0.5]
#   MEAN_COUNT mean number of hints of a hinted training sample [12; first stage 8]
#   INIT_FROM  a model to start the generator from (`--init-from`: a fine-tune) [none]
#   SKIP_EVAL  1: no evaluation before the export (evaluate later with `colorize eval`)
#   TIME_LIMIT seconds after which training stops as by Ctrl-C (checkpoint saved; evaluation
#              and export go on with the steps done; re-run to finish) [none]
#   SKIP_FETCH 1: use the data/* folders as they are (no fetch, no prep)
#   SCALE_MAX  --scale-max: crops of pictures resized up to this side (large areas) [256]
#   ROUGH      --rough: share of samples with hand-drawn/scanned line art [0.3]
#   SAVE_EVERY checkpoint every N steps [1000]
#   LR         --lr: the learning rate of both networks [train's default, 2e-4 for vanilla]
#   EXPORT     how the exported weights are stored: half (float16) or int8 (8-bit, half
#              the file again: what lets a wider generator fit models/'s 32 MB) [half]
set -euo pipefail
cd "$(dirname "$0")/.."

COLORIZE=${COLORIZE:-target/release/colorize}
PREP=${PREP:-target/release/prep}
RUN=${RUN:-runs/default}
DEST=${DEST:-models/default}
BASE_STEPS=${BASE_STEPS:-20000}
STEPS=${STEPS:-12000}
BATCH=${BATCH:-32}
NGF=${NGF:-32}
NDF=${NDF:-64}
DEVICE=${DEVICE:-auto}
AMP=${AMP:-1}
NONE_SHARE=${NONE_SHARE:-0.3}
MEAN_COUNT=${MEAN_COUNT:-12}
INIT_FROM=${INIT_FROM:-}
SCALE_MAX=${SCALE_MAX:-256}
ROUGH=${ROUGH:-0.3}
SAVE_EVERY=${SAVE_EVERY:-1000}
LR=${LR:-}
EXPORT=${EXPORT:-half}
case "$EXPORT" in
    half | int8) ;;
    *) printf 'train-default: EXPORT must be half or int8, not %s\n' "$EXPORT" >&2; exit 2 ;;
esac
cores=$(nproc)
LOADERS=${LOADERS:-$((cores > 4 ? cores - 2 : 2))}
# Each source, optionally with a sampling weight (`--data DIR:W`). Weight 1 each for the emoji,
# icon and avatar sets: Fluent x2 + Streamline x2 was measured worse at following hints
# (bench/README.md, "gpu"). The drawn-outline sources are prepared at 256 px, so that
# --scale-max crops show their large areas; openclipart's 655 training drawings count x3.
read -r -a DATASETS <<<"${DATASETS:-data/openmoji-128 data/fluent-emoji-128 data/streamline-128 data/dicebear-128 data/openclipart-256:3 data/open-peeps-256}"

say() { printf 'train-default: %s\n' "$*" >&2; }

if [ ! -x "$COLORIZE" ] || { [ "${SKIP_FETCH:-0}" != 1 ] && [ ! -x "$PREP" ]; }; then
    say "building the release binaries (cargo build --release --workspace --bins)"
    cargo build --release --quiet --workspace --bins
fi

if [ "${SKIP_FETCH:-0}" != 1 ]; then
    # One fetch script per source; each prints `src:` and `lines:` folders.
    # fetch script:prepared size
    for pair in openmoji:128 fluent-emoji:128 streamline:128 dicebear:128 \
        openclipart-outlines:256 open-peeps:256; do
        name=${pair%%:*}
        size=${pair##*:}
        out=data/${name%-outlines}-$size
        [ -f "$out/manifest.jsonl" ] && continue
        say "fetching and preparing $name"
        fetched=$(bash "scripts/fetch-$name.sh")
        src=$(printf '%s\n' "$fetched" | sed -n 's/^src: *//p')
        lines=$(printf '%s\n' "$fetched" | sed -n 's/^lines: *//p')
        RUST_LOG=${RUST_LOG:-info,usvg=error} "$PREP" "$src" --lines "$lines" -o "$out" \
            --size "$size" -q
    done
fi
data_args=()
eval_args=()
for d in "${DATASETS[@]}"; do
    dir=${d%:*}
    [ -f "$dir/manifest.jsonl" ] || { say "missing dataset $dir"; exit 1; }
    data_args+=(--data "$d")
    eval_args+=(--data "$dir")
done

amp_args=()
[ "$AMP" = 1 ] && amp_args=(--amp)
thread_args=()
[ -n "${THREADS:-}" ] && thread_args=(--threads "$THREADS")
lr_args=()
[ -n "$LR" ] && lr_args=(--lr "$LR")

limit=()
[ -n "${TIME_LIMIT:-}" ] && limit=(timeout -s INT "$TIME_LIMIT")
# A stop at TIME_LIMIT (timeout's 124) is not a failure: the run saved its checkpoint.
stopped() {
    local rc=$?
    [ $rc = 124 ] || exit $rc
    say "stopped at the time limit ($TIME_LIMIT s); re-run to finish"
}

# train_stage RUN STEPS NONE_SHARE MEAN_COUNT INIT: trains (or resumes, or skips when done)
# one run.
train_stage() {
    local run=$1 steps=$2 none=$3 mean=$4 init=$5
    local init_args=()
    [ -n "$init" ] && init_args=(--init-from "$init")
    if [ -f "$run/checkpoints/step-$steps.safetensors" ]; then
        say "$run already trained for $steps steps"
    elif [ -f "$run/config.json" ]; then
        say "resuming $run"
        "${limit[@]}" "$COLORIZE" train --resume "$run" --device "$DEVICE" "${thread_args[@]}" \
            --json-log || stopped
    else
        say "training $run: $steps steps of $BATCH, ngf $NGF, ndf $NDF, 128 px, device $DEVICE${init:+, from $init}"
        "${limit[@]}" "$COLORIZE" train "${data_args[@]}" --out "$run" --steps "$steps" \
            --batch-size "$BATCH" --ngf "$NGF" --ndf "$NDF" --size 128 --device "$DEVICE" \
            --loader-threads "$LOADERS" --hint-none-share "$none" --hint-mean-count "$mean" \
            --scale-max "$SCALE_MAX" --rough "$ROUGH" "${init_args[@]}" \
            --save-every "$SAVE_EVERY" --sample-every 1000 --val-every 1000 --json-log \
            "${lr_args[@]}" "${amp_args[@]}" "${thread_args[@]}" || stopped
    fi
}

start=$(date +%s)
if [ "$BASE_STEPS" -gt 0 ] && [ -z "$INIT_FROM" ]; then
    train_stage "$RUN-base" "$BASE_STEPS" 0.5 8 ""
    [ -f "$RUN-base/checkpoints/step-$BASE_STEPS.safetensors" ] || exit 0 # stopped: re-run
    INIT_FROM=$RUN-base
fi
train_stage "$RUN" "$STEPS" "$NONE_SHARE" "$MEAN_COUNT" "$INIT_FROM"
took=$(($(date +%s) - start))

if [ "${SKIP_EVAL:-0}" != 1 ]; then
    say "evaluating on every source's test split at 0 and 20 hints, with the grey baseline"
    "$COLORIZE" eval --model "$RUN" "${eval_args[@]}" --split test --hints 0,20 --baseline gray \
        --device "$DEVICE" --save-sheet "$RUN/test-sheet.png" -n 16 | tee "$RUN/eval.txt"
fi

trained_on=${TRAINED_ON:-"$STEPS steps of batch $BATCH; this invocation trained for {seconds} s on $("$COLORIZE" info | sed -n 's/^device *//p' | head -1)"}
trained_on=${trained_on//\{seconds\}/$took}
say "exporting $RUN -> $DEST ($EXPORT weights)"
"$COLORIZE" export "$RUN" "$DEST" "--$EXPORT" --force --trained-on "$trained_on"
