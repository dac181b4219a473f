#!/usr/bin/env bash
# Create .venv and install the package with the given extras (default: everything).
# torch is pinned through requirements/constraints.txt: an unpinned torch pulls a CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test,docs,demos}"
python="${PYTHON:-python3}"
stamp=".venv/.installed-${extras//,/-}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $("$python" --version)"
    "$python" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements/constraints.txt -nt "$stamp" ]; then
    echo "setup: installing annotated[$extras] into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c requirements/constraints.txt -e ".[$extras]"
    touch "$stamp"
fi
