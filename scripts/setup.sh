#!/usr/bin/env bash
# One-command set-up, idempotent: a project-local .venv with torch 2.11.0 (libtorch for tch
# 0.24) and tensorboard, the .venv/libtorch link that .cargo/config.toml points LIBTORCH at,
# then a build of the workspace. A second run only checks, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.11.0
VENV=.venv
PY=${PYTHON:-python3}

say() { printf 'setup: %s\n' "$*" >&2; }

venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" - "$TORCH_VERSION" <<'PYEOF' 2>/dev/null
import sys, importlib.util, torch
assert torch.__version__.split("+")[0] == sys.argv[1], torch.__version__
assert importlib.util.find_spec("tensorboard") is not None
PYEOF
}

if venv_ok; then
    say "$VENV already has torch $TORCH_VERSION and tensorboard: nothing to install"
else
    if ! command -v "$PY" >/dev/null; then
        say "python3 not found: installing it with apt-get"
        apt-get update -qq && apt-get install -y -qq python3 python3-venv
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the virtualenv $VENV"
        "$PY" -m venv "$VENV" || {
            say "python3 -m venv failed; installing python3-venv with apt-get and retrying"
            apt-get update -qq && apt-get install -y -qq python3-venv && "$PY" -m venv "$VENV"
        }
    fi
    say "installing torch==$TORCH_VERSION and tensorboard into $VENV from PyPI"
    say "  (the CUDA build of the wheel: about 2.8 GB to download, 4.6 GB on disk, ~3 minutes;"
    say "   libtorch needs its CUDA runtime libraries even on a CPU-only machine)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q \
        "torch==$TORCH_VERSION" tensorboard
    venv_ok || { say "torch $TORCH_VERSION is still not importable from $VENV"; exit 1; }
    say "done: $("$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)')"
fi

torch_dir=$("$VENV/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
if [ "$(readlink "$VENV/libtorch" 2>/dev/null)" != "$torch_dir" ]; then
    say "linking $VENV/libtorch -> $torch_dir (LIBTORCH for the torch-sys build)"
    ln -sfn "$torch_dir" "$VENV/libtorch"
fi

if [ "${SETUP_SKIP_BUILD:-0}" != 1 ]; then
    say "building the workspace (cargo build; a cold build compiles libtorch's C++ bindings, ~8 min)"
    cargo build --workspace --quiet
    say "build up to date"
fi
