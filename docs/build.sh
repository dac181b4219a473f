#!/usr/bin/env bash
# Build the docs site: docs/_build/html, warnings are errors, every gallery example executed.
#
#   docs/build.sh            a clean build (generated pages removed first, so every example
#                            and every executed snippet runs again)
#   docs/build.sh --quick    keep what an earlier build generated (sphinx-gallery re-runs only
#                            the examples whose file changed)
#   docs/build.sh [--quick] -D NAME=VALUE ...
#                            any further arguments go to sphinx-build, e.g.
#                            -D annotated_benchmarks=PATH reads the benchmark results from PATH
#
# MathJax 3 is installed from npm into docs/.npm (ignored) the first time and copied to
# docs/_static/mathjax (ignored), from where the built site serves it: no CDN, no network
# when the site is read. The Demos page's screenshots are taken from the running app in
# Debian's headless Chromium (the demos extra, Playwright and chromium are needed) and, like
# the Benchmarks page's plots, written to docs/_generated (ignored).
# Environment: PYTHON (the interpreter to build with), ANNOTATED_GALLERY=<regex> to execute
# only the matching gallery examples.
set -euo pipefail
cd "$(dirname "$0")/.."

# the interpreter: $PYTHON, else the active virtual environment's (tox sets VIRTUAL_ENV),
# else the repository's .venv, else python3 from PATH
python="${PYTHON:-}"
if [ -z "$python" ] && [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    python="$VIRTUAL_ENV/bin/python"
fi
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export MPLBACKEND=Agg

mathjax_version=3
if [ ! -f docs/_static/mathjax/tex-mml-chtml.js ]; then
    command -v npm >/dev/null || { echo "docs/build.sh: npm is needed to install MathJax" >&2; exit 1; }
    if [ ! -f docs/.npm/node_modules/mathjax/es5/tex-mml-chtml.js ]; then
        echo "docs/build.sh: npm install mathjax@$mathjax_version into docs/.npm"
        mkdir -p docs/.npm
        npm install --silent --no-audit --no-fund --no-save --prefix docs/.npm "mathjax@$mathjax_version"
    fi
    rm -rf docs/_static/mathjax
    cp -r docs/.npm/node_modules/mathjax/es5 docs/_static/mathjax
fi

if [ "${1:-}" = "--quick" ]; then
    shift
else
    rm -rf docs/_build docs/_generated docs/auto_examples docs/gen_modules docs/api \
        docs/sg_execution_times.rst
fi

start=$SECONDS
"$python" -m sphinx -W --keep-going -b html "$@" docs docs/_build/html
echo "docs/build.sh: built docs/_build/html in $((SECONDS - start)) s"
