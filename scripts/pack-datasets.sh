#!/usr/bin/env bash
# Packs the prepared datasets data/*-128 (or the folders given as arguments) into one tarball,
# data/datasets-128.tar.xz, to carry them to another machine (the lent GPU machines take at
# most 64 MiB). The PNGs are written with fast compression, so xz still halves them: the four
# sets of issue 13 (OpenMoji, Fluent Emoji, Streamline, DiceBear: 79 MB as files) pack into
# about 40 MB. FORMAT=zst packs data/datasets-128.tar.zst instead (the same size, unpacks
# faster, needs zstd on both ends). STORE=1 first re-writes every PNG uncompressed
# (pixel-identical, with the project's .venv Python and Pillow) and packs with xz -9: xz then
# compresses the pixels across files, 26 MB instead of 38.5 for the four sets, which leaves
# room to carry a model too. Unpack in the repository root:
#   tar -xJf data/datasets-128.tar.xz -C data        (zst: tar --zstd -xf ... -C data)
# Prints the tarball's path on stdout; repacks only when a dataset changed.
set -euo pipefail
cd "$(dirname "$0")/.."

FORMAT=${FORMAT:-xz}
say() { printf 'pack-datasets: %s\n' "$*" >&2; }
case "$FORMAT" in
    xz) compress=(xz -6 -T0) ;;
    zst) compress=(zstd -q -19 -T0) ;;
    *) say "FORMAT must be xz or zst, not '$FORMAT'"; exit 2 ;;
esac
command -v "${compress[0]}" >/dev/null || { say "${compress[0]} not found"; exit 1; }

if [ $# -gt 0 ]; then sets=("$@"); else sets=(data/*-128); fi
names=()
for d in "${sets[@]}"; do
    d=${d%/}
    [ -f "$d/manifest.jsonl" ] || { say "$d is not a prepared dataset (no manifest.jsonl)"; exit 1; }
    [ "$(dirname "$d")" = data ] || { say "$d must be a folder directly under data/"; exit 1; }
    names+=("$(basename "$d")")
done
[ ${#names[@]} -gt 0 ] || { say "no data/*-128 datasets to pack (run prep first)"; exit 1; }

out="data/datasets-128.tar.$FORMAT"
if [ -f "$out" ] && [ -z "$(cd data && find "${names[@]}" -newer "../$out" -print -quit)" ] \
    && [ "$(cat "$out.list" 2>/dev/null)" = "${names[*]}" ]; then
    say "$out is up to date"
else
    say "packing ${names[*]} ($(du -ch --apparent-size "${sets[@]}" | tail -1 | cut -f1) as files) into $out"
    root=data
    if [ "${STORE:-0}" = 1 ]; then
        root=$(mktemp -d)
        trap 'rm -rf "$root"' EXIT
        cp -r "${sets[@]}" "$root/"
        say "re-writing the PNGs uncompressed in $root"
        "${PYTHON:-.venv/bin/python}" - "$root" <<'PY'
import pathlib, sys
from PIL import Image
for p in pathlib.Path(sys.argv[1]).rglob("*.png"):
    im = Image.open(p)
    im.load()
    im.save(p, compress_level=0)
PY
        [ "$FORMAT" = xz ] && compress=(xz -9 -T0)
    fi
    tar -C "$root" -cf - "${names[@]}" | "${compress[@]}" > "$out.tmp"
    mv "$out.tmp" "$out"
    printf '%s\n' "${names[*]}" > "$out.list"
fi
size=$(stat -c %s "$out")
say "$out: $((size / 1024 / 1024)) MiB ($size bytes)"
[ "$size" -le $((64 * 1024 * 1024)) ] || say "warning: over 64 MiB, too big to carry to a lent GPU machine"
echo "$out"
