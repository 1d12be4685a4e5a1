#!/usr/bin/env python3
"""kill -9 `prep` at random moments, then re-run it, and check:
  - after every kill, each file under a final name (line/*.png, color/*.png,
    manifest.jsonl) is byte-identical to an uninterrupted run's (never partial),
  - the re-run completes, and its manifest and images equal the uninterrupted run's,
  - how many temporary files the kills left behind, and whether the re-run removes them.
Usage: kill_prep.py [KILLS=20] [WORKDIR]"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from common import ROOT, binary, reference, tree_bytes

KILLS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="kill-prep-")
rng = random.Random(int(os.environ.get("SEED", "1")))
PREP = binary("prep")
src = os.path.join(WORK, "src")
if not os.path.isdir(src):
    os.makedirs(src)
    svg = os.path.join(ROOT, "data", "openmoji", "color", "svg")
    for name in sorted(os.listdir(svg))[1000:1120]:
        shutil.copy(os.path.join(svg, name), src)
ARGS = [src, "--size", "64", "-j", "1", "-q"]


def prep(out):
    return subprocess.Popen([PREP, *ARGS, "-o", out], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


ref_time, want = reference(prep, os.path.join(WORK, "ref"))

stats = dict(kills=0, reruns_ok=0, reruns_identical=0, partial_final_files=0,
             tmp_left_max=0, tmp_after_rerun=0, ref_seconds=round(ref_time, 2))
failures = []
run = os.path.join(WORK, "run")
shutil.rmtree(run, ignore_errors=True)
while stats["kills"] < KILLS:
    # Several kills into the same output before a complete re-run.
    for _ in range(rng.randint(1, 3)):
        p = prep(run)
        time.sleep(rng.uniform(0.0, ref_time * 1.1))
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            stats["kills"] += 1
        p.communicate()
        got = tree_bytes(run) if os.path.isdir(run) else {}
        tmp = [k for k in got if os.path.basename(k).startswith(".") and k.endswith(".tmp")]
        stats["tmp_left_max"] = max(stats["tmp_left_max"], len(tmp))
        for k, v in got.items():
            if k in tmp or k == "skipped.txt":
                continue
            if k == "manifest.jsonl":
                ref_entries = {json.loads(l)["id"]: l for l in want[k].decode().splitlines()}
                for line in v.decode().splitlines():
                    if ref_entries.get(json.loads(line)["id"]) != line:
                        stats["partial_final_files"] += 1
                        failures.append(f"manifest line differs: {line[:80]}")
            elif want.get(k) != v:
                stats["partial_final_files"] += 1
                failures.append(f"{k}: differs from the uninterrupted run ({len(v)} bytes)")
    p = prep(run)
    _, err = p.communicate()
    if p.returncode != 0:
        failures.append(f"re-run failed: {err.strip()[-300:]}")
        continue
    stats["reruns_ok"] += 1
    got = tree_bytes(run)
    tmp = [k for k in got if os.path.basename(k).startswith(".") and k.endswith(".tmp")]
    stats["tmp_after_rerun"] = max(stats["tmp_after_rerun"], len(tmp))
    same = {k: v for k, v in got.items() if k not in tmp} == want
    stats["reruns_identical"] += same
    if not same:
        diff = sorted(set(got) ^ set(want)) or [k for k in want if got.get(k) != want[k]]
        failures.append(f"re-run differs from the uninterrupted run: {diff[:5]}")
    shutil.rmtree(run)

print(json.dumps(stats))
for f in failures[:20]:
    print("FAIL", f)
sys.exit(1 if failures else 0)
