#!/usr/bin/env bash
# The data bench/outline/run.sh scores: rough copies of every test split (seed 0), copies with
# one rough effect alone (four sources), and the
# outline drawings' held-out pairs (the test split of data/*-256) rendered at 128, 256 and
# 512 px. Needs the sources prepared (scripts/train-default.sh fetches and preps them).
set -euo pipefail
cd "$(dirname "$0")/../.."
PREP=${PREP:-target/release/prep}
ROUGH=${ROUGH_COPY:-target/release/rough-copy}
for d in openmoji-128 fluent-emoji-128 streamline-128 dicebear-128 openclipart-256 \
    open-peeps-256 emojione-128; do
    [ -f "data/$d-rough/manifest.jsonl" ] || "$ROUGH" "data/$d" -o "data/$d-rough"
done
# One effect at a time (`rough-copy --only`), for what each costs (run.sh's `effects`).
for d in openmoji-128 dicebear-128 openclipart-256 open-peeps-256; do
    for e in thicken wobble gaps grain paper blur noise jpeg; do
        [ -f "data/$d-only-$e/manifest.jsonl" ] || "$ROUGH" "data/$d" -o "data/$d-only-$e" --only "$e"
    done
done
for src in openclipart open-peeps; do
    for s in 128 256 512; do
        [ -f "data/$src-held-$s/manifest.jsonl" ] ||
            SIZE=$s bash bench/suggest/held_out_512.sh "data/$src-256" "data/$src-held-$s" "$PREP"
    done
    # The same pairs at every size: those prep kept at 128 (a drawing whose ink is all at
    # its edge is skipped there).
    python3 - "$src" <<'PY'
import json, sys
src = sys.argv[1]
ids = {json.loads(l)["id"] for l in open(f"data/{src}-held-128/manifest.jsonl") if l.strip()}
for s in (256, 512):
    p = f"data/{src}-held-{s}/manifest.jsonl"
    rows = [json.loads(l) for l in open(p) if l.strip()]
    with open(p, "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows if r["id"] in ids)
PY
done
