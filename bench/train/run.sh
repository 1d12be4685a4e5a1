#!/usr/bin/env bash
# Training-speed benchmark, side by side: the Rust trainer (examples/train_bench.rs, release
# build, `Trainer::step`) against bench/train/pytorch_train.py, the same architecture and
# pix2pix step in PyTorch. Both use the venv's torch 2.11 and the same thread count.
# Each configuration runs in its own process (so peak RSS is per configuration), Rust and
# PyTorch alternating, ROUNDS times; the table shows medians and bests of the rounds.
#
#   bash bench/train/run.sh                  # 128 px, ngf 64, batch 1 and 16, 2 threads
#   THREADS=4 ROUNDS=3 bash bench/train/run.sh
#   AMPS="0 1" BATCHES=16 ROUNDS=3 bash bench/train/run.sh   # also bfloat16 autocast, both sides
#   PYTORCH_MALLOC=1 BATCHES=16 ROUNDS=5 bash bench/train/run.sh  # and PyTorch given colorize's
#                                             # malloc settings (src/memory.rs) as a third side
set -euo pipefail
cd "$(dirname "$0")/../.."

THREADS=${THREADS:-2}
SIZE=${SIZE:-128}
NGF=${NGF:-64}
BATCHES=${BATCHES:-"1 16"}
ROUNDS=${ROUNDS:-2}
AMPS=${AMPS:-0}
PY=${PY:-.venv/bin/python}
OUT=bench/out/train
mkdir -p "$OUT"
RESULTS="$OUT/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl"

echo "building the Rust benchmark (release)..." >&2
cargo build --release --example train_bench >&2
RUST=${CARGO_TARGET_DIR:-target}/release/examples/train_bench

for round in $(seq "$ROUNDS"); do
    for b in $BATCHES; do
      for amp in $AMPS; do
        # Batch 16 steps take ~10x longer: fewer of them.
        if [ "$b" -ge 8 ]; then warm=1 steps=5; else warm=2 steps=10; fi
        args=(--size "$SIZE" --ngf "$NGF" --batch "$b" --threads "$THREADS" --warmup "$warm" --steps "$steps" --amp "$amp")
        echo "round $round, batch $b, amp $amp: rust" >&2
        "$RUST" "${args[@]}" | tee -a "$RESULTS"
        echo "round $round, batch $b, amp $amp: pytorch" >&2
        "$PY" bench/train/pytorch_train.py "${args[@]}" | tee -a "$RESULTS"
        if [ "${PYTORCH_MALLOC:-0}" = 1 ]; then
            # PyTorch given the allocator settings colorize applies to itself
            # (src/memory.rs), through glibc's own variables.
            echo "round $round, batch $b, amp $amp: pytorch, same malloc settings" >&2
            MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 \
                "$PY" bench/train/pytorch_train.py "${args[@]}" |
                sed 's/"impl": "pytorch"/"impl": "pytorch-malloc"/' | tee -a "$RESULTS"
        fi
      done
    done
done

"$PY" - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = {}
for r in rows:
    runs.setdefault((r["batch"], r.get("amp", False), r["impl"]), []).append(r)
print(f"\n{len(rows)} runs in {sys.argv[1]}")
print("Median and best over the rounds; CPU s/img is user+system CPU time per image (steadier")
print("than wall time on a shared machine); peak RSS is the highest of the rounds.")
print("| batch | Rust img/s median (best) | PyTorch img/s median (best) | ratio of medians (of bests) "
      "| CPU s/img Rust vs PyTorch (medians) | peak RSS MiB Rust vs PyTorch |")
print("|---|---|---|---|---|---|")
for b, amp in sorted({k[:2] for k in runs}):
    r, p = runs.get((b, amp, "rust")), runs.get((b, amp, "pytorch"))
    if not (r and p):
        continue
    med = lambda rs, f: statistics.median(f(x) for x in rs)
    ips = lambda x: x["imgs_per_s"]
    cpi = lambda x: x["cpu_seconds"] / (x["batch"] * x["steps"])
    rm, pm = med(r, ips), med(p, ips)
    rb, pb = max(map(ips, r)), max(map(ips, p))
    rc, pc = med(r, cpi), med(p, cpi)
    rss = lambda rs: max(x["peak_rss_mb"] for x in rs)
    print(f"| {b}{' bf16' if amp else ''} | {rm:.3f} ({rb:.3f}) | {pm:.3f} ({pb:.3f}) | {rm / pm:.2f}x ({rb / pb:.2f}x) "
          f"| {rc:.3f} vs {pc:.3f} ({pc / rc:.2f}x) | {rss(r):.0f} vs {rss(p):.0f} |")
    pm2 = runs.get((b, amp, "pytorch-malloc"))
    if pm2:
        qm, qb = med(pm2, ips), max(map(ips, pm2))
        print(f"|   PyTorch with colorize's malloc settings | | {qm:.3f} ({qb:.3f}) | {rm / qm:.2f}x ({rb / qb:.2f}x) "
              f"| vs {med(pm2, cpi):.3f} | vs {rss(pm2):.0f} |")
EOF
