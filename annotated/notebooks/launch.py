"""The ``marimo`` command that opens the shipped notebook: on loopback, offline, one thread.

marimo serves a notebook from a local web server and runs its cells in a Python kernel. Left
to its defaults, ``marimo edit`` asks marimo.io once a day whether a newer marimo exists, and
may offer to rerun the notebook in a ``uv`` sandbox (which downloads packages). The command
built here listens on 127.0.0.1 only, skips the version check (``--skip-update-check`` and
``MARIMO_SKIP_UPDATE_CHECK=1``), never sandboxes (``--no-sandbox``), and gives torch one
thread (``OMP_NUM_THREADS=1``; the notebook sets it too), because the kernel shares the
machine with the server and the browser. Nothing else in marimo contacts the network unless
the user turns on one of its AI features.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().with_name("annotated_transformer.py")
OFFLINE_ENV = {"MARIMO_SKIP_UPDATE_CHECK": "1", "OMP_NUM_THREADS": "1"}
HOST = "127.0.0.1"


def marimo_command(
    *,
    run: bool = False,
    port: int | None = None,
    browser: bool = True,
    notebook: Path = NOTEBOOK,
    python: str = sys.executable,
) -> list[str]:
    """The command line of ``marimo edit`` (or ``marimo run``) on :data:`NOTEBOOK`, on 127.0.0.1.

    Parameters
    ----------
    run : bool
        ``marimo run``: serve the notebook as a read-only app (code hidden, no editing),
        instead of ``marimo edit``.
    port : int, optional
        The port; by default marimo takes the first free one from 2718.
    browser : bool
        Open the default browser on the notebook (``False`` adds ``--headless``).
    notebook : Path
        The notebook file.
    python : str
        The interpreter that has marimo (this one by default).

    Returns
    -------
    list of str
        The command, for :func:`subprocess.run` with :func:`offline_environment`.

    Examples
    --------
    >>> from annotated.notebooks import marimo_command
    >>> cmd = marimo_command(run=True, port=2800, browser=False, python="python")
    >>> cmd[:4], cmd[4].endswith("annotated_transformer.py")
    (['python', '-m', 'marimo', 'run'], True)
    >>> cmd[5:]
    ['--host', '127.0.0.1', '--no-sandbox', '--port', '2800', '--headless']
    >>> "--skip-update-check" in marimo_command()    # only ``edit`` checks for updates
    True
    """
    command = [python, "-m", "marimo", "run" if run else "edit", str(notebook)]
    command += ["--host", HOST, "--no-sandbox"]
    if port is not None:
        command += ["--port", str(port)]
    if not run:
        command.append("--skip-update-check")
    if not browser:
        command.append("--headless")
    return command


def offline_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (by default this process's environment) with :data:`OFFLINE_ENV` over it.

    Examples
    --------
    >>> from annotated.notebooks import offline_environment
    >>> env = offline_environment({"PATH": "/usr/bin", "OMP_NUM_THREADS": "2"})
    >>> env == {"PATH": "/usr/bin", "OMP_NUM_THREADS": "1", "MARIMO_SKIP_UPDATE_CHECK": "1"}
    True
    """
    env = dict(os.environ if base is None else base)
    env.update(OFFLINE_ENV)
    return env
