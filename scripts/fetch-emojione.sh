#!/usr/bin/env bash
# Fetches EmojiOne 2 (CC BY 4.0, "EmojiOne") from the npm registry with `npm pack`: the Iconify
# sets @iconify-json/emojione 1.2.3 (colour) and @iconify-json/emojione-monotone 1.2.1 (the
# same drawings as line art), paired by name with scripts/iconify-pairs.py twins into
# data/emojione/color/NAME.svg and data/emojione/line/NAME.svg.
# Held out (../shared/DATA.md): an independent evaluation set of real line art that no
# training run uses. Prepare it with (almost) every pair in the test split and evaluate with it:
#   prep data/emojione/color --lines data/emojione/line -o data/emojione-128 --val 0 --test 0.99
#   colorize eval --data data/emojione-128 --hints 0,20 --baseline gray
# Idempotent: a second run only checks. Prints the folders for `prep SRC --lines DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."

COLOUR_VERSION=1.2.3
LINE_VERSION=1.2.1
DEST=data/emojione
NAME=fetch-emojione
. scripts/lib/fetch.sh
stamp="$DEST/.complete-$COLOUR_VERSION-$LINE_VERSION"

if [ -f "$stamp" ]; then
    say "$DEST already holds EmojiOne ($COLOUR_VERSION, monotone $LINE_VERSION): nothing to fetch"
else
    need python3 "apt-get install python3"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    say "downloading @iconify-json/emojione@$COLOUR_VERSION with npm pack"
    npm_unpack "@iconify-json/emojione@$COLOUR_VERSION" \
        "iconify-json-emojione-$COLOUR_VERSION.tgz" "$tmp/colour"
    say "downloading @iconify-json/emojione-monotone@$LINE_VERSION with npm pack"
    npm_unpack "@iconify-json/emojione-monotone@$LINE_VERSION" \
        "iconify-json-emojione-monotone-$LINE_VERSION.tgz" "$tmp/line"
    say "writing colour and monotone (line art) SVG pairs into $DEST"
    rm -rf "$DEST"
    mkdir -p "$DEST"
    python3 scripts/iconify-pairs.py twins "$tmp/colour/package/icons.json" \
        "$tmp/line/package/icons.json" "$DEST"
    touch "$stamp"
fi
report "$DEST/color" "$DEST/line" 'EmojiOne 2, CC BY 4.0: credit "EmojiOne" (held out: evaluation only)'
