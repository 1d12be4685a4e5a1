#!/usr/bin/env bash
# Fetches OpenMoji 17.0.0 (CC BY-SA 4.0, https://openmoji.org) from the npm registry with
# `npm pack` and unpacks its SVGs into data/openmoji/{color,black}/svg: real, human-drawn
# (line art, colour) pairs under the same file names. Idempotent: a second run only checks.
# Prints the colour and line-art directories on stdout for `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=17.0.0
DEST=data/openmoji
say() { printf 'fetch-openmoji: %s\n' "$*" >&2; }

if [ -f "$DEST/.complete-$VERSION" ]; then
    say "$DEST already holds OpenMoji $VERSION: nothing to fetch"
else
    command -v npm >/dev/null || { say "npm not found (apt-get install npm)"; exit 1; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    say "downloading openmoji@$VERSION with npm pack (about 4 MB compressed)"
    (cd "$tmp" && npm pack --silent "openmoji@$VERSION" >/dev/null)
    say "unpacking color/svg and black/svg into $DEST"
    mkdir -p "$tmp/x"
    tar -xzf "$tmp"/openmoji-"$VERSION".tgz -C "$tmp/x"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    cp -r "$tmp/x/package/color" "$tmp/x/package/black" "$DEST/"
    [ -f "$tmp/x/package/LICENSE.txt" ] && cp "$tmp/x/package/LICENSE.txt" "$DEST/"
    touch "$DEST/.complete-$VERSION"
fi
ncolor=$(find "$DEST/color/svg" -name '*.svg' | wc -l)
nblack=$(find "$DEST/black/svg" -name '*.svg' | wc -l)
say "$ncolor colour SVGs, $nblack line-art SVGs (OpenMoji, CC BY-SA 4.0: credit OpenMoji)"
echo "src:   $DEST/color/svg"
echo "lines: $DEST/black/svg"
