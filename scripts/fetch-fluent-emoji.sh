#!/usr/bin/env bash
# Fetches Fluent Emoji (MIT, "Fluent Emoji © Microsoft") from the npm registry with `npm pack`:
# the Iconify sets @iconify-json/fluent-emoji-flat and @iconify-json/fluent-emoji-high-contrast
# 1.2.6, and writes real, human-drawn pairs under the same names with scripts/iconify-pairs.py:
# data/fluent-emoji/color/NAME.svg (Flat) and data/fluent-emoji/line/NAME.svg (High Contrast,
# which fills dark areas solid black instead of outlining them).
# Skin tones: only the default tone is kept (1,594 pairs); FLUENT_SKIN_TONES=all also pairs the
# five other tones of 316 people/hands with the same line art (3,174 pairs). `prep` puts pairs
# sharing one line art in one split (it hashes the line-art pixels), so tones cannot leak.
# Idempotent: a second run only checks. Prints the folders for `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.2.6
TONES=${FLUENT_SKIN_TONES:-default}
DEST=data/fluent-emoji
NAME=fetch-fluent-emoji
. scripts/lib/fetch.sh
case "$TONES" in
    default) tone_flag=() ;;
    all) tone_flag=(--all-skin-tones) ;;
    *) say "FLUENT_SKIN_TONES must be 'default' or 'all', not '$TONES'"; exit 2 ;;
esac
stamp="$DEST/.complete-$VERSION-$TONES"

if [ -f "$stamp" ]; then
    say "$DEST already holds Fluent Emoji $VERSION ($TONES skin tones): nothing to fetch"
else
    need python3 "apt-get install python3"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    for set in flat high-contrast; do
        say "downloading @iconify-json/fluent-emoji-$set@$VERSION with npm pack (about 1 MB)"
        npm_unpack "@iconify-json/fluent-emoji-$set@$VERSION" \
            "iconify-json-fluent-emoji-$set-$VERSION.tgz" "$tmp/$set"
    done
    say "writing Flat (colour) and High Contrast (line art) SVG pairs into $DEST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    python3 scripts/iconify-pairs.py fluent "$tmp/flat/package/icons.json" \
        "$tmp/high-contrast/package/icons.json" "$DEST" ${tone_flag[@]+"${tone_flag[@]}"}
    cp "$tmp/flat/package/README.md" "$DEST/README-flat.md" 2>/dev/null || true
    touch "$stamp"
fi
report "$DEST/color" "$DEST/line" 'Fluent Emoji, MIT: credit "Fluent Emoji © Microsoft"'
