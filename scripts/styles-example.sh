#!/usr/bin/env bash
# Makes docs/styles-example.png: one outline drawing (OpenMoji 1F30E, CC BY-SA 4.0, credit
# OpenMoji; its 512 px line art from `prep ... --size 512`) coloured by the shipped model in the
# three styles, without hints (top row) and with three hint dots (bottom row).
# Usage: scripts/styles-example.sh [SKETCH.png]   (COLORIZE: the binary [target/debug/colorize])
set -euo pipefail
cd "$(dirname "$0")/.."
sketch=${1:-data/openmoji-512/line/1F30E.png}
bin=${COLORIZE:-target/debug/colorize}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hints=(--hint 380,250,#3a7bd5 --hint 260,170,#4caf50 --hint 265,330,#7cb342)
for style in soft flat shaded; do
    "$bin" infer "$sketch" --style "$style" -o "$tmp/plain-$style.png" >/dev/null
    "$bin" infer "$sketch" --style "$style" "${hints[@]}" -o "$tmp/hinted-$style.png" >/dev/null
done
.venv/bin/python - "$tmp" docs/styles-example.png <<'PY'
import sys
from PIL import Image, ImageDraw
tmp, out = sys.argv[1], sys.argv[2]
cell = 256
sheet = Image.new("RGB", (3 * cell, 2 * cell + 20), "white")
d = ImageDraw.Draw(sheet)
for c, style in enumerate(["soft", "flat", "shaded"]):
    d.text((c * cell + cell // 2 - 15, 4), style, fill="black")
    for r, kind in enumerate(["plain", "hinted"]):
        im = Image.open(f"{tmp}/{kind}-{style}.png").convert("RGB").resize((cell, cell), Image.LANCZOS)
        sheet.paste(im, (c * cell, 20 + r * cell))
sheet.save(out)
PY
echo "docs/styles-example.png"
