#!/usr/bin/env bash
# bench/suggest: the hint-efficiency curve (`colorize eval --suggest`, issue 25) on the test
# split of each dataset, one JSON per dataset and style, then one chart of all of them.
# Usage: bench/suggest/run.sh [--style soft|flat|shaded] [--limit N] [--steps K]
#          [--bin PATH] [--out DIR] [--force] [DATASET...]
# Default datasets: data/{openmoji,streamline,fluent-emoji,dicebear,emojione}-128 that exist.
# A dataset whose JSON is already in --out is not run again (--force runs it again).
# The chart: bench/suggest/plot.py, in its own virtualenv with matplotlib (made once).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
style=soft limit="" steps=10 bin="$root/target/release/colorize" out="$root/bench/out/suggest" force=0
data=()
while [ $# -gt 0 ]; do
    case "$1" in
        --style) style="$2"; shift 2 ;;
        --limit) limit="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        -*) echo "bench/suggest: unknown option $1" >&2; exit 2 ;;
        *) data+=("$1"); shift ;;
    esac
done
if [ ${#data[@]} -eq 0 ]; then
    for d in openmoji streamline fluent-emoji dicebear emojione; do
        [ -f "$root/data/$d-128/manifest.jsonl" ] && data+=("$root/data/$d-128")
    done
fi
[ ${#data[@]} -gt 0 ] || { echo "bench/suggest: no dataset (give DATASET, see DATA.md)" >&2; exit 2; }
if [ ! -x "$bin" ]; then
    echo "bench/suggest: building the release binary" >&2
    (cd "$root" && cargo build --release --bin colorize)
fi
mkdir -p "$out"
files=()
for d in "${data[@]}"; do
    name="$(basename "$d")"
    file="$out/curve-$style-$name.json"
    files+=("$file")
    if [ -s "$file" ] && [ "$force" = 0 ]; then
        echo "bench/suggest: $file exists (--force runs it again)" >&2
        continue
    fi
    echo "bench/suggest: $name ($style)" >&2
    "$bin" eval --suggest "$steps" --style "$style" --data "$d" --json \
        ${limit:+--limit "$limit"} > "$file.tmp"
    mv "$file.tmp" "$file"
done
venv="$here/.venv"
if ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
    echo "bench/suggest: installing matplotlib into $venv (one-time)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet matplotlib
fi
"$venv/bin/python" "$here/plot.py" --out "$out/curve-$style.png" "${files[@]}"
