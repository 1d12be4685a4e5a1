#!/usr/bin/env bash
# bench/serve: load on `colorize serve` over loopback, bounded in requests and time.
# Starts the server (the binary of `make setup` unless COLORIZE=... names another) with the
# default model (or MODEL=...), runs the load generator with 1 and 4 clients (and the flat
# and shaded styles with 1), then stops
# the server with Ctrl-C (SIGINT) and checks it exits cleanly: every request answered, no
# crash. Usage: bench/serve/run.sh [REQUESTS_PER_RUN]
set -euo pipefail
cd "$(dirname "$0")/../.."
requests=${1:-40}
bin=${COLORIZE:-target/debug/colorize}
model=${MODEL:-models/default}
cargo build --quiet --example serve_load
load=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/serve_load
mkdir -p bench/out
log=bench/out/serve-server.log
"$bin" serve --model "$model" --port 0 >bench/out/serve-url.txt 2>"$log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s bench/out/serve-url.txt ] && break; sleep 0.1; done
url=$(head -1 bench/out/serve-url.txt)
echo "server $bin (pid $pid) at $url with $model; $(nproc) cores"
"$load" --url "$url" --pid "$pid" --clients 1 --requests 5 --seconds 60 >/dev/null   # warm-up
for clients in 1 4; do
    "$load" --url "$url" --pid "$pid" --clients "$clients" --requests "$requests" --seconds 300
done
"$load" --url "$url" --pid "$pid" --clients 1 --requests "$requests" --seconds 300 --hints
# The styles that finish over the sketch's areas (soft is the default rows above).
for style in flat shaded; do
    "$load" --url "$url" --pid "$pid" --clients 1 --requests "$requests" --seconds 300 --style "$style"
done
"$load" --url "$url" --pid "$pid" --clients 1 --requests "$((requests / 2))" --seconds 300 --work-size 512
"$load" --url "$url" --pid "$pid" --clients 16 --requests "$((requests * 2))" --seconds 300
# Resident memory once the server is idle (it hands freed memory back when its queue empties)
# against its peak.
sleep 1
grep -E '^(VmHWM|VmRSS)' "/proc/$pid/status" | tr -s ' \t' ' ' | paste -sd ';' | sed 's/^/server memory after the load, idle: /'
trap - EXIT
kill -INT "$pid"
if wait "$pid"; then echo "server stopped cleanly (exit 0)"; else echo "server exit status $?"; exit 1; fi
