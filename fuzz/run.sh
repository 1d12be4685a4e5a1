#!/usr/bin/env bash
# Fuzzes the targets given (default: the pure-Rust ones) one after another, each for
# $SECONDS_PER_TARGET seconds (default 600) on one core, low priority; logs go to
# fuzz/logs/<target>.log and crashes to fuzz/artifacts/<target>/.
# Usage: fuzz/run.sh [TARGET...]   (model_dir and upload link libtorch: see RELIABILITY.md)
set -euo pipefail
cd "$(dirname "$0")"
secs=${SECONDS_PER_TARGET:-600}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(image_load hints_image manifest)
[ -d corpus ] || python3 seeds.py
mkdir -p logs
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
for t in "${targets[@]}"; do
  features=()
  # libtorch is not instrumented and dislikes AddressSanitizer: coverage only, own build dir.
  # colorize's rpath to libtorch is set for its own binaries only: say where it is.
  if [ "$t" = model_dir ] || [ "$t" = upload ]; then
    features=(--features torch -s none --target-dir "$PWD/target-torch")
    export LD_LIBRARY_PATH="$PWD/../.venv/libtorch/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  mkdir -p "corpus/$t"
  # Seeds first, then the inputs kept from earlier finds.
  [ -d "regressions/$t" ] && cp -n regressions/"$t"/* "corpus/$t/" 2>/dev/null || true
  echo "== $t: ${secs}s" >&2
  nice -n 10 cargo +nightly fuzz run -O "${features[@]}" "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -max_len=262144 \
    -print_final_stats=1 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 >"logs/$t.log" 2>&1 || echo "$t: fuzzer stopped (see logs/$t.log)" >&2
  tail -n 25 "logs/$t.log" | grep -E 'stat::|Done|SUMMARY|ERROR|crash|oom|timeout' >&2 || true
done
