#!/usr/bin/env bash
# Fetches Streamline Emojis (CC BY 4.0, "Streamline Emojis by Streamline") from the npm registry
# with `npm pack` (@iconify-json/streamline-emojis 1.2.4) and writes pairs under the same names
# with scripts/iconify-pairs.py: data/streamline/color/NAME.svg (the emoji as drawn) and
# data/streamline/line/NAME.svg (its dark stroke paths drawn black over white fills, so strokes
# that a shape covers in the colour image stay hidden; ground shadows removed). Icons without
# dark stroke paths would be listed in data/streamline/dropped.txt (none in 1.2.4).
# Idempotent: a second run only checks. Prints the folders for `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.2.4
DEST=data/streamline
say() { printf 'fetch-streamline: %s\n' "$*" >&2; }

if [ -f "$DEST/.complete-$VERSION" ]; then
    say "$DEST already holds Streamline Emojis $VERSION: nothing to fetch"
else
    command -v npm >/dev/null || { say "npm not found (apt-get install npm)"; exit 1; }
    command -v python3 >/dev/null || { say "python3 not found"; exit 1; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    say "downloading @iconify-json/streamline-emojis@$VERSION with npm pack (about 0.4 MB)"
    (cd "$tmp" && npm pack --silent "@iconify-json/streamline-emojis@$VERSION" >/dev/null)
    tar -xzf "$tmp/iconify-json-streamline-emojis-$VERSION.tgz" -C "$tmp"
    say "writing colour and stroke line-art SVG pairs into $DEST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    python3 scripts/iconify-pairs.py streamline "$tmp/package/icons.json" "$DEST"
    touch "$DEST/.complete-$VERSION"
fi
ncolor=$(find "$DEST/color" -name '*.svg' | wc -l)
nline=$(find "$DEST/line" -name '*.svg' | wc -l)
say "$ncolor colour SVGs, $nline line-art SVGs (Streamline Emojis, CC BY 4.0: credit \"Streamline Emojis by Streamline\")"
echo "src:   $DEST/color"
echo "lines: $DEST/line"
