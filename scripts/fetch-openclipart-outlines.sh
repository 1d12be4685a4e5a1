#!/usr/bin/env bash
# Fetches openclipart's SVG collection (public domain, Debian package `openclipart-svg`, about
# 25 MB) with `apt-get download`, unpacks it with `dpkg -x` into data/openclipart-svg (nothing
# is installed system-wide), and turns the drawings whose dark outlines hold their colour into
# (line art, colour) PNG pairs with `svg-outlines` (data-prep): data/openclipart-outlines/
# {color,line}/CATEGORY/NAME.png at 512 px, line art = the stroke paths alone drawn black,
# every fill white. Every drawing's verdict (kept, or why it was dropped) is in
# data/openclipart-outlines/report.tsv. Idempotent: a second run only checks.
# Prints the folders for `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="1:0.18+dfsg-19"
SVG=data/openclipart-svg
DEST=data/openclipart-outlines
OUTLINES=${OUTLINES:-target/release/svg-outlines}
NAME=fetch-openclipart-outlines
. scripts/lib/fetch.sh

if [ -f "$SVG/.complete" ]; then
    say "$SVG already unpacked: nothing to fetch"
else
    apt_unpack openclipart-svg "$SVG" "about 25 MB"
    got=$(zcat "$SVG/usr/share/doc/openclipart-svg/changelog.Debian.gz" | sed -n '1s/.*(\(.*\)).*/\1/p')
    [ "$got" = "$VERSION" ] || say "note: got openclipart-svg $got (this script was measured on $VERSION)"
    touch "$SVG/.complete"
fi

if [ -f "$DEST/.complete" ]; then
    say "$DEST already holds the outline pairs: nothing to do"
else
    if [ ! -x "$OUTLINES" ]; then
        say "building svg-outlines (cargo build --release -p data-prep)"
        cargo build --release --quiet -p data-prep --bin svg-outlines
    fi
    rm -rf "$DEST"
    "$OUTLINES" "$SVG/usr/share/openclipart/svg" -o "$DEST" --quiet
    touch "$DEST/.complete"
fi
n=$(find "$DEST/color" -name '*.png' | wc -l)
say "$n outline pairs (openclipart, public domain; verdicts in $DEST/report.tsv)"
echo "src:   $DEST/color"
echo "lines: $DEST/line"
