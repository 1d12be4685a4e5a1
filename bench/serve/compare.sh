#!/usr/bin/env bash
# bench/serve/compare.sh BASE_BIN NEW_BIN [ROUNDS]: p50 of `colorize serve` for two binaries,
# alternated on the same machine (one server at a time), 1 client, work size 128, 40 requests
# after 5 of warm-up; the base binary with the server's default style (it may predate the
# `style` field), the new one with the default, flat and shaded. bench/README.md, "## serve".
set -euo pipefail
cd "$(dirname "$0")/../.."
base=$1 new=$2 rounds=${3:-3}
model=${MODEL:-models/default}
cargo build --quiet --example serve_load
load=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/serve_load
mkdir -p bench/out
run_server() { # BIN LABEL STYLE...
    local bin=$1 label=$2 url_file=bench/out/compare-url.txt; shift 2
    rm -f "$url_file"
    "$bin" serve --model "$model" --port 0 >"$url_file" 2>"bench/out/compare-$label.log" &
    local pid=$!
    for _ in $(seq 300); do [ -s "$url_file" ] && break; sleep 0.1; done
    local url; url=$(head -1 "$url_file")
    "$load" --url "$url" --pid "$pid" --clients 1 --requests 5 --seconds 60 >/dev/null
    for style in "$@"; do
        local flag=(); [ "$style" != default ] && flag=(--style "$style")
        local out; out=$("$load" --url "$url" --pid "$pid" --clients 1 --requests 40 --seconds 300 "${flag[@]}")
        echo "$label $style load=$(cut -d' ' -f1 /proc/loadavg) $(grep -o 'p50 [0-9.]* ms, p99 [0-9.]* ms' <<<"$out") $(grep -o '200: [0-9]*' <<<"$out")"
    done
    kill -INT "$pid"; wait "$pid"
}
for _ in $(seq "$rounds"); do
    run_server "$base" base default
    run_server "$new" new default flat shaded
done
