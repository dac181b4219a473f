"""The run options every ``annotated train`` task shares: threads, device, run directory, resume."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from annotated.cli.argtypes import THREADS_HELP, positive_int
from annotated.training.resume import STATE


def add_run_options(group: Any, task: str = "TASK") -> None:
    """Add ``--threads``, ``--device``, ``--out``, ``--resume`` and ``--quiet`` to ``group``.

    ``task`` names the task in the help of ``--out`` (its default is ``runs/TASK-TIME``).
    """
    group.add_argument("--threads", type=positive_int, default=1, help=THREADS_HELP)
    group.add_argument("--device", default="auto", help="auto (CUDA, MPS, CPU), cpu, cuda, mps")
    group.add_argument("--out", type=Path, help=f"run directory (default runs/{task}-TIME)")
    group.add_argument("--resume", action="store_true", help="continue the run in --out")
    group.add_argument("--quiet", action="store_true", help="no progress bar")


def run_directory(args: argparse.Namespace) -> Path:
    """``--out``, or else a new ``runs/TASK-TIME``; ``--resume`` needs ``--out``.

    The directory is also kept as ``args.run_dir``, so that an interrupted run can say where
    it can be resumed from (:func:`interrupted`).
    """
    if args.resume and args.out is None:
        raise ValueError("--resume needs --out RUN_DIR, the run to continue")
    args.run_dir = args.out or Path("runs") / f"{args.task}-{time.strftime('%Y%m%d-%H%M%S')}"
    return args.run_dir


def interrupted(args: argparse.Namespace) -> str:
    """What to tell the user of a training run stopped by Ctrl-C: how to continue it."""
    run = getattr(args, "run_dir", None)
    if run is None or not (Path(run) / STATE).is_file():
        return "interrupted before the first checkpoint: nothing was kept"
    return f"interrupted; {run} keeps the last checkpoint: add --out {run} --resume to continue"
