"""The options of a translation run: the paper's recipe at the size of a laptop CPU.

As in :class:`~annotated.tasks.seq2seq.options.RunOptions`, the record *contains* the
model's :class:`~annotated.TransformerConfig` and the loop's :class:`~annotated.LoopOptions`.
The defaults follow the paper where it applies at this scale: one subword vocabulary shared
by German and English and the three-way weight sharing of section 3.4, label smoothing 0.1,
the warmup-then-:math:`1/\\sqrt{s}` schedule of section 5.3 (:func:`~annotated.rate`), Adam
with :math:`\\beta_2 = 0.98`, batches of about equal *token* counts, and beam search with
beam 4 and length penalty :math:`\\alpha = 0.6` for the reported scores. Not from the paper:
the forward passes run under bfloat16 autocast where the hardware multiplies bfloat16
(``--dtype auto``; weights and optimizer in float32, attention and the loss in float32),
because on a CPU with ``avx512_bf16`` it cuts the step time of this model by a third to a
half, while on one without it emulated bfloat16 would be far slower than float32
(:mod:`annotated.training.precision`; ``benchmarks/bench_translation_dtype.py``, timed
with the paper's dropout 0.1). Nor is the dropout, 0 here: within this short budget of
3,500 steps, dropout 0.1 slowed learning more than it regularised (test BLEU 20.23, beam 4,
against the shipped model's 23.28 without it, everything else equal; 0.2 fell further
behind), and without it the validation loss only starts to rise at the last evaluation
(the curves are in issue #14).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal, get_args

from annotated.config import TransformerConfig
from annotated.fields import (
    NonNegative,
    Positive,
    PositiveFloat,
    Probability,
    RunRecord,
    check_bounds,
    split_overrides,
)
from annotated.tasks.translation.data import POOL
from annotated.training.loop import LoopOptions
from annotated.training.schedules import rate, warmup_cosine

Decay = Literal["paper", "cosine"]

DEFAULT_MODEL = TransformerConfig(
    src_vocab=4000, tgt_vocab=4000, N=3, d_model=256, d_ff=1024, h=4, dropout=0.0,
    share_embeddings=True, max_len=256,
)  # fmt: skip
DEFAULT_LOOP = LoopOptions(
    max_steps=3500, grad_clip=0.0, eval_interval=500, checkpoint_interval=250, dtype="auto"
)


@dataclass(frozen=True)
class TranslationOptions(RunRecord):
    """Everything that determines a translation run (``annotated train translate -h``).

    Parameters
    ----------
    model : TransformerConfig
        The encoder-decoder; ``src_vocab`` and ``tgt_vocab`` are the tokenizer's size.
    loop : LoopOptions
        Steps, accumulation, clipping, evaluation and checkpoint intervals.
    corpus : str, optional
        A folder built by ``annotated data de-en`` (default: the user's cache).
    seed : int
        Initial weights, batches, dropout.
    vocab_size : int
        Subword vocabulary shared by German and English, trained on the training split.
    max_tokens : int
        Token budget of one micro-batch (sentences times the longest side).
    pool : int
        Pairs sorted by length together before they are cut into batches
        (:mod:`annotated.tasks.translation.data`): the larger, the less padding.
    factor : float
        :math:`f` of the paper's schedule :math:`f \\cdot d_{model}^{-0.5} \\min(s^{-0.5}, s \\cdot w^{-1.5})`.
    warmup : int
        :math:`w`, its warmup steps.
    decay : str
        How the rate falls after the warmup's peak :math:`\\eta_{max} = f (d_{model} w)^{-0.5}`:
        ``"paper"``, as :math:`1/\\sqrt{s}` for ever (section 5.3), or ``"cosine"``, half a
        cosine down to :math:`\\eta_{max} / 10` at ``max_steps`` (:func:`~annotated.warmup_cosine`),
        which spends a fixed budget of steps ending at a small rate. With it, ``average``
        is 1 unless given: the mean of checkpoints from the cosine's high-rate middle is
        worse than its last weights (test BLEU 15.47 against 18.51 after 2,000 steps, beam 4).
    smoothing : float
        Label smoothing :math:`\\epsilon_{ls}` (paper: 0.1).
    val_sentences : int
        Validation sentences translated (greedy) for the BLEU at each evaluation, evenly
        spaced through the split so that both sources are in the sample.
    beam : int
        Beam width of the final scores (paper: 4).
    alpha : float
        Length penalty :math:`\\alpha` of the beam (paper: 0.6).
    average : int
        Checkpoints (one every ``checkpoint_interval`` steps) whose mean weights are the final
        model (paper: the last 5); 1 keeps the last weights.

    Examples
    --------
    >>> from annotated.tasks.translation.options import TranslationOptions
    >>> options = TranslationOptions.for_run({"N": 2, "max_steps": 100, "warmup": 10})
    >>> options.model.N, options.model.share_embeddings, options.loop.max_steps
    (2, True, 100)
    """

    LABEL: ClassVar[str] = "translation run options"

    model: TransformerConfig = DEFAULT_MODEL
    loop: LoopOptions = DEFAULT_LOOP
    corpus: str | None = None
    seed: NonNegative = 0
    vocab_size: Positive = 4000
    max_tokens: Positive = 2500
    pool: Positive = POOL
    factor: PositiveFloat = 1.0
    warmup: Positive = 800
    decay: Decay = "paper"
    smoothing: Probability = 0.1
    val_sentences: Positive = 300
    beam: Positive = 4
    alpha: float = 0.6
    average: Positive = 5

    def __post_init__(self) -> None:
        check_bounds(self)
        if self.decay not in get_args(Decay):
            raise ValueError(f"--decay must be one of {get_args(Decay)}, got {self.decay!r}")
        if self.decay == "cosine" and self.warmup >= self.loop.max_steps:
            raise ValueError(
                "--decay cosine needs --warmup below --max-steps, "
                f"got {self.warmup} and {self.loop.max_steps}"
            )

    def schedule(self, step: int) -> float:
        """The learning rate of optimizer step ``step``: the paper's, or its cosine variant.

        Both rise alike to the same peak at ``warmup``:

        >>> from annotated.tasks.translation.options import TranslationOptions
        >>> paper = TranslationOptions.for_run({"max_steps": 2000})
        >>> cosine = TranslationOptions.for_run({"max_steps": 2000, "decay": "cosine"})
        >>> [round(o.schedule(800) * 1e3, 3) for o in (paper, cosine)]
        [2.21, 2.21]
        >>> [round(o.schedule(2000) * 1e3, 3) for o in (paper, cosine)]
        [1.398, 0.221]
        """
        if self.decay == "paper":
            return rate(step, self.model.d_model, self.factor, self.warmup)
        peak = rate(self.warmup, self.model.d_model, self.factor, self.warmup)
        return warmup_cosine(
            step, max_lr=peak, min_lr=peak / 10, warmup=self.warmup, total=self.loop.max_steps
        )

    def with_vocab_size(self, vocab_size: int) -> TranslationOptions:
        """These options for a tokenizer of ``vocab_size`` tokens (shared by both sides)."""
        model = replace(self.model, src_vocab=vocab_size, tgt_vocab=vocab_size)
        return replace(self, model=model)

    @classmethod
    def for_run(cls, overrides: dict[str, Any]) -> TranslationOptions:
        """The defaults with ``overrides`` (any field's name, nested ones too).

        Without an explicit ``checkpoint_interval``, a run saves at every evaluation; with
        ``decay="cosine"`` and no explicit ``average``, it keeps its last weights:

        >>> from annotated.tasks.translation.options import TranslationOptions
        >>> TranslationOptions.for_run({"decay": "cosine"}).average
        1
        >>> TranslationOptions.for_run({"decay": "cosine", "average": 3}).average
        3
        """
        default = cls()
        derived = frozenset({"src_vocab", "tgt_vocab"})
        parts = split_overrides(cls, overrides, derived=derived, label=cls.LABEL)
        loop = default.loop.with_changes(**parts.get("loop", {}))
        model = replace(default.model, **parts.get("model", {}))
        top = parts[""]
        if top.get("decay") == "cosine":
            top = {"average": 1} | top
        return cls(model=model, loop=loop, **top)
