#!/usr/bin/env bash
# Generates DiceBear "Adventurer" avatars (art CC BY 4.0, "Adventurer by Lisa Wischofsky via
# DiceBear"; code MIT) as (line art, colour) pairs: fetches @dicebear/core and
# @dicebear/adventurer 9.4.3 (the style package that @dicebear/collection 9.4.3 re-exports)
# from the npm registry with `npm pack` (no install scripts), unpacks them into
# data/dicebear/node_modules, and runs scripts/dicebear-pairs.mjs with node, writing
# data/dicebear/color/adventurer-NNNN.svg and data/dicebear/line/adventurer-NNNN.svg (the same
# SVG with outlines black and every other fill white). Heads only, so the number is bounded:
# DICEBEAR_COUNT (default 1200) avatars, seeds adventurer-0000... (deterministic).
# Idempotent: a second run with the same count only checks. Prints the folders for
# `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=9.4.3
COUNT=${DICEBEAR_COUNT:-1200}
DEST=data/dicebear
MODULES="$DEST/node_modules"
NAME=fetch-dicebear
. scripts/lib/fetch.sh
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || { say "DICEBEAR_COUNT must be a positive integer, not '$COUNT'"; exit 2; }

dicebear_modules "$MODULES" "$VERSION" core adventurer

stamp="$DEST/.complete-$VERSION-$COUNT"
if [ -f "$stamp" ]; then
    say "$DEST already holds $COUNT Adventurer avatars: nothing to generate"
else
    need node "apt-get install nodejs"
    say "generating $COUNT Adventurer avatars (colour + line twin) into $DEST"
    rm -rf "$DEST/color" "$DEST/line" "$DEST"/.complete-"$VERSION"-*
    node scripts/dicebear-pairs.mjs "$MODULES" "$DEST" "$COUNT"
    touch "$stamp"
fi
report "$DEST/color" "$DEST/line" 'art CC BY 4.0: credit "Adventurer by Lisa Wischofsky via DiceBear"'
