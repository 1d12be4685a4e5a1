#!/usr/bin/env bash
# Retrains the default model on a lent GPU machine: several recipes side by side on the one
# GPU (each with its own loader threads and 2 libtorch CPU threads; the step is bound by the
# CPU thread that launches the kernels, so two runs share an H200 at full speed each), all
# through scripts/train-default.sh, so the best one can ship and the others are measured
# alternatives. GPU utilisation is sampled by nvidia-smi. What comes back is packed into at
# most 8 files in $OUT: per variant the float16 weights in 15 MiB parts (reassemble: cat
# NAME-gen.part-* > generator.safetensors) and NAME-run.tar (the run's config.json, log,
# console output, the exported model's card and config); gpu.tar (log and utilisation).
# Back here, `bash bench/gpu/unpack.sh FILES_AT` makes models/gpu-NAME of each variant.
# Carried from the build machine: the colorize binary ($BIN) and the datasets ($DATA, a
# scripts/pack-datasets.sh tarball), plus the models named in INIT_FROM.
#   OUT=/tmp/out STEPS=20000 TIME_LIMIT=420 bash bench/gpu/retrain-default.sh
#   VARIANTS="c|data/a-128 data/b-128|0.5|8" INIT_FROM=runs/init SKIP_EVAL=1 ...
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT to the folder to bring back}
STEPS=${STEPS:-20000}
TIME_LIMIT=${TIME_LIMIT:-420}
BIN=${BIN:-target/release/colorize}
DATA=${DATA:-data/datasets-128.tar.xz}
work=$(mktemp -d)
mkdir -p "$OUT" runs
say() { printf 'gpu: %s\n' "$*" | tee -a "$work/gpu.log" >&2; }

smi=
trap '[ -z "$smi" ] || kill "$smi" 2>/dev/null || true' EXIT

all="data/openmoji-128 data/fluent-emoji-128 data/streamline-128 data/dicebear-128"
# name | datasets | share of samples without hints | mean hints per hinted sample [| ngf,
# default NGF or 32]
if [ -n "${VARIANTS:-}" ]; then
    mapfile -t variants < <(printf '%s\n' "$VARIANTS" | tr ';' '\n')
else
    variants=(
        "a|data/openmoji-128 data/fluent-emoji-128:2 data/streamline-128:2 data/dicebear-128|0.5|8"
        "b|$all|0.5|8"
    )
fi
# The machine's own libtorch (torch 2.11.0, as the binary was built against); TORCH_LIB
# overrides it (a CPU rehearsal here: the project's .venv torch).
torch_dir=${TORCH_LIB:-$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib}
export LD_LIBRARY_PATH=$torch_dir:${LD_LIBRARY_PATH:-}
# Unpack the datasets the variants name that are not here yet.
# shellcheck disable=SC2086 # $ds: the variant's datasets, word-split on purpose
missing=$(for v in "${variants[@]}"; do IFS='|' read -r _ ds _ <<<"$v"; printf '%s\n' $ds; done |
    sed 's/:[^/]*$//' | sort -u | while read -r d; do [ -f "$d/manifest.jsonl" ] || echo "$d"; done)
if [ -n "$missing" ]; then
    say "unpacking $DATA for: $(printf '%s ' $missing)"
    tar -xJf "$DATA" -C data
fi
"$BIN" info >"$work/info.txt" 2>&1
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || true)
gpu=${gpu:-no GPU (${DEVICE:-cuda})}
: >"$work/gpu-util.csv"
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -l 1 \
    >"$work/gpu-util.csv" 2>/dev/null &
smi=$!
amp_words=", float32"
[ "${AMP:-1}" = 1 ] && amp_words=", bf16 autocast (--amp)"
loaders=$((($(nproc) - 4) / ${#variants[@]}))
[ "$loaders" -ge 1 ] || loaders=1
pids=()
for v in "${variants[@]}"; do
    IFS='|' read -r name datasets none mean ngf <<<"$v"
    ngf=${ngf:-${NGF:-32}}
    say "variant $name: $datasets, none share $none, mean count $mean, ngf $ngf, $STEPS steps, init ${INIT_FROM:-none}, $(date +%T)"
    COLORIZE=$BIN SKIP_FETCH=1 RUN="runs/default-$name" DEST="$work/model-$name" STEPS=$STEPS \
        BATCH=${BATCH:-32} AMP=${AMP:-1} DEVICE=${DEVICE:-cuda} LOADERS=$loaders THREADS=2 NGF=$ngf NONE_SHARE=$none MEAN_COUNT=$mean \
        DATASETS="$datasets" TIME_LIMIT=$TIME_LIMIT INIT_FROM=${INIT_FROM:-} BASE_STEPS=0 \
        TRAINED_ON="1x $gpu shared by ${#variants[@]} training runs at once, batch ${BATCH:-32}$amp_words; this run trained for {seconds} s" \
        bash scripts/train-default.sh >"runs/train-$name.txt" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || say "a variant FAILED (see train-*.txt)"; done
say "done $(date +%T)"
kill $smi 2>/dev/null || true
for v in "${variants[@]}"; do
    name=${v%%|*}
    run=runs/default-$name
    m=$work/model-$name
    cp "runs/train-$name.txt" "$run/" 2>/dev/null || true
    cp "$m/README.md" "$run/model-card.md" 2>/dev/null || true
    cp "$m/config.json" "$run/model-config.json" 2>/dev/null || true
    tar -cf "$OUT/$name-run.tar" -C "$run" --exclude=checkpoints --exclude=generator.safetensors \
        --exclude='events.out.tfevents*' . || say "no run files for $name"
    [ -f "$m/generator.safetensors" ] && split -b 15M -d "$m/generator.safetensors" "$OUT/$name-gen.part-"
done
tar -cf "$OUT/gpu.tar" -C "$work" gpu.log gpu-util.csv info.txt
ls -la "$OUT"
