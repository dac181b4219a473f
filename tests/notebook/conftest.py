"""marimo serving the shipped notebook in a subprocess on 127.0.0.1, with outside traffic refused.

Every server of these tests runs with its own empty marimo config, cache and state folders
(nothing of the user's is read or written), one torch thread, and ``offline_guard`` on
``PYTHONPATH``: its ``sitecustomize`` refuses any look-up or connection beyond loopback and
writes it to ``network.log``, which the tests read. The server's output goes to
``server.log``, quoted if it fails to start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotated.notebooks import offline_environment

ROOT = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).resolve().with_name("offline_guard")
START_LIMIT_S = 90.0


@dataclass(frozen=True)
class Server:
    """A running marimo: its URL, how long it took to answer, and its two logs."""

    url: str
    start_seconds: float
    log: Path
    network_log: Path

    def outside_requests(self) -> list[str]:
        """What the server tried to reach beyond loopback (refused), one entry each."""
        if not self.network_log.exists():
            return []
        return self.network_log.read_text(encoding="utf-8").splitlines()


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_environment(folder: Path, *, offline: bool = True) -> dict[str, str]:
    """The environment of a server under test, its marimo folders and logs in ``folder``.

    ``offline=False`` leaves out ``annotated notebook``'s offline settings (for the control
    test that shows the guard does see marimo's update check).
    """
    import matplotlib

    env = dict(os.environ)
    env.pop("MARIMO_SKIP_UPDATE_CHECK", None)
    if offline:
        env = offline_environment(env)
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        (folder / name).mkdir(exist_ok=True)
        env[name] = str(folder / name)
    env["MPLCONFIGDIR"] = matplotlib.get_cachedir()  # the font cache, not rebuilt per test
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD), str(ROOT)])
    env["ANNOTATED_NETWORK_LOG"] = str(folder / "network.log")
    env["OMP_NUM_THREADS"] = "1"
    return env


@contextmanager
def serving(
    arguments: Sequence[str], folder: Path, *, port: int, offline: bool = True
) -> Iterator[Server]:
    """Run ``python ARGUMENTS`` (a marimo server on ``port``) until the block ends.

    Waits until ``http://127.0.0.1:PORT/`` answers (any HTTP status: ``marimo edit`` asks
    for its token), then yields; the server's process group is stopped on exit.
    """
    log = folder / "server.log"
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, *arguments],
            cwd=folder,
            env=server_environment(folder, offline=offline),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # marimo's kernels are stopped with it
        )
    try:
        while not _answers(url):
            if process.poll() is not None or time.perf_counter() - start > START_LIMIT_S:
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"marimo did not answer at {url}; {log} ends:\n{tail}")
            time.sleep(0.2)
        yield Server(url, time.perf_counter() - start, log, folder / "network.log")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # an answer, if not a welcome one
    except OSError:
        return False


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``annotated notebook --run``: the notebook served as a read-only app on 127.0.0.1."""
    pytest.importorskip("marimo")
    folder = tmp_path_factory.mktemp("notebook-app")
    command = ["-m", "annotated.cli", "notebook", "--run", "--no-browser"]
    port = free_port()
    with serving([*command, "--port", str(port)], folder, port=port) as server:
        yield server
