#!/usr/bin/env bash
# Generates DiceBear "Open Peeps" (CC0 1.0, "Open Peeps by Pablo Stanley"; code MIT):
# hand-drawn cartoon people, black brush outlines over flat colour. Fetches @dicebear/core and
# @dicebear/open-peeps 9.4.3 from the npm registry with `npm pack` (no install scripts), writes
# PEEPS_COUNT (default 1000) colour SVGs with scripts/dicebear-svgs.mjs (seeds
# open-peeps-NNNN, deterministic), and makes their line art with `svg-outlines
# --fill-outlines --border-closes` (the outlines are filled shapes; the figures are cut by the
# frame): data/open-peeps/{color,line}/open-peeps-NNNN.png at 512 px; verdicts in
# data/open-peeps/report.tsv. Idempotent. Prints the folders for `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=9.4.3
COUNT=${PEEPS_COUNT:-1000}
ROOT=data/open-peeps-src
MODULES="$ROOT/node_modules"
DEST=data/open-peeps
OUTLINES=${OUTLINES:-target/release/svg-outlines}
NAME=fetch-open-peeps
. scripts/lib/fetch.sh
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || { say "PEEPS_COUNT must be a positive integer, not '$COUNT'"; exit 2; }

dicebear_modules "$MODULES" "$VERSION" core open-peeps

stamp="$DEST/.complete-$VERSION-$COUNT"
if [ -f "$stamp" ]; then
    say "$DEST already holds the pairs of $COUNT Open Peeps: nothing to do"
else
    need node "apt-get install nodejs"
    rm -rf "$ROOT/svg" "$DEST"
    node scripts/dicebear-svgs.mjs "$MODULES" open-peeps "$ROOT/svg" "$COUNT"
    if [ ! -x "$OUTLINES" ]; then
        say "building svg-outlines (cargo build --release -p data-prep)"
        cargo build --release --quiet -p data-prep --bin svg-outlines
    fi
    "$OUTLINES" "$ROOT/svg" -o "$DEST" --fill-outlines --border-closes --quiet
    touch "$stamp"
fi
n=$(find "$DEST/color" -name '*.png' | wc -l)
say "$n Open Peeps pairs (CC0: \"Open Peeps by Pablo Stanley via DiceBear\"; verdicts in $DEST/report.tsv)"
echo "src:   $DEST/color"
echo "lines: $DEST/line"
