#!/usr/bin/env python3
"""kill -9 `colorize train` again and again, `--resume` it each time, and check:
  - every checkpoint file present after a kill is complete (never torn),
  - the resume succeeds and starts from the newest complete checkpoint,
  - at most one checkpoint interval of steps is lost,
  - the run's final weights equal an uninterrupted run's, bit for bit.
Half the kills land at a random moment, half as soon as a checkpoint's temporary file
appears (inside the write). Usage: kill_train.py [KILLS=30] [WORKDIR]"""
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from common import binary, safetensors_ok, tiny_dataset

KILLS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="kill-train-")
STEPS, EVERY = 300, 5
rng = random.Random(int(os.environ.get("SEED", "1")))
COLORIZE = binary("colorize")
DS = tiny_dataset(WORK)
TRAIN = ["--steps", str(STEPS), "--size", "32", "--ngf", "4", "--ndf", "4",
         "--save-every", str(EVERY), "--keep", "2", "--threads", "1", "--loader-threads", "1",
         "--val-every", "100000", "--sample-every", "100000", "--log-every", "1",
         "--json-log", "--seed", "7", "--device", "cpu"]


def train(args, **kw):
    return subprocess.Popen([COLORIZE, "train", *args, *TRAIN], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def logged_step(run):
    """The last step written to log.jsonl (complete lines only)."""
    step = 0
    try:
        with open(os.path.join(run, "log.jsonl")) as f:
            for line in f:
                try:
                    step = max(step, json.loads(line).get("step", 0))
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return step


def checkpoints(run):
    return sorted(int(re.search(r"step-(\d+)", p).group(1))
                  for p in glob.glob(os.path.join(run, "checkpoints", "step-*.safetensors")))


def temporaries(run):
    return glob.glob(os.path.join(run, "checkpoints", ".*.tmp")) + glob.glob(
        os.path.join(run, ".*.tmp"))


ref = os.path.join(WORK, "ref")
if not os.path.exists(os.path.join(ref, "generator.safetensors")):
    shutil.rmtree(ref, ignore_errors=True)
    p = train(["--data", DS, "--out", ref])
    out, err = p.communicate()
    assert p.returncode == 0, err
with open(os.path.join(ref, "generator.safetensors"), "rb") as f:
    ref_weights = f.read()

stats = dict(kills=0, in_write=0, random=0, torn=0, resume_failed=0, lost_max=0,
             runs_finished=0, runs_identical=0, leftover_tmp_max=0, tmp_after_finish=0,
             no_checkpoint_yet=0)
failures = []


def finished(run):
    """Counts a run that completed and compares its weights with the uninterrupted run's."""
    stats["runs_finished"] += 1
    with open(os.path.join(run, "generator.safetensors"), "rb") as f:
        same = f.read() == ref_weights
    stats["runs_identical"] += same
    if not same:
        failures.append(f"{run}: final weights differ from the uninterrupted run")


run_no = 0
while stats["kills"] < KILLS:
    run_no += 1
    run = os.path.join(WORK, f"run{run_no}")
    shutil.rmtree(run, ignore_errors=True)
    while True:
        # As a user would: resume a run that has its config.json, else start it again.
        started = os.path.exists(os.path.join(run, "config.json"))
        p = train(["--resume", run] if started else ["--data", DS, "--out", run])
        targeted = rng.random() < 0.5 and stats["kills"] < KILLS
        deadline = time.time() + (rng.uniform(0.2, 2.5) if not targeted else 60)
        writes_to_skip = rng.randint(0, 3)
        seen, killed_in_write = set(), False
        while p.poll() is None and time.time() < deadline and stats["kills"] < KILLS:
            if targeted:
                tmps = [t for t in temporaries(run) if t not in seen]
                if tmps:
                    if writes_to_skip == 0:
                        os.kill(p.pid, signal.SIGKILL)
                        killed_in_write = True
                        break
                    writes_to_skip -= 1
                    seen.update(tmps)
            time.sleep(0.0005 if targeted else 0.01)
        if p.poll() is None and stats["kills"] < KILLS and not killed_in_write:
            os.kill(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        if p.returncode == 0:
            finished(run)
            stats["tmp_after_finish"] += len(temporaries(run))
            break
        if p.returncode not in (-9, 137):
            stats["resume_failed"] += 1
            failures.append(f"{run}: exit {p.returncode}: {err.strip().splitlines()[-1:]}")
            break
        stats["kills"] += 1
        left = [t for t in temporaries(run) if os.path.exists(t)]
        hit = killed_in_write and any("step-" in t or "generator" in t for t in left)
        stats["in_write"] += hit
        stats["random"] += not targeted
        stats["leftover_tmp_max"] = max(stats["leftover_tmp_max"], len(left))
        for s in checkpoints(run):
            path = os.path.join(run, "checkpoints", f"step-{s}.safetensors")
            if os.path.exists(path) and not safetensors_ok(path):
                stats["torn"] += 1
                failures.append(f"{path}: torn")
        done, have = logged_step(run), checkpoints(run)
        last = max(have, default=0)
        if not have:
            stats["no_checkpoint_yet"] += 1
        stats["lost_max"] = max(stats["lost_max"], done - last)
        if done - last > EVERY:
            failures.append(f"{run}: {done} steps done but last checkpoint is {last}")
    if stats["kills"] >= KILLS and p.returncode != 0:
        # Finish the last run uninterrupted and compare it too.
        p = train(["--resume", run])
        out, err = p.communicate()
        if p.returncode == 0:
            finished(run)
        else:
            stats["resume_failed"] += 1
            failures.append(f"{run}: final resume: exit {p.returncode}: {err.strip()[-300:]}")

print(json.dumps(stats))
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
