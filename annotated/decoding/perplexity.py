"""Perplexity: how surprised a language model is by a text, on average, per token.

.. math::

    \\mathrm{PPL} = \\exp\\Big( -\\frac{1}{n} \\sum_{t=1}^{n} \\log p(x_t \\mid x_{<t}) \\Big)

the exponential of the mean cross-entropy. A model that spreads its probability uniformly
over :math:`V` tokens has :math:`\\mathrm{PPL} = V`: perplexity is the size of the
vocabulary the model is, in effect, choosing from at each step.

A split longer than the context is cut into consecutive windows of ``max_len`` inputs;
every token after the first is predicted exactly once, from the tokens before it in its
window. The windows are run in batches, and the loss of the *whole* split is averaged, not a
random sample of batches.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from annotated._checks import check_tokens
from annotated.decoding.inference import inference
from annotated.gpt import GPT


def mean_cross_entropy(
    model: GPT, tokens: torch.Tensor, *, max_len: int | None = None, batch_size: int = 64
) -> float:
    """The mean per-token cross-entropy (nats) of ``model`` on a whole split.

    .. math::

        \\mathcal{L} = -\\frac{1}{n} \\sum_{t=1}^{n} \\log p(x_t \\mid x_{<t})

    Parameters
    ----------
    model : GPT
        Any model mapping ``(batch, seq)`` token ids to ``(batch, seq, vocab)`` logits; run in
        eval mode under ``torch.no_grad``.
    tokens : torch.Tensor
        The split: integer ``(seq,)``, or ``(batch, seq)`` for independent sequences.
    max_len : int, optional
        Window length; defaults to ``model.config.max_len``.
    batch_size : int
        Windows per forward pass.

    Returns
    -------
    float
        :math:`\\mathcal{L}`, averaged over the ``batch * (seq - 1)`` predicted tokens.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from annotated import GPT, GPTConfig, mean_cross_entropy
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
    >>> loss = mean_cross_entropy(model, torch.randint(10, (100,)))
    >>> bool(abs(loss - np.log(10)) < 0.1)            # a fresh model is near uniform
    True
    """
    total, count = summed_cross_entropy(model, tokens, max_len=max_len, batch_size=batch_size)
    return total / count


def summed_cross_entropy(
    model: GPT, tokens: torch.Tensor, *, max_len: int | None = None, batch_size: int = 64
) -> tuple[float, int]:
    """The summed cross-entropy (nats) of every predicted token of a split, and their number.

    .. math::

        n \\mathcal{L} = -\\sum_{t=1}^{n} \\log p(x_t \\mid x_{<t})

    The sum, not the mean, is what a figure per *character* divides (bits per character,
    :func:`~annotated.tasks.language_model.evaluation.bits_per_character`). Arguments as in
    :func:`mean_cross_entropy`.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.decoding.perplexity import mean_cross_entropy, summed_cross_entropy
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
    >>> tokens = torch.randint(10, (3, 50))                       # (batch, seq)
    >>> total, n = summed_cross_entropy(model, tokens)
    >>> n, total / n == mean_cross_entropy(model, tokens)         # 3 rows of 49 predictions
    (147, True)
    """
    if tokens.dim() == 1:
        tokens = tokens[None]  # (1, seq)
    check_tokens("tokens", tokens)
    if tokens.size(1) < 2:
        raise ValueError("tokens must hold at least two per row: one to read, one to predict")
    block = model.config.max_len if max_len is None else max_len
    if block < 1 or batch_size < 1:
        raise ValueError(f"max_len and batch_size must be positive, got {block}, {batch_size}")
    n = tokens.size(1) - 1  # predictions per row
    full = n // block
    # window i reads tokens [iT, iT + T) and predicts [iT + 1, iT + T + 1); a shorter last one
    windows = [
        (
            tokens[:, : full * block].reshape(-1, block),
            tokens[:, 1 : full * block + 1].reshape(-1, block),
        ),
        (tokens[:, full * block : n], tokens[:, full * block + 1 :]),
    ]  # (rows * full, T) and (rows, n mod T) inputs, with their targets
    total, count = 0.0, 0
    with inference(model):
        for inputs, targets in windows:
            for i in range(0, inputs.size(0) if inputs.size(1) else 0, batch_size):
                logits = model(inputs[i : i + batch_size])  # (batch_size, len, vocab)
                batch_targets = targets[i : i + batch_size]  # (batch_size, len)
                loss = F.cross_entropy(
                    logits.flatten(0, 1).double(), batch_targets.flatten(), reduction="sum"
                )
                total += loss.item()
                count += batch_targets.numel()
    return total, count


def perplexity(
    model: GPT, tokens: torch.Tensor, *, max_len: int | None = None, batch_size: int = 64
) -> float:
    """:math:`\\exp` of :func:`mean_cross_entropy` over the whole split.

    .. math::

        \\mathrm{PPL} = \\exp\\Big( -\\frac{1}{n} \\sum_{t=1}^{n} \\log p(x_t \\mid x_{<t}) \\Big)

    over the tokens of ``tokens`` after the first; a uniform model over :math:`V` tokens has
    :math:`\\mathrm{PPL} = V`, so it reads as the effective number of choices per step.

    Parameters
    ----------
    model : GPT
        The language model.
    tokens : torch.Tensor
        The split: integer ``(seq,)``, or ``(batch, seq)`` for independent sequences.
    max_len, batch_size : int, optional
        As in :func:`mean_cross_entropy`.

    Returns
    -------
    float
        :math:`\\mathrm{PPL} \\ge 1`; :math:`V` for uniform predictions.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig, perplexity
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
    >>> torch.nn.init.zeros_(model.lm_head.weight)      # uniform logits (tied: E is 0 too)
    Parameter containing: ...
    >>> perplexity(model, torch.randint(10, (3, 50)))  # (batch, seq): PPL = V
    10.0
    """
    return math.exp(mean_cross_entropy(model, tokens, max_len=max_len, batch_size=batch_size))
