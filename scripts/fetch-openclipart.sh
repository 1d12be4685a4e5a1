#!/usr/bin/env bash
# Fetches openclipart's PNG collection (public domain, Debian package `openclipart-png`,
# about 130 MB) with `apt-get download` and unpacks it with `dpkg -x` into data/openclipart
# (nothing is installed system-wide). Idempotent: a second run only checks.
# Prints the folder holding the PNGs on stdout (colour only: `prep` extracts the line art).
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=data/openclipart
say() { printf 'fetch-openclipart: %s\n' "$*" >&2; }

if [ -f "$DEST/.complete" ]; then
    say "$DEST already unpacked: nothing to fetch"
else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    say "downloading the Debian package openclipart-png (about 130 MB)"
    if ! (cd "$tmp" && apt-get download -q openclipart-png >/dev/null 2>&1); then
        say "not in the apt lists yet: running apt-get update first"
        apt-get update -qq
        (cd "$tmp" && apt-get download -q openclipart-png >/dev/null)
    fi
    say "unpacking with dpkg -x into $DEST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    dpkg -x "$tmp"/openclipart-png_*.deb "$DEST"
    touch "$DEST/.complete"
fi
root="$DEST/usr/share/openclipart/png"
[ -d "$root" ] || root="$DEST"
n=$(find "$root" -name '*.png' | wc -l)
say "$n PNG files (openclipart, public domain)"
echo "src: $root"
