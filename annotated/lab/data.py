"""Where a Lab run's batches come from: a synthetic task, or windows of Shakespeare.

Both sources give the same three things to :class:`~annotated.lab.LabRun`: training batch
:math:`i` (a pure function of the seed and :math:`i`, so a run is reproducible), a fixed
validation set, and the summed next-token loss with its token count,

.. math::

    \\mathcal{L} = -\\sum_{b,t} [y_{b,t} \\ne \\text{pad}]\\, \\log p_\\theta(y_{b,t} \\mid \\cdot),
    \\qquad n = \\sum_{b,t} [y_{b,t} \\ne \\text{pad}],

so the per-token loss :math:`\\mathcal{L}/n` of the two families lands on one axis. The
tasks validate on their held-out inputs (never trained on); Shakespeare on fixed windows of
the last 10% of the text. A Shakespeare batch also counts the characters :math:`c` its
targets spell, so a character run and a BPE run compare in bits per character,
:math:`\\mathcal{L} / (c \\ln 2)`
(:class:`~annotated.tasks.language_model.evaluation.SplitLoss`).

The encoded corpus is read once per process and tokenizer and shared, read-only, by every
run: it is data, like the package's code, not anybody's session.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from annotated.lab.config import LabConfig
from annotated.model import EncoderDecoder
from annotated.tasks import Task, get_task
from annotated.tasks.language_model.corpus import load_corpus, split_corpus
from annotated.tasks.language_model.data import LMBatch, lm_batch, lm_loss
from annotated.tasks.language_model.tokenizer import build_tokenizer
from annotated.tokenizers.protocol import TextTokenizer
from annotated.training.batch import Batch

VAL_SEQUENCES = 64  # sequences in the validation set: enough for a steady curve, fast to score
VAL_INDEX = 2**31  # validation windows use batch indices no training run reaches
VAL_SEED = 0  # ... and one seed, so every run validates on the same windows


class LabData(Protocol):
    """What a run needs of its data."""

    tokens: list[str]  # every token's text, in index order

    def train_batch(self, index: int) -> Any:
        """Training batch ``index``."""
        ...

    def val_batches(self) -> list[Any]:
        """The fixed validation batches."""
        ...

    def loss(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, int]:
        """The summed loss of ``batch`` and its token count."""
        ...

    def characters(self, batch: Any) -> int | None:
        """The characters ``batch``'s targets spell; ``None`` if its tokens are not text."""
        ...


def task_loss(model: EncoderDecoder, batch: Batch) -> tuple[torch.Tensor, int]:
    """The summed cross-entropy of an encoder-decoder on ``batch`` and its token count.

    Examples
    --------
    >>> from annotated import EncoderDecoder, get_task
    >>> from annotated.lab.data import task_loss
    >>> task = get_task("copy")
    >>> model = EncoderDecoder.from_config(task.config())
    >>> loss, n = task_loss(model, task.batch(seed=0, index=0, batch_size=4))
    >>> loss.shape, n == int((task.batch(0, 0, 4).tgt_y != 0).sum())
    (torch.Size([]), True)
    """
    out = model(batch.src, batch.tgt, batch.src_mask, batch.tgt_mask)  # (batch, tgt_len, d_model)
    logp = model.generator(out)  # (batch, tgt_len, vocab)
    loss = F.nll_loss(
        logp.flatten(0, 1), batch.tgt_y.flatten(), ignore_index=batch.pad, reduction="sum"
    )
    return loss, batch.ntokens


class TaskData:
    """Batches of a synthetic task (copy, sort, add) for an encoder-decoder.

    Examples
    --------
    >>> from annotated.lab import LabConfig
    >>> from annotated.lab.data import TaskData
    >>> data = TaskData(LabConfig(task="add", batch_size=8))
    >>> data.train_batch(0).src.shape[0], len(data.tokens), data.tokens[-1]
    (8, 14, '+')
    """

    def __init__(self, config: LabConfig) -> None:
        self.task: Task = get_task(config.task)
        self.seed, self.batch_size = config.seed, config.batch_size
        self.tokens = list(self.task.vocab.tokens)

    def train_batch(self, index: int) -> Batch:
        """Training batch ``index``: ``(batch, src_len)`` sources, no held-out input."""
        return self.task.batch(self.seed, index, self.batch_size)

    def val_batches(self) -> list[Batch]:
        """One batch of the task's held-out validation inputs."""
        sources = [self.task.parse(text) for text in self.task.held_out(VAL_SEQUENCES, "val")]
        v = self.task.vocab
        return [Batch(self.task.source_tensor(sources), self.task.target_tensor(sources), v.pad)]

    def loss(self, model: nn.Module, batch: Batch) -> tuple[torch.Tensor, int]:
        """:func:`task_loss`."""
        return task_loss(model, batch)  # type: ignore[arg-type]

    def characters(self, batch: Batch) -> None:
        """``None``: a task's symbols (digits, ``+``) are not text to count in characters."""
        return None


@functools.lru_cache(maxsize=4)
def shakespeare_tokens(
    tokenizer: str, bpe_vocab: int
) -> tuple[TextTokenizer, torch.Tensor, torch.Tensor]:
    """The default corpus's tokenizer and its training and validation tokens ``(n,)``.

    The tokenizer is the language-model task's own
    (:func:`~annotated.tasks.language_model.tokenizer.build_tokenizer`): characters, or a
    BPE of at most ``bpe_vocab`` tokens trained on the training split. Each is built and
    encoded once per process (about a second for characters, five for a BPE), then shared
    read-only.
    """
    text = load_corpus()
    train, val = split_corpus(text)
    built = build_tokenizer(tokenizer, text, train, bpe_vocab)
    return built, built.encode_tensor(train), built.encode_tensor(val)


class TextData:
    """Random windows of Shakespeare for a GPT (:func:`~annotated.tasks.language_model.data.lm_batch`).

    Parameters
    ----------
    config : LabConfig
        Its seed, batch size, context length ``max_len`` and tokenizer.
    corpus : tuple, optional
        ``(tokenizer, train, val)``; by default :func:`shakespeare_tokens` of the config's
        tokenizer.
    """

    def __init__(
        self,
        config: LabConfig,
        corpus: tuple[TextTokenizer, torch.Tensor, torch.Tensor] | None = None,
    ) -> None:
        bpe_vocab = config.bpe_vocab if config.subwords else 0  # one character corpus for all
        self.tokenizer, self.train, self.val = corpus or shakespeare_tokens(
            config.tokenizer, bpe_vocab
        )
        self.seed, self.batch_size, self.max_len = config.seed, config.batch_size, config.max_len
        self.tokens = list(self.tokenizer.pieces)

    def train_batch(self, index: int) -> LMBatch:
        """Training batch ``index``: ``(batch, seq)`` windows and their next tokens."""
        return lm_batch(
            self.train,
            seed=self.seed,
            index=index,
            batch_size=self.batch_size,
            max_len=self.max_len,
        )

    def val_batches(self) -> list[LMBatch]:
        """:data:`VAL_SEQUENCES` fixed windows of the validation text."""
        return [
            lm_batch(
                self.val,
                seed=VAL_SEED,
                index=VAL_INDEX,
                batch_size=VAL_SEQUENCES,
                max_len=self.max_len,
            )
        ]

    def loss(self, model: nn.Module, batch: LMBatch) -> tuple[torch.Tensor, int]:
        """:func:`~annotated.tasks.language_model.data.lm_loss`."""
        return lm_loss(model, batch)

    def characters(self, batch: LMBatch) -> int:
        """The characters each window's targets spell, summed: :math:`c` of bits per character.

        Examples
        --------
        >>> from annotated.lab import LabConfig
        >>> from annotated.lab.data import TextData
        >>> from annotated.tokenizers import CharTokenizer
        >>> tok = CharTokenizer.from_text("to be or not to be")
        >>> ids = tok.encode_tensor("to be or not to be")
        >>> data = TextData(LabConfig(batch_size=2, max_len=4), (tok, ids, ids))
        >>> data.characters(data.train_batch(0))      # characters: one a token
        8
        """
        return sum(len(self.tokenizer.decode(row)) for row in batch.y)


def make_data(config: LabConfig) -> TaskData | TextData:
    """The data source of ``config``'s task."""
    return TextData(config) if config.family == "gpt" else TaskData(config)
