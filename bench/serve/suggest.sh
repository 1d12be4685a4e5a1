#!/usr/bin/env bash
# bench/serve/suggest.sh: `POST /api/suggest` latency on `colorize serve` over loopback for a
# real 512 px sketch (issue 25's goal: at most 300 ms p50 with the shipped model, so the page
# can refresh its markers after every stroke), then, unless --no-page, the page in Chromium
# against the same server (tests/browser/page.test.mjs: one hint stroke, its markers checked)
# for the screenshots with the markers (OUT/serve-page-suggest.png).
# Usage: bench/serve/suggest.sh [--requests 20] [--sketch PNG] [--out DIR] [--no-page]
# The binary: COLORIZE=... or target/release/colorize (`cargo build --release --bin colorize`);
# the model: MODEL=... or models/default.
set -euo pipefail
cd "$(dirname "$0")/../.."
requests=20 sketch=data/openmoji-512/line/1F30E.png out=bench/out/serve-suggest page=1
while [ $# -gt 0 ]; do
    case "$1" in
        --requests) requests="$2"; shift 2 ;;
        --sketch) sketch="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --no-page) page=0; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "bench/serve/suggest.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
bin=${COLORIZE:-target/release/colorize}
model=${MODEL:-models/default}
[ -x "$bin" ] || { echo "no $bin: cargo build --release --bin colorize" >&2; exit 1; }
[ -f "$sketch" ] || { echo "no sketch $sketch" >&2; exit 1; }
cargo build --quiet --release --example serve_load
load=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples/serve_load
mkdir -p "$out"
rm -f "$out/url.txt"
"$bin" serve --model "$model" --port 0 >"$out/url.txt" 2>"$out/server.log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/url.txt" ] && break; sleep 0.1; done
url=$(head -1 "$out/url.txt")
echo "server $bin (pid $pid) at $url with $model; sketch $sketch; $(nproc) cores"
# Warm-up, then the measured run: one client, as the page sends them (n 5, the model's work size).
"$load" --url "$url" --pid "$pid" --sketch "$sketch" --suggest 5 --work-size auto \
    --requests 3 --seconds 60 >/dev/null
"$load" --url "$url" --pid "$pid" --sketch "$sketch" --suggest 5 --work-size auto \
    --requests "$requests" --seconds 300
if [ "$page" = 1 ]; then
    # A blue stroke in the ocean left of the continent (sketch pixels), palette key 5.
    (cd tests/browser && node page.test.mjs --url "${url%/}/" --sketch "../../$sketch" \
        --out "$(cd ../.. && realpath "$out")" --stroke 120,250,120,330 --key 5 \
        --colour '#1e88e5' --max-distance 200)
fi
trap - EXIT
kill -INT "$pid"
if wait "$pid"; then echo "server stopped cleanly (exit 0)"; else echo "server exit status $?"; exit 1; fi
