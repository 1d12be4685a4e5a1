#!/usr/bin/env bash
# Directory mode, binary against binary (e.g. the same build with the helpers' nice value
# changed): the colorize binaries given alternate, ROUNDS times, on N copies of
# bench/out/infer/sketch512.png (bench/infer/run.sh makes it and the ngf-64 model), for the
# shipped model and the ngf-64 one at work sizes 128 and 512. Per run: the median network
# ms of `--timings` (first image dropped) and images/s = (N - 2) / (wall(N) - wall(2)).
#   N=17 ROUNDS=3 bash bench/infer/dir_ab.sh /tmp/colorize-a target/release/colorize
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/out/dirab N=${N:-17} ROUNDS=${ROUNDS:-3}
rm -rf "$OUT/two" "$OUT/many"
mkdir -p "$OUT/two" "$OUT/many"
for f in s t; do cp bench/out/infer/sketch512.png "$OUT/two/$f.png"; done
for i in $(seq 1 "$N"); do cp bench/out/infer/sketch512.png "$OUT/many/s$(printf %03d "$i").png"; done
wall() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" 2>"$OUT/t.txt" >/dev/null
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
for r in $(seq "$ROUNDS"); do
    for model in models/default bench/out/infer/model-ngf64; do
        for ws in 128 512; do
            for bin in "$@"; do
                args=(--force --model "$model" --threads 2 --work-size "$ws")
                two=$(wall "$bin" infer "$OUT/two" -o "$OUT/o2" "${args[@]}")
                many=$(wall "$bin" infer "$OUT/many" -o "$OUT/on" "${args[@]}" --timings)
                net=$(sed -n 's/.*network \([0-9.]*\) ms.*/\1/p' "$OUT/t.txt" | tail -n +2 |
                    sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
                ips=$(echo "($N - 2) / ($many - $two)" | bc -l | cut -c1-6)
                echo "$(basename "$model") $ws $bin network_median_ms $net images_per_s $ips"
            done
        done
    done
    echo "round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
