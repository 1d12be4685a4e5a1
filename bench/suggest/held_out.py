"""Copies the pairs of a `prep` dataset whose id is in another dataset's test split into a new
dataset, all of them in its test split: e.g. the 512 px renderings of the pairs the shipped
model never trained on (it trained on the 128 px sets, whose splits were drawn separately).
Usage: python3 held_out.py SRC REF OUT   (stdlib only)
"""
import json
import os
import shutil
import sys


def entries(path):
    with open(os.path.join(path, "manifest.jsonl")) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, ref, out = sys.argv[1:]
    held = {e["id"] for e in entries(ref) if e["split"] == "test"}
    if os.path.exists(out):
        sys.exit(f"{out} exists: remove it first")
    os.makedirs(os.path.join(out, "line"))
    os.makedirs(os.path.join(out, "color"))
    kept = []
    for e in entries(src):
        if e["id"] not in held:
            continue
        for key in ("line", "color"):
            shutil.copyfile(os.path.join(src, e[key]), os.path.join(out, e[key]))
        kept.append(dict(e, split="test"))
    with open(os.path.join(out, "manifest.jsonl"), "w") as fh:
        for e in kept:
            fh.write(json.dumps(e) + "\n")
    print(f"{out}: {len(kept)} pairs of {src} held out in {ref}'s test split ({len(held)} there)")


if __name__ == "__main__":
    main()
