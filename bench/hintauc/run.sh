#!/usr/bin/env bash
# bench/hintauc: the Hint-AUC protocol (Madono et al., the `hintauc` package) for each style
# of `colorize serve` on the test splits of prep'd datasets. Makes its own virtualenv
# (bench/hintauc/.venv, once), then runs hintauc_bench.py, which starts the server, drives
# it and stops it. Usage: bench/hintauc/run.sh [--data DIR]... [--style soft,flat,shaded]
#   [--limit N] [--model M] [--bin PATH] [--out FILE]   (hintauc_bench.py --help)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
check='import hintauc, numpy, sys; sys.exit(not (hintauc.__version__ == "0.3.3" and numpy.__version__ < "2"))'
if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
    # hintauc 0.3.3 pins numpy < 2 (its compiled dependencies are built against 1.x).
    echo "bench/hintauc: installing hintauc 0.3.3 and numpy<2 into $venv (one-time, about 300 MB)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "hintauc==0.3.3" "numpy<2"
fi
exec "$venv/bin/python" "$here/hintauc_bench.py" "$@"
