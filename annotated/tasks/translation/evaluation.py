"""Translating sentences with a trained model, and scoring the translations with BLEU and chrF.

Sentences are translated in batches of equal source length (sorted, grouped, translated, put
back in their order): a batch holds no padding, and a sentence's translation does not depend
on the sentences beside it, since its output limit and search are its own; greedy decoding watches training cheaply, and beam
search (the paper's beam 4, :math:`\\alpha = 0.6`) gives the reported scores. An output may
be at most :math:`1.5 |x| + 10` tokens long, a bound no real translation of these sentences
reaches, so a model that never stops costs a bounded time. Beside the scores of what the
model says, :func:`cross_entropy` measures how well it predicts the references themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import groupby
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from annotated.decoding.beam import beam_search
from annotated.decoding.greedy import greedy_decode
from annotated.masks import padding_mask
from annotated.model import EncoderDecoder
from annotated.tasks.translation.scoring import corpus_scores
from annotated.training.batch import Batch, pad_rows


class Tokenizer(Protocol):
    """What translating needs of a tokenizer: ids both ways and the special tokens."""

    @property
    def pad(self) -> int: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


def output_limit(src_len: int, max_len: int) -> int:
    """The longest output, start token included, for sources of ``src_len`` tokens.

    Examples
    --------
    >>> from annotated.tasks.translation.evaluation import output_limit
    >>> output_limit(10, max_len=256), output_limit(400, max_len=256)
    (26, 256)
    """
    return min(max_len, int(1.5 * src_len) + 10 + 1)


@torch.no_grad()
def translate(
    model: EncoderDecoder,
    tokenizer: Tokenizer,
    sentences: Sequence[str],
    *,
    beam: int = 1,
    alpha: float = 0.6,
    batch_size: int = 64,
) -> list[str]:
    """The model's translations of ``sentences``, greedy (``beam=1``) or by beam search.

    Each source ``x`` (its subwords and ``</s>``, a ``(batch, src_len)`` row of a batch of
    equal lengths) is encoded once; the output ``y`` is the search's best under the
    length-normalised log-probability of :func:`~annotated.beam_search`,

    .. math::

        \\hat y = \\operatorname*{arg\\,max}_{|y| \\le 1.5 |x| + 10}
            \\frac{\\log p(y \\mid x)}{\\mathrm{lp}_\\alpha(|y|)},

    found greedily (one token at a time) for ``beam=1``. The model runs in eval mode and is
    put back in its previous mode after.

    Parameters
    ----------
    model : EncoderDecoder
        Built from a :class:`~annotated.TransformerConfig` with one vocabulary for both sides.
    tokenizer : SubwordTokenizer
        The model's own (ids, ``<pad>``, ``<s>``, ``</s>``).
    sentences : sequence of str
        German text.
    beam : int
        Beam width; 1 is greedy decoding.
    alpha : float
        The length penalty's :math:`\\alpha` (paper: 0.6).
    batch_size : int
        Sentences decoded together.

    Examples
    --------
    >>> from annotated import translate
    >>> from annotated.pretrained import load
    >>> de_en = load("translate-de-en")
    >>> translate(de_en.model, de_en.tokenizer, ["Klicken Sie auf OK."], beam=4)
    ['Click OK.']
    """
    if beam < 1:
        raise ValueError(f"beam must be at least 1, got {beam}")
    t = tokenizer
    encoded = [t.encode(s) for s in sentences]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out: list[str] = [""] * len(sentences)
    try:
        for chunk in _equal_length_batches(order, encoded, batch_size):
            src = pad_rows([[*encoded[i], t.end] for i in chunk], t.pad).to(device)
            mask = padding_mask(src, t.pad)  # (batch, 1, src_len)
            limit = output_limit(src.size(1), max_len_of(model))
            if beam == 1:
                ys = greedy_decode(model, src, mask, limit, t.start, t.end, t.pad)
            else:
                ys = beam_search(
                    model, src, mask, limit, t.start, t.end, beam_size=beam, alpha=alpha, pad=t.pad
                ).best
            for i, row in zip(chunk, ys.tolist(), strict=True):
                out[i] = t.decode(_until_end(row[1:], t.end))
    finally:
        model.train(was_training)
    return out


def score_test_split(
    model: EncoderDecoder,
    tokenizer: Tokenizer,
    test: Mapping[str, Sequence[tuple[str, str]]],
    *,
    beam: int,
    alpha: float,
) -> dict[str, Any]:
    """Test BLEU and chrF, greedy and by beam search, overall and per source.

    ``test`` maps each source to its (German, English) pairs. Each search translates them
    all once; a source's scores are the corpus scores of its own sentences.
    """
    pairs = [pair for source in test.values() for pair in source]
    metrics: dict[str, Any] = {"test_sentences": len(pairs)}
    for name, width in (("greedy", 1), ("beam", beam)):
        hypotheses = translate(model, tokenizer, [de for de, _ in pairs], beam=width, alpha=alpha)
        scores = corpus_scores(hypotheses, [en for _, en in pairs])
        metrics |= {f"test_bleu_{name}": scores.bleu, f"test_chrf_{name}": scores.chrf}
        first = 0
        for source, part in test.items():
            own = corpus_scores(hypotheses[first : first + len(part)], [en for _, en in part])
            metrics[f"test_bleu_{name}_{source}"] = own.bleu
            first += len(part)
    metrics |= {"bleu_signature": scores.bleu_signature, "chrf_signature": scores.chrf_signature}
    return metrics


@torch.no_grad()
def cross_entropy(
    model: nn.Module,
    batches: Sequence[Batch],
    log_probs: Callable[[Batch], torch.Tensor] | None = None,
) -> float:
    """Teacher-forced cross-entropy of ``model`` on ``batches``, in nats per target token.

    .. math::

        H = -\\frac{1}{T} \\sum_{(x, y)} \\sum_{t=1}^{|y| + 1} \\log p(y_t \\mid y_{<t}, x)

    where :math:`y_{|y|+1}` is ``</s>`` and :math:`T` counts the real target tokens of all
    pairs (padding is not scored). No label smoothing and no dropout (``model`` runs in eval
    mode, and returns to its mode after): this is the log of the held-out perplexity, which
    compares across steps, runs and models, where the training loss is smoothed and noisy.
    A model that guesses uniformly over :math:`V` tokens scores :math:`\\ln V`.

    ``log_probs(batch)`` gives the ``(batch, tgt_len, vocab)`` log-probabilities of the next
    target token; by default, the encoder-decoder's.

    Examples
    --------
    >>> import math, torch
    >>> from annotated import EncoderDecoder, TransformerConfig
    >>> from annotated.tasks.translation.data import evaluation_batches
    >>> from annotated.tasks.translation.evaluation import cross_entropy
    >>> _ = torch.manual_seed(0)
    >>> model = EncoderDecoder.from_config(TransformerConfig(src_vocab=50, tgt_vocab=50, N=1, d_model=32, d_ff=64, h=2))
    >>> pairs = [([5 + n] * n, [6 + n] * n) for n in range(1, 20)]
    >>> batches = evaluation_batches(pairs, 60, pad=0, start=1, end=2)
    >>> uniform = lambda b: torch.full((*b.tgt.shape, 50), -math.log(50))
    >>> bool(abs(cross_entropy(model, batches, uniform) - math.log(50)) < 1e-9)
    True
    >>> abs(cross_entropy(model, batches) - math.log(50)) < 1     # untrained: near uniform
    True
    """
    forward = log_probs or (lambda batch: _log_probs(model, batch))
    was_training = model.training
    model.eval()
    try:
        nats = sum(
            float(
                F.nll_loss(
                    forward(b).flatten(0, 1), b.tgt_y.flatten(), ignore_index=b.pad, reduction="sum"
                )
            )
            for b in batches
        )
    finally:
        model.train(was_training)
    return nats / sum(b.ntokens for b in batches)


def _log_probs(model: nn.Module, batch: Batch) -> torch.Tensor:
    """The encoder-decoder's ``(batch, tgt_len, vocab)`` next-token log-probabilities."""
    if not isinstance(model, EncoderDecoder):
        raise TypeError(f"cross_entropy needs log_probs for a {type(model).__name__}")
    return model.generator(model(batch.src, batch.tgt, batch.src_mask, batch.tgt_mask))


def _equal_length_batches(
    order: list[int], encoded: list[list[int]], batch_size: int
) -> Iterator[list[int]]:
    """Runs of ``order`` (sorted by length) of one source length, at most ``batch_size`` long."""
    for _, group in groupby(order, key=lambda i: len(encoded[i])):
        indices = list(group)
        for first in range(0, len(indices), batch_size):
            yield indices[first : first + batch_size]


def _until_end(ids: list[int], end: int) -> list[int]:
    """The ids before the first ``end``."""
    return ids[: ids.index(end)] if end in ids else ids


def max_len_of(model: EncoderDecoder) -> int:
    """The longest sequence the model's positions cover."""
    if model.config is None:
        raise ValueError("translate needs a model built from a TransformerConfig")
    return model.config.max_len
