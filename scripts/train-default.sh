#!/usr/bin/env bash
# Retrains the shipped default model (models/default): a hint-aware pix2pix (U-Net ngf 32,
# PatchGAN ndf 64, 128 px) on the union of every prepared source, evaluated per source at 0
# and 20 hints next to the grey baseline, exported in float16.
#
#   bash scripts/train-default.sh                 # fetch + prep what is missing, train, eval, export
#   STEPS=2000 DEVICE=cpu bash scripts/train-default.sh
#
# Re-running resumes an interrupted run (resume is exact). Settings (environment):
#   COLORIZE   the colorize binary            [target/release/colorize, built if missing]
#   RUN        the run directory              [runs/default]
#   DEST       where the model is exported    [models/default]
#   STEPS      generator updates              [20000]
#   BATCH      images per batch               [32]
#   NGF, NDF   network widths                 [32, 64]
#   DEVICE     auto | cpu | cuda              [auto]
#   AMP        1: bfloat16 autocast on CUDA    [1]
#   LOADERS    PNG-decoding threads           [cores - 2, at least 2]
#   THREADS    libtorch CPU threads            [libtorch's choice]
#   TRAINED_ON the hardware and budget, for the model card [what this script measures]
#   DATASETS   the sources, DIR[:WEIGHT] each [see below]
#   SKIP_FETCH 1: use data/*-128 as they are (no fetch, no prep)
set -euo pipefail
cd "$(dirname "$0")/.."

COLORIZE=${COLORIZE:-target/release/colorize}
PREP=${PREP:-target/release/prep}
RUN=${RUN:-runs/default}
DEST=${DEST:-models/default}
STEPS=${STEPS:-20000}
BATCH=${BATCH:-32}
NGF=${NGF:-32}
NDF=${NDF:-64}
DEVICE=${DEVICE:-auto}
AMP=${AMP:-1}
cores=$(nproc)
LOADERS=${LOADERS:-$((cores > 4 ? cores - 2 : 2))}
# Each source, optionally with a sampling weight (`--data DIR:W`). The shipped model used
# weight 1 for all; Fluent x3 + Streamline x2 was tried (bench/README.md: better figures
# without hints, worse hint following).
read -r -a DATASETS <<<"${DATASETS:-data/openmoji-128 data/fluent-emoji-128 data/streamline-128 data/dicebear-128}"

say() { printf 'train-default: %s\n' "$*" >&2; }

if [ ! -x "$COLORIZE" ] || { [ "${SKIP_FETCH:-0}" != 1 ] && [ ! -x "$PREP" ]; }; then
    say "building the release binaries (cargo build --release)"
    cargo build --release --quiet --bins
fi

if [ "${SKIP_FETCH:-0}" != 1 ]; then
    # One fetch script per source; each prints `src:` and `lines:` folders.
    for pair in openmoji:openmoji fluent-emoji:fluent-emoji streamline:streamline dicebear:dicebear; do
        name=${pair%%:*}
        out=data/$name-128
        [ -f "$out/manifest.jsonl" ] && continue
        say "fetching and preparing $name"
        fetched=$(bash "scripts/fetch-$name.sh")
        src=$(printf '%s\n' "$fetched" | sed -n 's/^src: *//p')
        lines=$(printf '%s\n' "$fetched" | sed -n 's/^lines: *//p')
        RUST_LOG=${RUST_LOG:-info,usvg=error} "$PREP" "$src" --lines "$lines" -o "$out" -q
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

start=$(date +%s)
if [ -f "$RUN/checkpoints/step-$STEPS.safetensors" ]; then
    say "$RUN already trained for $STEPS steps"
elif [ -f "$RUN/config.json" ]; then
    say "resuming $RUN"
    "$COLORIZE" train --resume "$RUN" --device "$DEVICE" "${thread_args[@]}" --json-log
else
    say "training $RUN: $STEPS steps of $BATCH, ngf $NGF, ndf $NDF, 128 px, device $DEVICE"
    "$COLORIZE" train "${data_args[@]}" --out "$RUN" --steps "$STEPS" --batch-size "$BATCH" \
        --ngf "$NGF" --ndf "$NDF" --size 128 --device "$DEVICE" --loader-threads "$LOADERS" \
        --save-every 1000 --sample-every 1000 --val-every 1000 --json-log \
        "${amp_args[@]}" "${thread_args[@]}"
fi
took=$(($(date +%s) - start))

say "evaluating on every source's test split at 0 and 20 hints, with the grey baseline"
"$COLORIZE" eval --model "$RUN" "${eval_args[@]}" --split test --hints 0,20 --baseline gray \
    --device "$DEVICE" --save-sheet "$RUN/test-sheet.png" -n 16 | tee "$RUN/eval.txt"

trained_on=${TRAINED_ON:-"$STEPS steps of batch $BATCH; this invocation trained for ${took} s on $("$COLORIZE" info | sed -n 's/^device *//p' | head -1)"}
say "exporting $RUN -> $DEST (float16 weights)"
"$COLORIZE" export "$RUN" "$DEST" --half --force --trained-on "$trained_on"
