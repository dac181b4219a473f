"""``annotated notebook``: open the walk-through as a marimo notebook on 127.0.0.1, offline."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any

from annotated.notebooks import marimo_command, offline_environment


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {text!r}")
    return port


def run(args: argparse.Namespace) -> int:
    """Become ``marimo edit`` (or ``marimo run``) on the shipped notebook.

    The process is replaced rather than given a child, so Ctrl-C and a terminating signal
    reach marimo itself and nothing is left running behind it.
    """
    if importlib.util.find_spec("marimo") is None:
        raise ValueError("the notebook needs marimo: pip install annotated[notebook]")
    command = marimo_command(run=args.as_app, port=args.port, browser=not args.no_browser)
    sys.stdout.flush()
    os.execve(command[0], command, offline_environment())


def register(sub: Any) -> None:
    """Add the ``notebook`` subcommand."""
    p = sub.add_parser(
        "notebook",
        help="open the walk-through as a marimo notebook (marimo edit; --run: as an app)",
        description="Open the Annotated Transformer walk-through in marimo on 127.0.0.1, with "
        "marimo's update check off: nothing is downloaded. Needs the notebook extra "
        "(pip install annotated[notebook]). Stop it with Ctrl-C.",
    )
    p.add_argument(  # dest: ``args.run`` is the subcommand's function
        "--run",
        dest="as_app",
        action="store_true",
        help="serve it read-only as an app (marimo run)",
    )
    p.add_argument("--port", type=port_number, help="port (default: the first free one from 2718)")
    p.add_argument("--no-browser", action="store_true", help="do not open the default browser")
    p.set_defaults(run=run)
