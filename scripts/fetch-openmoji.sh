#!/usr/bin/env bash
# Fetches OpenMoji 17.0.0 (CC BY-SA 4.0, https://openmoji.org) from the npm registry with
# `npm pack` and unpacks its SVGs into data/openmoji/{color,black}/svg: real, human-drawn
# (line art, colour) pairs under the same file names. Idempotent: a second run only checks.
# Prints the colour and line-art directories on stdout for `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=17.0.0
DEST=data/openmoji
NAME=fetch-openmoji
. scripts/lib/fetch.sh

if [ -f "$DEST/.complete-$VERSION" ]; then
    say "$DEST already holds OpenMoji $VERSION: nothing to fetch"
else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    say "downloading openmoji@$VERSION with npm pack (about 4 MB compressed)"
    npm_unpack "openmoji@$VERSION" "openmoji-$VERSION.tgz" "$tmp/x"
    say "unpacking color/svg and black/svg into $DEST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    cp -r "$tmp/x/package/color" "$tmp/x/package/black" "$DEST/"
    [ -f "$tmp/x/package/LICENSE.txt" ] && cp "$tmp/x/package/LICENSE.txt" "$DEST/"
    touch "$DEST/.complete-$VERSION"
fi
report "$DEST/color/svg" "$DEST/black/svg" "OpenMoji, CC BY-SA 4.0: credit OpenMoji"
