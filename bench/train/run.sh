#!/usr/bin/env bash
# Training-speed benchmark, side by side: the Rust trainer (examples/train_bench.rs, release
# build, `Trainer::step`) against bench/train/pytorch_train.py, the same architecture and
# pix2pix step in PyTorch. Both use the venv's torch 2.11 and the same thread count.
# Each configuration runs in its own process (so peak RSS is per configuration), Rust and
# PyTorch alternating, ROUNDS times; the table shows the best round of each.
#
#   bash bench/train/run.sh                  # 128 px, ngf 64, batch 1 and 16, 2 threads
#   THREADS=4 ROUNDS=3 bash bench/train/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

THREADS=${THREADS:-2}
SIZE=${SIZE:-128}
NGF=${NGF:-64}
BATCHES=${BATCHES:-"1 16"}
ROUNDS=${ROUNDS:-2}
PY=${PY:-.venv/bin/python}
OUT=bench/out/train
mkdir -p "$OUT"
RESULTS="$OUT/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl"

echo "building the Rust benchmark (release)..." >&2
cargo build --release --example train_bench >&2
RUST=target/release/examples/train_bench

for round in $(seq "$ROUNDS"); do
    for b in $BATCHES; do
        # Batch 16 steps take ~10x longer: fewer of them.
        if [ "$b" -ge 8 ]; then warm=1 steps=3; else warm=2 steps=6; fi
        args=(--size "$SIZE" --ngf "$NGF" --batch "$b" --threads "$THREADS" --warmup "$warm" --steps "$steps")
        echo "round $round, batch $b: rust" >&2
        "$RUST" "${args[@]}" | tee -a "$RESULTS"
        echo "round $round, batch $b: pytorch" >&2
        "$PY" bench/train/pytorch_train.py "${args[@]}" | tee -a "$RESULTS"
    done
done

"$PY" - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
best = {}
for r in rows:
    k = (r["batch"], r["impl"])
    if k not in best or r["imgs_per_s"] > best[k]["imgs_per_s"]:
        best[k] = r
peak = {}
for r in rows:
    k = (r["batch"], r["impl"])
    peak[k] = max(peak.get(k, 0), r["peak_rss_mb"])
print(f"\n{len(rows)} runs in {sys.argv[1]}; best images/s of each, highest peak RSS:")
print("| batch | Rust img/s | PyTorch img/s | Rust / PyTorch | Rust peak RSS MiB | PyTorch peak RSS MiB |")
print("|---|---|---|---|---|---|")
for b in sorted({k[0] for k in best}):
    r, p = best.get((b, "rust")), best.get((b, "pytorch"))
    if r and p:
        print(f"| {b} | {r['imgs_per_s']:.3f} | {p['imgs_per_s']:.3f} | "
              f"{r['imgs_per_s'] / p['imgs_per_s']:.2f}x | {peak[(b, 'rust')]:.0f} | {peak[(b, 'pytorch')]:.0f} |")
EOF
