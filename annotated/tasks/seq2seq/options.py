"""The options of a task run: the task's defaults, overridden field by field.

A run is reproducible from its options and its seed alone, so the options are one frozen
record, saved in the run's train state and card. It *contains* the records it configures,
the model's :class:`~annotated.TransformerConfig` and the loop's
:class:`~annotated.LoopOptions`, rather than repeating their fields; an override names a
field of any of the three by its own name (``N``, ``max_steps``, ``lr``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from annotated.config import TransformerConfig
from annotated.fields import (
    Fraction,
    NonNegative,
    Positive,
    PositiveFloat,
    Probability,
    RunRecord,
    check_bounds,
    split_overrides,
)
from annotated.tasks.seq2seq.registry import get_task
from annotated.training.loop import LoopOptions
from annotated.training.schedules import warmup_cosine

# fields a task run takes from its task, never from an override
SET_BY_THE_TASK = frozenset({"task", "src_vocab", "tgt_vocab", "max_len"})


@dataclass(frozen=True)
class RunOptions(RunRecord):
    """Everything that determines a task run (see ``annotated train TASK --help``).

    The learning rate follows :func:`~annotated.warmup_cosine` from ``lr`` down to
    :math:`\\eta_{min} = lr / 10` over ``max_steps``.

    Parameters
    ----------
    task : str
        ``"copy"``, ``"sort"`` or ``"add"``.
    model : TransformerConfig
        The encoder-decoder (the task sets the vocabularies and ``max_len``).
    loop : LoopOptions
        Steps, accumulation, clipping, evaluation and checkpoint intervals.
    seed : int
        Initial weights and batches: the same options train the same run.
    batch_size : int
        Sequences per micro-batch.
    lr : float
        Peak learning rate (warmup, then cosine).
    warmup : int
        Linear warmup steps; by default the same fraction of a longer or shorter run.
    smoothing : float
        Label smoothing :math:`\\epsilon_{ls}`.
    stop_at : float
        Stop when the validation exact match reaches this at two evaluations in a row (0: never).
    val_examples : int
        Held-out validation inputs; each evaluation decodes the first 200 of them, and all
        of them only once those reach ``stop_at``.
    test_examples : int
        Held-out test inputs, decoded once at the end.

    Examples
    --------
    >>> from annotated.tasks.seq2seq.options import RunOptions
    >>> options = RunOptions.for_task("copy", seed=3, N=2)
    >>> options.seed, options.model.N, options.loop.max_steps
    (3, 2, 200)
    """

    LABEL: ClassVar[str] = "run options"

    task: str
    model: TransformerConfig
    loop: LoopOptions
    seed: NonNegative
    batch_size: Positive
    lr: PositiveFloat
    warmup: NonNegative
    smoothing: Probability
    stop_at: Fraction
    val_examples: Positive = 1000
    test_examples: Positive = 1000

    def __post_init__(self) -> None:
        check_bounds(self)
        if self.warmup > self.loop.max_steps:
            raise ValueError(
                f"--warmup {self.warmup} is longer than --max-steps {self.loop.max_steps}"
            )

    def schedule(self, step: int) -> float:
        """The learning rate of optimizer step ``step``: warmup, then cosine to ``lr / 10``."""
        return warmup_cosine(
            step, max_lr=self.lr, min_lr=self.lr / 10, warmup=self.warmup, total=self.loop.max_steps
        )

    @classmethod
    def for_task(cls, task: str, **overrides: Any) -> RunOptions:
        """The task's defaults with ``overrides`` (any field's name) applied.

        Without an explicit ``warmup``, a run of another length warms up for the same
        fraction of its steps; without an explicit ``checkpoint_interval``, a run saves at
        every evaluation.

        Examples
        --------
        >>> from annotated.tasks.seq2seq.options import RunOptions
        >>> default = RunOptions.for_task("copy")
        >>> short = RunOptions.for_task("copy", max_steps=100)
        >>> default.warmup / default.loop.max_steps == short.warmup / short.loop.max_steps
        True
        >>> RunOptions.for_task("copy", steps=100)
        Traceback (most recent call last):
        ...
        ValueError: unknown run options: ['steps']
        """
        t = get_task(task)
        parts = split_overrides(cls, overrides, derived=SET_BY_THE_TASK, label=cls.LABEL)
        d = t.defaults
        every = d.eval_interval
        loop = LoopOptions(
            d.max_steps, grad_clip=1.0, eval_interval=every, checkpoint_interval=every
        )
        loop = loop.with_changes(**parts.get("loop", {}))
        top = asdict(d) | {"seed": 0} | parts[""]
        for name in ("max_steps", "eval_interval"):
            top.pop(name)
        if "warmup" not in parts[""]:  # the same fraction of a longer or shorter run
            top["warmup"] = round(d.warmup * loop.max_steps / d.max_steps)
        return cls(task=task, model=t.config(**parts.get("model", {})), loop=loop, **top)
