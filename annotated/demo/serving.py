"""The app in a subprocess on a free loopback port, for as long as a ``with`` block lasts.

:func:`serving` starts ``annotated demo`` (or any Gradio app that reads
``GRADIO_SERVER_NAME`` and ``GRADIO_SERVER_PORT``) in a process of its own, waits until its
page answers, hands out the URL and stops the process on the way out. A notebook, a script or
a docs build can talk to the app over HTTP, and its models, threads and port are given back
when the block ends. The app runs offline (the :data:`~annotated.demo.OFFLINE` settings: no
analytics, no telemetry, no Hugging Face Hub) with a temporary directory of its own for the
files Gradio serves. :func:`annotated.demo.launch` serves in this process instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from annotated.demo import OFFLINE

START_LIMIT_S = 120.0  # the first start imports Gradio and torch: tens of seconds on a busy CPU
STOP_LIMIT_S = 20.0  # after SIGTERM, how long the app may take to exit before SIGKILL
LOG_TAIL = 4000  # characters of the log an error message quotes


def _free_port(host: str) -> int:
    """A TCP port of ``host`` that nothing listens on (at the time of asking)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-LOG_TAIL:] if log.is_file() else ""


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, limit_s: float) -> float:
    """Poll ``url`` until it answers 200; return the seconds that took.

    Raises
    ------
    RuntimeError
        If ``process`` exits first, or ``url`` does not answer within ``limit_s`` seconds;
        the message names ``log`` and quotes its end.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        if process.poll() is not None:
            raise RuntimeError(
                f"the app exited with code {process.returncode} before serving {url}; "
                f"the end of its log {log}:\n{_tail(log)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"the app did not answer at {url} within {limit_s:g} s; the end of its log {log}:\n"
        f"{_tail(log)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_LIMIT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(
    command: Sequence[str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    log: str | os.PathLike[str] | None = None,
    timeout: float = START_LIMIT_S,
) -> Iterator[str]:
    """Serve the demos in a subprocess; yield their URL; stop the subprocess on exit.

    Parameters
    ----------
    command : sequence of str, optional
        The app to run; by default ``annotated demo`` with this interpreter
        (``[sys.executable, "-m", "annotated.cli", "demo"]``). Any Gradio app that listens
        where ``GRADIO_SERVER_NAME`` and ``GRADIO_SERVER_PORT`` say will do, e.g. the
        ``app.py`` written by ``annotated space-export``.
    host : str
        The interface the app listens on and is asked at; loopback by default, so that
        nothing outside this machine can reach it.
    port : int, optional
        Its port; by default a free one.
    cwd : path, optional
        The app's working directory; by default this process's.
    env : mapping of str to str, optional
        Environment variables for the app, over this process's and the offline settings
        (``{"OMP_NUM_THREADS": "1"}`` gives it one torch thread; ``GRADIO_TEMP_DIR`` moves
        its files). ``GRADIO_SERVER_NAME`` and ``GRADIO_SERVER_PORT`` come from ``host`` and
        ``port``.
    log : path, optional
        Where the app's output (stdout and stderr) goes, kept afterwards; by default a
        temporary file removed on exit.
    timeout : float
        Seconds to wait for the app's page to answer.

    Yields
    ------
    str
        The app's URL, ``http://HOST:PORT/``, once its page answers.

    Raises
    ------
    RuntimeError
        If the app exits before it answers, or does not answer within ``timeout`` seconds;
        the message names the log and quotes its end.

    Examples
    --------
    Serve the shipped models, ask for the page, stop. Starting the app takes seconds, too
    long for a doctest (``tests/demos/test_serving.py`` runs this example for real):

    >>> from urllib.request import urlopen
    >>> with serving() as url:  # doctest: +SKIP
    ...     with urlopen(url) as page:
    ...         print(url, page.status)
    http://127.0.0.1:.../ 200
    """
    if command is None:
        command = [sys.executable, "-m", "annotated.cli", "demo"]
    port = _free_port(host) if port is None else port
    url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
    with tempfile.TemporaryDirectory(
        prefix="annotated-serving-", ignore_cleanup_errors=True
    ) as tmp:
        log_path = Path(tmp) / "app.log" if log is None else Path(log)
        full_env = {**os.environ, **OFFLINE, "GRADIO_TEMP_DIR": str(Path(tmp) / "gradio")}
        full_env |= dict(env or {})
        full_env |= {"GRADIO_SERVER_NAME": host, "GRADIO_SERVER_PORT": str(port)}
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                list(command), cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            _wait_until_up(url, process, log_path, timeout)
            yield url
        finally:
            _stop(process)
