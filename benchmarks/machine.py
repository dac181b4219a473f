"""What every benchmark records beside its figures, and how it saves them.

A figure means little without the machine it was measured on: the CPU model, how many cores
and torch threads, the torch and package versions. These machines are also shared, so the
scripts note the load average beside each measurement. Results are written atomically (a
killed benchmark never leaves half a JSON file for ``run_all.py`` or the docs to read).
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import torch

import annotated
from annotated.training.files import atomic_write


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo``, else what :mod:`platform` knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The machine and software the figures were measured with."""
    return {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "annotated": annotated.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def load_average() -> float | None:
    """The 1-minute load average, if the platform has one."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def save_result(path: Path, result: dict[str, Any]) -> None:
    """Write ``result`` with the machine to ``path`` as indented JSON, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(result | {"machine": machine()}, indent=2) + "\n").encode())


def merge_run(path: Path, key: str, run: dict[str, Any]) -> None:
    """Add ``run`` under ``key`` to the ``runs`` of the results file at ``path``.

    The file is read again each time: another process may have added its runs meanwhile.
    """
    saved = json.loads(path.read_text()) if path.is_file() else {"runs": {}}
    saved["runs"][key] = run
    save_result(path, saved)
