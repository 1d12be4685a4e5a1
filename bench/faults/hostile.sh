#!/usr/bin/env bash
# Runs every hostile input of hostile.py through `prep` and `colorize infer`, one file at a
# time, and then whole directories (symlink loops, non-UTF-8 names, a directory named
# x.png), printing per run: exit code, peak memory (VmHWM via /usr/bin/time -v) and the
# first line the program printed on stderr. Usage: hostile.sh [WORKDIR]
# Needs a model for infer: $MODEL (default: a 32 px ngf-4 model trained here in seconds).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export COLORIZE_BIN_DIR=${COLORIZE_BIN_DIR:-$here/../../target/release}
bin=$COLORIZE_BIN_DIR
work=${1:-$(mktemp -d)}
mkdir -p "$work"
python3 "$here/hostile.py" "$work/in" >/dev/null
if [ -z "${MODEL:-}" ]; then
  MODEL=$work/model
  if [ ! -f "$MODEL/generator.safetensors" ]; then
    python3 -c "import sys; sys.path.insert(0, '$here'); from common import tiny_dataset; tiny_dataset('$work')"
    "$bin/colorize" train --data "$work/ds" --out "$MODEL" --steps 2 --size 32 --ngf 4 --ndf 4 \
      --device cpu --threads 1 >/dev/null 2>&1 || { echo "cannot train the tiny model" >&2; exit 1; }
  fi
fi
measure() { # name, command...: exit code, peak RSS, seconds, the line saying what happened
  local name=$1; shift
  /usr/bin/time -f '%x %M %e' -o "$work/time" timeout 120 "$@" >/dev/null 2>"$work/err"
  read -r code rss secs < <(tail -1 "$work/time") || true
  # The error or skip line (not the start-up log lines), else the last line.
  local msg; msg=$(grep -E '^(error|skipped|Error)|panicked' "$work/err" | head -1)
  [ "$code" = 0 ] && [ -z "$msg" ] && msg="(done)"
  [ -n "$msg" ] || msg=$(grep -v '^\s*$' "$work/err" | tail -1)
  printf '| %s | %s | %s | %.0f MB | %.1f s | %s |\n' "$name" "$(basename "$1")" "$code" \
    "$(echo "${rss:-0}/1024" | bc -l)" "${secs:-0}" "$(echo "${msg:0:140}" | tr '|' '/')"
}
echo "| input | tool | exit | peak memory | time | what it said |"
echo "|---|---|---|---|---|---|"
for f in "$work"/in/*; do
  name=$(basename "$f"); name=${name//[^[:print:]]/?}
  [ -L "$f" ] || [ -d "$f" ] || [[ "$name" == *'?'* ]] && continue
  rm -rf "$work/out"
  measure "$name" "$bin/prep" "$f" -o "$work/out" --size 32 --upscale
  rm -rf "$work/o.png"
  measure "$name" "$bin/colorize" infer "$f" -o "$work/o.png" --model "$MODEL" --device cpu --threads 1
done
rm -rf "$work/out" "$work/outdir"
measure "(whole directory)" "$bin/prep" "$work/in" -o "$work/out" --size 32 --upscale
measure "(whole directory)" "$bin/colorize" infer "$work/in" -o "$work/outdir" --model "$MODEL" --device cpu --threads 1
echo "prep skipped.txt:"; sed 's/^/  /' "$work/out/skipped.txt" 2>/dev/null | cut -c1-160

# The same files as uploads to `colorize serve` (one server for all): the HTTP status and
# the JSON error of each, then the server's peak memory and a health check at the end.
echo
echo "| input | POST /api/colorize | answer |"
echo "|---|---|---|"
"$bin/colorize" serve --model "$MODEL" --port 0 --threads 1 >"$work/url" 2>"$work/serve.log" &
spid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -1 "$work/url")
for f in "$work"/in/*; do
  name=$(basename "$f"); name=${name//[^[:print:]]/?}
  [ -L "$f" ] || [ -d "$f" ] || [[ "$name" == *'?'* ]] && continue
  code=$(curl -s -o "$work/answer" -w '%{http_code}' --max-time 120 -F "sketch=@$f" "${url}api/colorize")
  if [ "$code" = 200 ]; then answer="a PNG of $(file -b "$work/answer" | cut -d, -f2 | tr -d ' ')"
  else answer=$(head -c 140 "$work/answer" | tr '|' '/'); fi
  printf '| %s | %s | %s |\n' "$name" "$code" "$answer"
done
printf 'server peak memory %s, /healthz after all: %s\n' \
  "$(grep VmHWM /proc/$spid/status | awk '{printf "%.0f MB", $2/1024}')" \
  "$(curl -s --max-time 10 "${url}healthz")"
kill -INT "$spid"; wait "$spid"; echo "server exit status $?"
