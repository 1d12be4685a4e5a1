#!/usr/bin/env bash
# Turns what bench/gpu/retrain-default.sh brought back (the folder the device tool names
# files_at: NAME-gen.part-*, NAME-run.tar per variant) into exported models here:
# PREFIX-NAME/{generator.safetensors, config.json, README.md}, ready for `colorize eval
# --model` and `colorize infer --model`, and the run's files (log, console output) in
# PREFIX-NAME/run/. Refuses to overwrite a model folder that exists.
#   bash bench/gpu/unpack.sh FILES_AT [PREFIX, default models/gpu]
set -euo pipefail
from=${1:?usage: bench/gpu/unpack.sh FILES_AT [PREFIX]}
prefix=${2:-models/gpu}
say() { printf 'unpack: %s\n' "$*" >&2; }
shopt -s nullglob
found=0
for tarball in "$from"/*-run.tar; do
    name=$(basename "$tarball" -run.tar)
    parts=("$from/$name"-gen.part-*)
    [ ${#parts[@]} -gt 0 ] || { say "$name: no weights ($name-gen.part-*), skipped"; continue; }
    dest=$prefix-$name
    [ ! -e "$dest" ] || { say "$dest exists; move it away first"; exit 1; }
    tmp=$(mktemp -d "$(dirname "$dest")/.unpack.XXXXXX")
    chmod 755 "$tmp"
    mkdir -p "$tmp/run"
    tar -xf "$tarball" -C "$tmp/run"
    cat "${parts[@]}" >"$tmp/generator.safetensors"
    [ -f "$tmp/run/model-config.json" ] || { say "$name: no model-config.json in $tarball"; rm -rf "$tmp"; exit 1; }
    mv "$tmp/run/model-config.json" "$tmp/config.json"
    [ -f "$tmp/run/model-card.md" ] && mv "$tmp/run/model-card.md" "$tmp/README.md"
    mv "$tmp" "$dest"
    say "$dest: $(du -h "$dest/generator.safetensors" | cut -f1) of weights"
    found=$((found + 1))
done
[ "$found" -gt 0 ] || { say "no NAME-run.tar with weights in $from"; exit 1; }
