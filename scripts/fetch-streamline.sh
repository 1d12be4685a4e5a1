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
NAME=fetch-streamline
. scripts/lib/fetch.sh

if [ -f "$DEST/.complete-$VERSION" ]; then
    say "$DEST already holds Streamline Emojis $VERSION: nothing to fetch"
else
    need python3 "apt-get install python3"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    say "downloading @iconify-json/streamline-emojis@$VERSION with npm pack (about 0.4 MB)"
    npm_unpack "@iconify-json/streamline-emojis@$VERSION" \
        "iconify-json-streamline-emojis-$VERSION.tgz" "$tmp"
    say "writing colour and stroke line-art SVG pairs into $DEST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    python3 scripts/iconify-pairs.py streamline "$tmp/package/icons.json" "$DEST"
    touch "$DEST/.complete-$VERSION"
fi
report "$DEST/color" "$DEST/line" 'Streamline Emojis, CC BY 4.0: credit "Streamline Emojis by Streamline"'
