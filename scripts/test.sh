#!/usr/bin/env bash
# The project's test command: set-up, then every gate, each timed.
#   lint  ruff check + ruff format --check
#   type  mypy on annotated/
#   suite the whole pytest suite (fast lane + slow) once, under coverage (>= 90% of annotated/)
#   docs  the Sphinx site built with -W, every gallery example executed, read in Chromium
#   demos the Gradio app on 127.0.0.1: gradio_client, Chromium, the exported Space;
#         the marimo notebook served on 127.0.0.1, in Chromium
# A failing gate fails the command; the timings are printed either way.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh || exit 1
scripts/setup.sh test,docs,demos,notebook || exit 1
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
bin=.venv/bin
names=() times=() codes=()
gate() {
    local name=$1; shift
    echo "=== $name: $*"
    local start=$SECONDS
    "$@"
    local code=$?
    names+=("$name") times+=($((SECONDS - start))) codes+=("$code")
}
gate lint bash -c "$bin/ruff check . && $bin/ruff format --check ."
gate type $bin/mypy
gate suite $bin/python -m pytest -n 2 -m "not docs and not browser and not demos" \
    --cov=annotated --cov-report=term:skip-covered --cov-fail-under=90 -p no:cacheprovider
gate docs $bin/python -m pytest -m "docs or browser" tests/docs -p no:cacheprovider
gate demos $bin/python -m pytest -m demos tests/demos tests/lab tests/notebook -p no:cacheprovider
echo
echo "gate    seconds  result"
failed=0
for i in "${!names[@]}"; do
    result=ok
    [ "${codes[$i]}" -eq 0 ] || { result="FAILED (exit ${codes[$i]})"; failed=1; }
    printf "%-7s %7s  %s\n" "${names[$i]}" "${times[$i]}" "$result"
done
exit $failed
