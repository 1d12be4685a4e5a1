#!/usr/bin/env bash
# Issue 26's figures for one model, as JSON under OUT (default bench/out/outline/LABEL):
#   sources.json  every training source's test split (the outline sources at 256 px, scored
#                 at 128) at 0 and 20 hints, with the grey baseline
#   rough.json    the same on each split's rough copy (`rough-copy`, seed 0)
#   emojione.json the held-out EmojiOne pairs (never trained on) at 0 hints, grey baseline
#   effects.json  four sources' test splits with one rough effect alone (`rough-copy --only`)
#                 and clean, at 0 and 20 hints: what each effect costs
#   sizes.json    the outline drawings' held-out pairs at work sizes 128, 256 and 512 px,
#                 finished raw, soft and flat (PSNR, colourfulness, hue JSD, mottle, leak)
# Usage: bench/outline/run.sh MODEL LABEL   (after bench/outline/data.sh has made the data)
# A quicker screening of candidates: PARTS (any of sources rough effects emojione sizes,
# default all)
# and SIZES (work sizes for `sizes`, default "128 256 512"), e.g.
#   PARTS="sources emojione sizes" SIZES=128 bash bench/outline/run.sh models/x x
# Compare two models with: python3 bench/outline/table.py bench/out/outline/A bench/out/outline/B
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1 label=$2
COLORIZE=${COLORIZE:-target/release/colorize}
out=${OUT:-bench/out/outline/$label}
mkdir -p "$out"
sources=(data/openmoji-128 data/fluent-emoji-128 data/streamline-128 data/dicebear-128
    data/openclipart-256 data/open-peeps-256)
args() { for d in "$@"; do printf -- '--data\n%s\n' "$d"; done; }
run() { # NAME ARGS...: one eval, its JSON kept
    local name=$1
    shift
    printf 'bench/outline: %s %s\n' "$label" "$name" >&2
    # shellcheck disable=SC2086 # EVAL_ARGS: extra eval options, word-split on purpose
    "$COLORIZE" eval --model "$model" --split test --json ${EVAL_ARGS:-} "$@" >"$out/$name.json.tmp"
    mv "$out/$name.json.tmp" "$out/$name.json"
}
parts=" ${PARTS:-sources rough effects emojione sizes} "
read -r -a sizes <<<"${SIZES:-128 256 512}"
want() { [[ $parts == *" $1 "* ]]; }
if want sources; then
    mapfile -t a < <(args "${sources[@]}")
    run sources "${a[@]}" --hints 0,20 --baseline gray
fi
if want rough; then
    mapfile -t a < <(args "${sources[@]/%/-rough}")
    run rough "${a[@]}" --hints 0,20 --baseline gray
fi
if want effects; then
    fx=()
    for d in openmoji-128 dicebear-128 openclipart-256 open-peeps-256; do
        fx+=("data/$d")
        for e in thicken wobble gaps grain paper blur noise jpeg; do fx+=("data/$d-only-$e"); done
    done
    mapfile -t a < <(args "${fx[@]}")
    run effects "${a[@]}" --hints 0,20
fi
want emojione && run emojione --data data/emojione-128 --hints 0 --baseline gray
if want sizes; then
    held=()
    for src in openclipart open-peeps; do
        for s in "${sizes[@]}"; do held+=("data/$src-held-$s"); done
    done
    mapfile -t a < <(args "${held[@]}")
    run sizes "${a[@]}" --style raw,soft,flat --baseline gray
fi
