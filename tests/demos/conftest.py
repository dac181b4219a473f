"""The app, served by ``annotated demo`` in a subprocess on 127.0.0.1, and a client for it.

The server runs with one torch thread (the tests' client shares the two cores) and its own
Gradio temporary directory; its output is kept and shown if it fails to start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_LIMIT_S = 120.0
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "OMP_NUM_THREADS": "1",
}
# gradio_client and gradio leave sockets and event loops to the garbage collector
GRADIO_WARNINGS = [
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
    "ignore:.*websockets.*:DeprecationWarning",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, limit_s: float) -> float:
    """Poll ``url`` until it answers 200; return the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within {limit_s} s:\n{log.read_text()[-4000:]}")


def serve(command: list[str], cwd: Path, tmp: Path, env: dict[str, str]) -> Iterator[str]:
    """Run ``command`` (a Gradio app on a free loopback port); yield its URL; stop it."""
    port = free_port()
    log = tmp / "server.log"
    env = os.environ | OFFLINE_ENV | {"GRADIO_TEMP_DIR": str(tmp / "gradio")} | env
    env |= {"GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port)}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, process, log, START_LIMIT_S)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``annotated demo`` serving the shipped models (port and host from the environment)."""
    tmp = tmp_path_factory.mktemp("demo-server")
    command = [sys.executable, "-m", "annotated.cli", "demo"]
    yield from serve(command, ROOT, tmp, {})


@pytest.fixture(scope="session")
def client(app_url: str) -> Iterator[object]:
    """A ``gradio_client.Client`` of the app (files are not downloaded)."""
    from gradio_client import Client

    c = Client(app_url, verbose=False, download_files=False, analytics_enabled=False)
    yield c
    c.close()
