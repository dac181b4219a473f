"""What every synthetic task shares: a grammar, a seeded generator, a held-out split.

A task maps a source sequence of symbols to a target; the model learns it one target token
at a time, including the end of the answer (the sequences are :class:`Task`'s).

**Held-out inputs are never trained on.** An input belongs to the held-out partition when the
CRC-32 checksum of its text is divisible by 10, so about 10% of all inputs are reserved, the same ones on every machine. The training
generator rejects them; the validation and test sets (for early stopping and for the reported
metric) draw only from them, and from disjoint halves of one stream, so the stopping rule never
sees the test set.

**Data position is an index, not a state.** Training batch :math:`i` of seed :math:`s` comes
from its own generator seeded with :math:`(s, i)`, so a resumed run needs only :math:`i` to
continue with exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import random
import zlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch

from annotated.config import TransformerConfig
from annotated.tokenizers.vocabulary import Vocabulary
from annotated.training.batch import Batch, pad_rows

HELD_OUT_MODULUS = 10
Split = Literal["test", "val"]


@dataclass(frozen=True)
class TrainDefaults:
    """A task's default training options, chosen so ``annotated train TASK`` is fast on a CPU.

    Parameters
    ----------
    max_steps : int
        Optimizer steps at most (also the length of the learning-rate schedule).
    batch_size : int
        Sequences per optimizer step.
    lr : float
        Peak learning rate of the warmup + cosine schedule.
    warmup : int
        Warmup steps.
    eval_interval : int
        Evaluate the held-out validation set every this many optimizer steps.
    stop_at : float
        Stop early once validation exact match reaches this fraction.
    smoothing : float
        Label smoothing :math:`\\epsilon_{ls}`.
    """

    max_steps: int
    batch_size: int
    lr: float
    warmup: int
    eval_interval: int
    stop_at: float
    smoothing: float = 0.0


class Task(ABC):
    """A sequence-to-sequence task written as text: a source :math:`x`, a target :math:`y = f(x)`.

    The model learns :math:`p(y \\mid x)` one target token at a time. The encoder reads the
    source and an end token, the decoder the shifted target,

    .. math::

        x^{in} = (x_1, \\dots, x_n, \\texttt{</s>}), \\qquad
        y^{in} = (\\texttt{<s>}, y_1, \\dots, y_m), \\qquad
        y^{out} = (y_1, \\dots, y_m, \\texttt{</s>}),

    so it predicts every next token, including the end of the answer.

    Subclasses set the class attributes and implement :meth:`parse`, :meth:`solve`,
    :meth:`sample` and :meth:`render`; everything else (tensors, batches, held-out sets)
    is shared.

    Examples
    --------
    >>> from annotated import get_task
    >>> task = get_task("sort")
    >>> task.answer("3 1 4 1 5")
    '1 1 3 4 5'
    >>> batch = task.batch(seed=0, index=0, batch_size=4)
    >>> batch.src.shape[0], batch.tgt.shape[0]       # (batch, src_len), (batch, tgt_len)
    (4, 4)
    """

    name: ClassVar[str]
    vocab: ClassVar[Vocabulary]
    max_src_len: ClassVar[int]  # symbols in the longest source
    max_tgt_len: ClassVar[int]  # symbols in the longest answer, without <s> and </s>
    grammar: ClassVar[str]  # the input grammar in words, for error messages
    defaults: ClassVar[TrainDefaults]
    model_size: ClassVar[dict[str, Any]]  # the default model, as TransformerConfig fields

    @abstractmethod
    def parse(self, text: str) -> list[str]:
        """The source symbols of ``text``; malformed text is a ``ValueError`` saying why."""

    @abstractmethod
    def solve(self, source: Sequence[str]) -> list[str]:
        """The target symbols for ``source``: the task's function :math:`f`."""

    @abstractmethod
    def sample(self, rng: random.Random) -> list[str]:
        """Draw one source from the task's input distribution."""

    @abstractmethod
    def render(self, symbols: Sequence[str]) -> str:
        """Write source or target symbols as text (the inverse of :meth:`parse`)."""

    def answer(self, text: str) -> str:
        """The correct output text for the input ``text``."""
        return self.render(self.solve(self.parse(text)))

    @property
    def max_len(self) -> int:
        """The longest sequence the model is given: the source and ``</s>``, or a whole target.

        A whole target is ``<s>``, the answer and ``</s>``: training shifts it by one, and a
        decoded answer is read back whole to show its attention.

        Examples
        --------
        >>> from annotated import get_task
        >>> get_task("copy").max_len                     # 10 digits and two special tokens
        12
        """
        return max(self.max_src_len + 1, self.max_tgt_len + 2)

    def config(self, **overrides: Any) -> TransformerConfig:
        """The task's default model, with ``overrides`` applied."""
        size = {"max_len": self.max_len} | self.model_size | overrides
        return TransformerConfig(len(self.vocab), len(self.vocab), **size)

    def is_held_out(self, source: Sequence[str]) -> bool:
        """Whether ``source`` is held out: the CRC-32 of its text is divisible by 10."""
        return zlib.crc32(self.render(source).encode()) % HELD_OUT_MODULUS == 0

    def training_sources(self, seed: int, index: int, n: int) -> list[list[str]]:
        """The ``n`` sources of training batch ``index`` under ``seed``, none held out."""
        if seed < 0 or index < 0:
            raise ValueError(f"seed and index must be non-negative, got {seed} and {index}")
        rng = random.Random(f"{seed}/{index}")
        out: list[list[str]] = []
        while len(out) < n:
            source = self.sample(rng)
            if not self.is_held_out(source):
                out.append(source)
        return out

    def batch(self, seed: int, index: int, batch_size: int) -> Batch:
        """Training batch ``index`` of the run seeded ``seed`` (no held-out input in it)."""
        sources = self.training_sources(seed, index, batch_size)
        return Batch(self.source_tensor(sources), self.target_tensor(sources), pad=self.vocab.pad)

    def held_out(self, n: int, split: Split = "test") -> list[str]:
        """The first ``n`` distinct held-out inputs of ``split`` (``"test"`` or ``"val"``).

        Both splits come from one fixed stream of distinct inputs of :math:`\\mathcal{H}`,
        even positions to test and odd ones to validation, so they never overlap and a longer
        set starts with the shorter one.
        """
        if split not in ("test", "val"):
            raise ValueError(f"split must be 'test' or 'val', got {split!r}")
        rng = random.Random(f"held-out/{self.name}")
        seen: set[str] = set()
        wanted = 2 * n - (split == "test")
        stream: list[str] = []
        while len(stream) < wanted:
            source = self.sample(rng)
            text = self.render(source)
            if text not in seen and self.is_held_out(source):
                seen.add(text)
                stream.append(text)
        return stream[split == "val" :: 2][:n]

    def source_tensor(self, sources: Sequence[Sequence[str]]) -> torch.Tensor:
        """Source indices then ``</s>``, padded: ``(batch, src_len)``.

        The end token tells the encoder where the input stops, so "this output position is
        past the end of the input" is a token to attend to, not an absence to infer.
        """
        v = self.vocab
        return pad_rows([[*v.encode(s), v.end] for s in sources], v.pad)

    def target_tensor(self, sources: Sequence[Sequence[str]]) -> torch.Tensor:
        """``<s>`` answer ``</s>`` for each source, padded: ``(batch, tgt_len + 2)``."""
        v = self.vocab
        return pad_rows([[v.start, *v.encode(self.solve(s)), v.end] for s in sources], v.pad)
