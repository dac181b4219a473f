"""The options of a task run: the task's defaults, overridden field by field.

A run is reproducible from its options and its seed alone, so the options are one frozen
record, saved in the run's train state and card. The learning rate follows
:func:`~annotated.training.warmup_cosine` from ``lr`` down to :math:`\\eta_{min} = lr / 10`
over ``steps``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from annotated.tasks.seq2seq.registry import get_task


@dataclass(frozen=True)
class RunOptions:
    """Everything that determines a task run (see ``annotated train --help``)."""

    task: str
    seed: int
    steps: int
    batch_size: int
    lr: float
    warmup: int
    accumulate: int
    clip_norm: float | None
    smoothing: float
    eval_every: int
    stop_at: float
    checkpoint_every: int
    val_examples: int
    test_examples: int
    N: int
    d_model: int
    d_ff: int
    h: int
    dropout: float
    positions: str

    @classmethod
    def for_task(cls, task: str, **overrides: Any) -> RunOptions:
        """The task's defaults with ``overrides`` applied.

        Without an explicit ``warmup``, a run of another length warms up for the same
        fraction of its steps.

        Examples
        --------
        >>> RunOptions.for_task("copy", seed=3).seed
        3
        >>> default, short = RunOptions.for_task("copy"), RunOptions.for_task("copy", steps=100)
        >>> default.warmup / default.steps == short.warmup / short.steps
        True
        """
        t = get_task(task)
        values: dict[str, Any] = {"seed": 0, "accumulate": 1, "clip_norm": 1.0}
        values |= {"positions": "sinusoidal"}
        values |= {"val_examples": 1000, "test_examples": 1000}
        values |= asdict(t.defaults) | t.model_size | overrides
        values.setdefault("checkpoint_every", values["eval_every"])
        if "warmup" not in overrides:  # warm up for the same fraction of a longer or shorter run
            values["warmup"] = round(t.defaults.warmup * values["steps"] / t.defaults.steps)
        if values["warmup"] > values["steps"]:
            raise ValueError(
                f"--warmup {values['warmup']} is longer than --steps {values['steps']}"
            )
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown run options: {unknown}")
        return cls(task=task, **values)
