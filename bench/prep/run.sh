#!/usr/bin/env bash
# prep speed benchmark: builds `prep` (release), makes sure the openclipart data and
# opencv-python-headless are present, then runs bench/prep/run.py (OpenCV-Python pipeline
# and prep side by side on the same N openclipart images, alternating ROUNDS times).
#   bash bench/prep/run.sh            # N=600 ROUNDS=3 PROCS=$(nproc)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
bash scripts/fetch-openclipart.sh >/dev/null
.venv/bin/python -c 'import cv2' 2>/dev/null || .venv/bin/pip install -q opencv-python-headless
cargo build --release -q -p data-prep
.venv/bin/python bench/prep/run.py
