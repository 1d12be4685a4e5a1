#!/usr/bin/env bash
# The test split of a 128 px `prep` dataset rendered again at 512 px from its own sources
# (the SVGs its manifest names), every pair in the test split: 512 px sketches the shipped
# model never trained on. Usage: bench/suggest/held_out_512.sh DATA-128 OUT [PREP]
# SIZE (default 512) renders another size: the same held-out pairs at several work sizes.
set -euo pipefail
ref="$1" out="$2" prep="${3:-target/debug/prep}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/color" "$tmp/line"
python3 - "$ref" "$tmp" <<'PY'
import json, os, sys
ref, tmp = sys.argv[1:]
for line in open(os.path.join(ref, "manifest.jsonl")):
    e = json.loads(line)
    if e["split"] != "test":
        continue
    for key, sub in (("source", "color"), ("lines_source", "line")):
        src = os.path.abspath(e[key])
        os.symlink(src, os.path.join(tmp, sub, e["id"] + os.path.splitext(src)[1]))
PY
size=${SIZE:-512}
"$prep" "$tmp/color" --lines "$tmp/line" -o "$out" --size "$size" --svg-size $((size * 4))
# Every pair is held out: all of them in the test split.
python3 - "$out/manifest.jsonl" <<'PY'
import json, os, sys
path = sys.argv[1]
rows = [dict(json.loads(l), split="test") for l in open(path) if l.strip()]
with open(path + ".tmp", "w") as fh:
    fh.writelines(json.dumps(r) + "\n" for r in rows)
os.replace(path + ".tmp", path)
print(f"{path}: {len(rows)} pairs, all in the test split")
PY
