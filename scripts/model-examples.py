"""The picture of docs/model.md: sketch | colour pairs of test-split sketches no run trained on,
coloured without hints (`colorize infer SKETCH`, the default style), one row per model.

  bench/hintauc/.venv/bin/python scripts/model-examples.py --model models/default \
      --out docs/default-model-examples.png
  ... --model OLD --label before --model NEW --label after --out compare.png   # labelled rows

Needs Pillow (any Python with it; bench/hintauc/run.sh makes a venv that has it) and the
prepared sources (scripts/train-default.sh). The sketches are fixed: a Streamline unicorn, an
OpenMoji koala, and the first test pair (in manifest order) of each drawn-outline source.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

HEIGHT = 256
GAP = 24


def first_test(data):
    with open(os.path.join(data, "manifest.jsonl")) as fh:
        for line in fh:
            row = json.loads(line)
            if row["split"] == "test":
                return os.path.join(data, row["line"])
    sys.exit(f"{data}: no test pair")


def row(colorize, model, sketches):
    """sketch | colour for each sketch, side by side, HEIGHT pixels high."""
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, sketch in enumerate(sketches):
            out = os.path.join(tmp, f"{i}.png")
            subprocess.run([colorize, "infer", sketch, "--model", model, "-o", out], check=True,
                           stdout=subprocess.DEVNULL)
            for path in (sketch, out):
                im = Image.open(path).convert("RGB")
                w = round(im.width * HEIGHT / im.height)
                tiles.append(im.resize((w, HEIGHT), Image.LANCZOS))
    width = sum(t.width for t in tiles) + GAP * (len(tiles) // 2 - 1)
    strip = Image.new("RGB", (width, HEIGHT), "white")
    x = 0
    for i, t in enumerate(tiles):
        strip.paste(t, (x, 0))
        x += t.width + (GAP if i % 2 else 0)
    return strip


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", help="a model (repeat for rows) [models/default]")
    ap.add_argument("--out", default="docs/default-model-examples.png")
    ap.add_argument("--label", action="append", help="a row's label, one per --model [its path]")
    ap.add_argument("--bin", default="target/release/colorize")
    a = ap.parse_args()
    sketches = [
        "data/streamline-128/line/unicorn-face.png",
        "data/openmoji-128/line/1F428.png",
        first_test("data/openclipart-256"),
        first_test("data/open-peeps-256"),
    ]
    models = a.model or ["models/default"]
    rows = [row(a.bin, m, sketches) for m in models]
    names = a.label or models
    if len(names) != len(models):
        sys.exit("give one --label per --model")
    label = 16 if len(models) > 1 else 0
    width = max(r.width for r in rows)
    sheet = Image.new("RGB", (width, len(rows) * (HEIGHT + label)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (m, r) in enumerate(zip(names, rows)):
        y = i * (HEIGHT + label)
        if label:
            draw.text((4, y + 2), m, fill="black")
        sheet.paste(r, (0, y + label))
    tmp_out = a.out + ".tmp.png"
    sheet.save(tmp_out)
    os.replace(tmp_out, a.out)
    print(a.out)


if __name__ == "__main__":
    main()
