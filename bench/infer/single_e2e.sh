#!/usr/bin/env bash
# Single sketch end to end, where the time goes: 5 alternating runs of `colorize --help`
# (process start + libtorch load) and of `colorize infer sketch512.png --timings` (work 128)
# with the shipped model and the ngf-64 one (bench/infer/run.sh makes the sketch and the
# model); prints each run's wall ms and its --timings parts. Each infer runs twice: as a user
# runs it (`cuda=auto`: libtorch's CUDA backend loaded only where an NVIDIA driver is) and
# with COLORIZE_CUDA=1 (`cuda=1`: the backend loaded anyway, as every start did when the
# binary linked libtorch_cuda.so).
#   bash bench/infer/single_e2e.sh [BIN (target/release/colorize)]
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-${CARGO_TARGET_DIR:-target}/release/colorize}
O=bench/out/infer
ms() { echo $(( ($2 - $1) / 1000000 )); }
for _ in 1 2 3 4 5; do
    s=$(date +%s%N); "$B" --help >/dev/null; e=$(date +%s%N)
    echo "start-up (--help) $(ms "$s" "$e")"
    for m in models/default "$O/model-ngf64"; do
        for cuda in auto 1; do
            s=$(date +%s%N)
            # COLORIZE_CUDA=auto: any value but 0 and 1 means "where a driver is".
            t=$(COLORIZE_CUDA=$cuda "$B" infer "$O/sketch512.png" -o "$O/single_color.png" --force --model "$m" \
                --threads 2 --timings 2>&1 >/dev/null |
                grep -o "model load [0-9.]*\|decode [0-9.]*\|network [0-9.]*\|finish+write [0-9.]*" |
                tr '\n' ' ')
            e=$(date +%s%N)
            echo "$(basename "$m") cuda=$cuda total $(ms "$s" "$e") $t"
        done
    done
done
