"""``annotated.demo.serving``: the app in a subprocess for the length of a ``with`` block.

The failures are tested on stand-in commands (one that dies, one that never listens), which
take a second; the documented example, which serves the real app, runs under ``-m demos``.
"""

from __future__ import annotations

import doctest
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("gradio")

from annotated.demo import serving
from tests.demos.conftest import GRADIO_WARNINGS, TEST_ENV

pytestmark = [pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS]


def test_an_app_that_dies_is_a_clear_error_naming_its_log(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    dies = [sys.executable, "-c", "print('no such model'); raise SystemExit(3)"]
    with pytest.raises(RuntimeError, match="exited with code 3") as error, serving(dies, log=log):
        pytest.fail("the block ran although the app never served")
    assert str(log) in str(error.value) and "no such model" in str(error.value)
    assert "no such model" in log.read_text()  # the log is kept


def test_an_app_that_never_answers_is_stopped_and_reported(tmp_path: Path) -> None:
    pid = tmp_path / "pid"
    hangs = [sys.executable, "-c", f"import os, time; open({str(pid)!r}, 'w').write("
             "str(os.getpid())); print('loading', flush=True); time.sleep(600)"]  # fmt: skip
    with (
        pytest.raises(RuntimeError, match=r"did not answer .* within 3 s") as error,
        serving(hangs, timeout=3),
    ):
        pytest.fail("the block ran although the app never served")
    assert "loading" in str(error.value)  # the end of its (temporary) log
    assert not Path(f"/proc/{pid.read_text()}").exists(), "the app was left running"


def test_the_app_sees_the_offline_settings_its_address_and_env(tmp_path: Path) -> None:
    out = tmp_path / "env"
    names = ["GRADIO_ANALYTICS_ENABLED", "HF_HUB_OFFLINE", "GRADIO_SERVER_NAME",
             "GRADIO_SERVER_PORT", "OMP_NUM_THREADS", "GRADIO_TEMP_DIR"]  # fmt: skip
    dump = [sys.executable, "-c", f"import os; open({str(out)!r}, 'w').write(' '.join("
            f"os.environ.get(n, '-') for n in {names!r}))"]  # fmt: skip
    with (
        pytest.raises(RuntimeError, match="exited with code 0") as error,
        serving(dump, env={"OMP_NUM_THREADS": "1", "GRADIO_TEMP_DIR": str(tmp_path)}),
    ):
        pytest.fail("the block ran although the app never served")
    port = re.search(r"http://127\.0\.0\.1:(\d+)/", str(error.value))
    assert port, str(error.value)
    assert out.read_text().split() == [
        "False", "1", "127.0.0.1", port.group(1), "1", str(tmp_path)
    ]  # fmt: skip


@pytest.mark.demos
def test_the_documented_example_serves_the_app() -> None:
    """The docstring's example, skipped as a doctest (it starts the app), run here for real."""
    parser = doctest.DocTestParser()
    test = parser.get_doctest(serving.__doc__ or "", {"serving": serving}, "serving", None, 0)
    assert len(test.examples) == 2
    for example in test.examples:
        example.options.pop(doctest.SKIP, None)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    result = runner.run(test, out=print)
    assert result == (0, 2), "the example in serving's docstring failed (its output is above)"


@pytest.mark.demos
def test_a_port_in_use_is_one_line_naming_the_flag(tmp_path: Path) -> None:
    """``annotated demo --port P`` with P taken: the user's flag, not Gradio's ``launch()``."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "annotated.cli", "demo", "--port", str(port)],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
            env={**os.environ, **TEST_ENV, "GRADIO_ANALYTICS_ENABLED": "False"},
        )  # fmt: skip
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"annotated demo: error: port {port} is in use: pass another --port, or leave --port "
        "out for the first free one"
    ), done.stderr
