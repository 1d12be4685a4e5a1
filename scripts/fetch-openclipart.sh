#!/usr/bin/env bash
# Fetches openclipart's PNG collection (public domain, Debian package `openclipart-png`,
# about 130 MB) with `apt-get download` and unpacks it with `dpkg -x` into data/openclipart
# (nothing is installed system-wide). Idempotent: a second run only checks.
# Prints the folder holding the PNGs on stdout (colour only: `prep` extracts the line art).
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=data/openclipart
NAME=fetch-openclipart
. scripts/lib/fetch.sh

if [ -f "$DEST/.complete" ]; then
    say "$DEST already unpacked: nothing to fetch"
else
    apt_unpack openclipart-png "$DEST" "about 130 MB"
    touch "$DEST/.complete"
fi
root="$DEST/usr/share/openclipart/png"
[ -d "$root" ] || root="$DEST"
n=$(find "$root" -name '*.png' | wc -l)
say "$n PNG files (openclipart, public domain)"
echo "src: $root"
