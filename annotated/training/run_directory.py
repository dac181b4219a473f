"""A run directory: one run, written where a reader expects it, never over another.

Every trainer (:mod:`annotated.tasks.seq2seq.run`, :mod:`annotated.tasks.language_model.run`)
writes the same layout:

* ``model.safetensors`` and ``model.json``: the checkpoint and its card;
* ``train_state.safetensors``: everything ``--resume`` needs (:mod:`annotated.training.resume`);
* ``metrics.json``: the per-step curves, the evaluations and the final metrics;
* ``loss.png``, ``perplexity.png``, ``tokens_per_s.png``, ``lr.png``.

Two rules keep a directory one run: a new run starts only in an absent or empty directory,
and a resumed run keeps the options it saved, so an option given again must agree with them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated.fields import flag
from annotated.training.files import CheckpointError, atomic_write
from annotated.training.loop import TrainState
from annotated.training.plots import plot_run
from annotated.training.resume import STATE, read_extra


@dataclass(frozen=True)
class RunResult:
    """What a run produced: its final state, its metrics (empty off rank 0), its directory."""

    state: TrainState
    metrics: dict[str, Any]
    directory: Path


def check_new_run_directory(out: Path) -> None:
    """A new run never writes over another: ``out`` must be absent or an empty directory."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(
            f"{out} already exists; pass --resume to continue that run or another --out"
        )


def saved_options(out: Path) -> dict[str, Any]:
    """The options the run in ``out`` saved with its train state, to resume it with."""
    if not (out / STATE).is_file():
        raise CheckpointError(f"{out}: nothing to resume (no {STATE})")
    return dict(read_extra(out / STATE)["options"])


def check_kept_options(saved: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    """A resumed run keeps its options: each of ``overrides`` must equal its ``saved`` value.

    Examples
    --------
    >>> from annotated.training.run_directory import check_kept_options
    >>> check_kept_options({"N": 2, "lr": 0.01}, {"N": 2})
    >>> check_kept_options({"N": 2, "lr": 0.01}, {"N": 3})
    Traceback (most recent call last):
    ...
    ValueError: --n-layer 3 differs from the run's 2; a resumed run keeps its options
    """
    for name, value in overrides.items():
        if value != saved.get(name, value):
            raise ValueError(
                f"{flag(name)} {value} differs from the run's {saved[name]}; "
                "a resumed run keeps its options"
            )


def remove_stale_files(out: Path) -> None:
    """Delete the temporary files a run killed mid-write left (``.*.tmp``)."""
    for stale in out.glob(".*.tmp"):
        stale.unlink()


def write_results(out: Path, state: TrainState, metrics: dict[str, Any]) -> None:
    """``metrics.json`` (final metrics, curves, evaluations) and the plots of the run."""
    record = {"metrics": metrics, "history": state.history, "evals": state.evals}
    atomic_write(out / "metrics.json", json.dumps(record, indent=1).encode())
    plot_run(state.history, state.evals, out)
