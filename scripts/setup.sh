#!/usr/bin/env bash
# Create .venv and install the package with the given extras (default: everything).
# torch is pinned through requirements/constraints.txt: an unpinned torch pulls a CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test,docs,demos,notebook}"
python="${PYTHON:-python3}"
stamp=".venv/.installed-${extras//,/-}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $("$python" --version)"
    "$python" -m venv .venv
fi
installed=false  # an up-to-date install of these extras, or of more (make test's covers make demo's)
for done in .venv/.installed-*; do
    [ -f "$done" ] && [ ! pyproject.toml -nt "$done" ] && [ ! requirements/constraints.txt -nt "$done" ] || continue
    have="-${done#.venv/.installed-}-"
    covered=true
    for extra in ${extras//,/ }; do [[ "$have" == *"-$extra-"* ]] || covered=false; done
    if $covered; then installed=true; fi
done
if ! $installed; then
    echo "setup: installing annotated[$extras] into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c requirements/constraints.txt -e ".[$extras]"
    touch "$stamp"
fi
