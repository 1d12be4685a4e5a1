#!/usr/bin/env bash
# `colorize train`, `prep` and `colorize infer` with the disk filling up (a small tmpfs:
# ENOSPC), with a file-size limit (prlimit --fsize: EFBIG, SIGXFSZ ignored by both
# binaries) and with an unwritable output folder (a read-only tmpfs: EROFS; chmod does not
# stop root). Each row prints the exit status and the error line, then checks that what
# was written before is intact: the last checkpoint loads and resumes, an earlier
# manifest still lists its pairs. Needs root (mount). Usage: disk_full.sh [WORKDIR]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export COLORIZE_BIN_DIR=${COLORIZE_BIN_DIR:-$here/../../target/release}
bin=$COLORIZE_BIN_DIR
work=${1:-$(mktemp -d)}
mkdir -p "$work"
python3 -c "import sys; sys.path.insert(0, '$here'); from common import tiny_dataset; tiny_dataset('$work')"
ds=$work/ds
src=$work/src
full=$work/full ro=$work/ro
mkdir -p "$full" "$ro"
cleanup() { umount "$full" 2>/dev/null; umount "$ro" 2>/dev/null; }
trap cleanup EXIT
mount -t tmpfs -o size=2500k tmpfs "$full" || { echo "cannot mount a tmpfs (root needed)"; exit 2; }
mount -t tmpfs -o ro,size=1m tmpfs "$ro"
train=(--steps 40 --size 32 --ngf 4 --ndf 4 --save-every 5 --keep 2 --threads 1 --device cpu --seed 7)
fails=0
row() { # name, expected-substring, command...
  local name=$1 want=$2; shift 2
  # Through a pipe: a file-size limit would also apply to a log file the output went to.
  "$@" 2>&1 | cat >"$work/err"; local code=${PIPESTATUS[0]}
  # The first line giving the reason (a skipped file's line, or the final error).
  local line; line=$(grep -F "$want" "$work/err" | head -1)
  local ok=yes
  [ "$code" -ne 0 ] && [ -n "$line" ] || { ok=NO; fails=$((fails + 1)); line=$(tail -1 "$work/err"); }
  printf '%-30s exit %-3s ok=%-3s %s\n' "$name" "$code" "$ok" "${line:0:150}"
}
check() { # description, command... (must succeed)
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then echo "  intact: $what"; else echo "  DAMAGED: $what"; fails=$((fails + 1)); fi
}
ckpt_ok() { python3 -c "import sys; sys.path.insert(0, '$here'); from common import safetensors_ok; import glob; fs=sorted(glob.glob('$1/checkpoints/step-*.safetensors')); sys.exit(0 if fs and all(map(safetensors_ok, fs)) else 1)"; }

# --- training
row "train: disk full" "No space left on device" "$bin/colorize" train --data "$ds" --out "$full/run" "${train[@]}"
check "checkpoints complete" ckpt_ok "$full/run"
rm -rf "$work/copy" && cp -r "$full/run" "$work/copy"
check "resume from the last good checkpoint" "$bin/colorize" train --resume "$work/copy" --threads 1 --device cpu
rm -rf "$work/fz"
row "train: file-size limit" "File too large" prlimit --fsize=600000 "$bin/colorize" train --data "$ds" --out "$work/fz" "${train[@]}"
check "no temporary file left" test -z "$(find "$work/fz" -name '.*.tmp')"
row "train: read-only output" "Read-only file system" "$bin/colorize" train --data "$ds" --out "$ro/run" "${train[@]}"

# --- prep: an earlier complete dataset, then a bigger run on a full disk
rm -rf "$full"/*
"$bin/prep" "$src" -o "$full/ds" --size 32 -q >/dev/null 2>&1
cp "$full/ds/manifest.jsonl" "$work/manifest.before"
big=$work/bigsrc; mkdir -p "$big"
cp "$here"/../../data/openmoji/color/svg/1F3[0-9]*.svg "$big"/   # 160 inputs, ~4 MB at 128 px
mount -o remount,size=1000k "$full"
row "prep: disk full" "No space left on device" "$bin/prep" "$src" "$big" -o "$full/ds" --size 128
check "earlier manifest unchanged" cmp "$work/manifest.before" "$full/ds/manifest.jsonl"
rm -rf "$work/fzp"
row "prep: file-size limit" "File too large" prlimit --fsize=3000 "$bin/prep" "$big" -o "$work/fzp" --size 64
row "prep: read-only output" "Read-only file system" "$bin/prep" "$src" -o "$ro/ds" --size 32

# --- infer on a directory
model=$work/model
[ -f "$model/generator.safetensors" ] || "$bin/colorize" train --data "$ds" --out "$model" --steps 2 --size 32 --ngf 4 --ndf 4 --device cpu --threads 1 >/dev/null 2>&1
rm -rf "$full"/*
mount -o remount,size=300k "$full"
rm -rf "$work/sketches"; mkdir -p "$work/sketches"
for i in 1 2 3 4 5 6 7 8; do for f in "$ds"/line/*.png; do cp "$f" "$work/sketches/$i-$(basename "$f")"; done; done
row "infer: disk full" "No space left on device" "$bin/colorize" infer "$work/sketches" -o "$full/out" --model "$model" --work-size 256 --device cpu --threads 1
check "no partial PNG under a final name" python3 -c "
import glob, struct, sys, zlib
for p in glob.glob('$full/out/*.png'):
    d = open(p, 'rb').read()
    assert d.endswith(b'IEND\xaeB\x60\x82'), p"
rm -rf "$work/fzi"
row "infer: file-size limit" "File too large" prlimit --fsize=20 "$bin/colorize" infer "$work/sketches" -o "$work/fzi" --model "$model" --device cpu --threads 1
row "infer: read-only output" "Read-only file system" "$bin/colorize" infer "$work/sketches" -o "$ro/out" --model "$model" --device cpu --threads 1
echo "failures: $fails"
exit $((fails > 0))
