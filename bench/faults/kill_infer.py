#!/usr/bin/env python3
"""kill -9 `colorize infer DIR -o OUT` at random moments and check that no partial output
exists under a final name: every OUT/*.png equals the uninterrupted run's file byte for
byte; counts the temporary files left, and checks that a complete run into the same folder
removes them and writes the same files. Usage: kill_infer.py [KILLS=20] [WORKDIR]"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from common import binary, reference, tiny_dataset, tree_bytes

KILLS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="kill-infer-")
rng = random.Random(int(os.environ.get("SEED", "1")))
COLORIZE = binary("colorize")
ds = tiny_dataset(WORK)
model = os.path.join(WORK, "model")
if not os.path.exists(os.path.join(model, "generator.safetensors")):
    subprocess.run([COLORIZE, "train", "--data", ds, "--out", model, "--steps", "2", "--size",
                    "32", "--ngf", "4", "--ndf", "4", "--device", "cpu", "--threads", "1"],
                   check=True, capture_output=True)
sketches = os.path.join(WORK, "sketches")
if not os.path.isdir(sketches):
    os.makedirs(sketches)
    for i in range(6):
        for f in sorted(os.listdir(os.path.join(ds, "line"))):
            shutil.copy(os.path.join(ds, "line", f), os.path.join(sketches, f"{i}-{f}"))


def infer(out):
    return subprocess.Popen([COLORIZE, "infer", sketches, "-o", out, "--model", model,
                             "--work-size", "256", "--device", "cpu", "--threads", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


ref_time, want = reference(infer, os.path.join(WORK, "ref"))
stats = dict(kills=0, outputs_checked=0, partial=0, tmp_left_max=0, ref_seconds=round(ref_time, 2))
failures = []
while stats["kills"] < KILLS:
    out = os.path.join(WORK, "out")
    shutil.rmtree(out, ignore_errors=True)
    p = infer(out)
    time.sleep(rng.uniform(0.3, ref_time))
    if p.poll() is not None:
        continue
    os.kill(p.pid, signal.SIGKILL)
    p.communicate()
    stats["kills"] += 1
    got = tree_bytes(out) if os.path.isdir(out) else {}
    tmp = [k for k in got if os.path.basename(k).startswith(".")]
    stats["tmp_left_max"] = max(stats["tmp_left_max"], len(tmp))
    for k, v in got.items():
        if k in tmp:
            continue
        stats["outputs_checked"] += 1
        if want.get(k) != v:
            stats["partial"] += 1
            failures.append(f"{k}: {len(v)} bytes, differs from the uninterrupted run")
# A complete run into the killed run's folder removes what the kills left.
p = infer(out)
p.communicate()
got = tree_bytes(out)
stats["tmp_after_rerun"] = sum(os.path.basename(k).startswith(".") for k in got)
if {k: v for k, v in got.items() if not os.path.basename(k).startswith(".")} != want:
    failures.append("the re-run's outputs differ from the uninterrupted run's")
print(json.dumps(stats))
for f in failures[:20]:
    print("FAIL", f)
sys.exit(1 if failures else 0)
