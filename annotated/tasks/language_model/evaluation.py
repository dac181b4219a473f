"""Watching a language model learn, and measuring it in units every tokenizer shares.

During training the loss is *estimated* on :math:`K` fixed batches of each split (cheap),
and a short sample shows what the numbers mean: at a loss near :math:`\\log V` the text is
noise, by 2.0 nats per character words and speaker names appear, by 1.5 it reads like a play.

At the end the whole validation split is scored (:func:`split_loss`). A loss *per token* does
not compare across tokenizers: a BPE token spells two or three characters, so it is harder
to guess than one character, and the same model of the text gives a larger figure. What
does compare is the information per *character*: the summed negative log-likelihood of the
text divided by its length, in bits,

.. math::

    \\mathrm{bpc} = \\frac{-\\sum_{t=2}^{n} \\ln p_\\theta(d_t \\mid d_{<t})}{\\ln 2 \\cdot c},
    \\qquad c = |\\mathrm{decode}(d_2 \\dots d_n)|,

over the tokens :math:`d_1 \\dots d_n` of the split; the first token is read, not predicted,
so its characters are not counted. For a character tokenizer :math:`c = n - 1` and
:math:`\\mathrm{bpc} = \\mathcal{L} / \\ln 2`; a model that spreads its probability uniformly
over :math:`V` tokens has :math:`\\mathrm{bpc} = \\log_2 V \\cdot (n - 1) / c`, which is why a
larger vocabulary pays only if its tokens are long enough. (A byte-level BPE scores the one
tokenization its encoder produces, not every spelling of the text, so its bpc bounds the
model's from above.)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from annotated.decoding.generate import generate
from annotated.decoding.inference import inference
from annotated.decoding.perplexity import summed_cross_entropy
from annotated.gpt import GPT
from annotated.tasks.language_model.data import lm_batch, lm_loss
from annotated.tokenizers.protocol import TextTokenizer

EVAL_INDEX = 2**31  # evaluation batches use indices no training run reaches


class SplitLoss(NamedTuple):
    """The negative log-likelihood of a whole split, and the two things it is divided by.

    Parameters
    ----------
    nats : float
        :math:`-\\sum_{t=2}^{n} \\ln p_\\theta(d_t \\mid d_{<t})`.
    tokens : int
        The predicted tokens, :math:`n - 1`.
    characters : int
        The characters they spell, :math:`c`.
    """

    nats: float
    tokens: int
    characters: int

    @property
    def mean(self) -> float:
        """:math:`\\mathcal{L}`, nats per token (the figure a run calls ``val_loss``)."""
        return self.nats / self.tokens

    @property
    def bits_per_character(self) -> float:
        """Bits per character, comparable across tokenizers.

        .. math::

            \\mathrm{bpc} = \\frac{-\\sum_{t=2}^{n} \\ln p_\\theta(d_t \\mid d_{<t})}{\\ln 2 \\cdot c}
        """
        return self.nats / (math.log(2) * self.characters)


def split_loss(
    model: GPT, tokenizer: TextTokenizer, tokens: torch.Tensor, *, batch_size: int = 64
) -> SplitLoss:
    """Score every token of a split after the first, in windows of the model's context.

    Parameters
    ----------
    model : GPT
        The language model (run in eval mode).
    tokenizer : TextTokenizer
        The tokenizer that made ``tokens``; it counts the characters they spell.
    tokens : torch.Tensor
        The split's token stream, integer ``(seq,)``.
    batch_size : int
        Windows per forward pass.

    Examples
    --------
    >>> import numpy as np
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.tasks.language_model.evaluation import split_loss
    >>> from annotated.tokenizers import CharTokenizer
    >>> tok = CharTokenizer.from_text("to be or not to be")
    >>> model = GPT(GPTConfig(vocab_size=tok.vocab_size, max_len=8, N=1, h=2, d_model=8))
    >>> loss = split_loss(model, tok, tok.encode_tensor("to be or not to be"))
    >>> loss.tokens, loss.characters                  # characters: one a token
    (17, 17)
    >>> bool(abs(loss.bits_per_character - loss.mean / np.log(2)) < 1e-12)
    True
    """
    nats, count = summed_cross_entropy(model, tokens, batch_size=batch_size)
    return SplitLoss(nats, count, len(tokenizer.decode(tokens[1:])))


def sample_text(model: GPT, tokenizer: TextTokenizer, n: int, *, seed: int = 0) -> str:
    """``n`` tokens sampled at temperature 1 after a newline, with a seeded generator.

    The generator is the sample's own, so sampling in the middle of training leaves the
    training's random stream (dropout) untouched. A tokenizer without a newline starts from
    token 0 instead.

    Examples
    --------
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.tasks.language_model.evaluation import sample_text
    >>> from annotated.tokenizers import CharTokenizer
    >>> tok = CharTokenizer.from_text("ab\\n")
    >>> model = GPT(GPTConfig(vocab_size=3, max_len=8, N=1, h=1, d_model=8))
    >>> len(sample_text(model, tok, 20))        # characters: one a token
    20
    """
    device = next(model.parameters()).device
    try:
        start = tokenizer.encode("\n")
    except ValueError:  # a character vocabulary without a newline
        start = [0]
    prompt = torch.tensor([start], device=device)  # (batch, seq) = (1, len)
    g = torch.Generator(device=device).manual_seed(seed)
    tokens = generate(model, prompt, n, temperature=1.0, generator=g)  # (1, len + n)
    return tokenizer.decode(tokens[0, len(start) :])


def estimate_loss(
    model: nn.Module,
    data: torch.Tensor,
    iters: int,
    batch_size: int,
    max_len: int,
    *,
    seed: int = 0,
) -> float:
    """The mean loss on ``iters`` fixed random batches of ``data`` (nanoGPT's ``estimate_loss``).

    .. math::

        \\hat{\\mathcal{L}} = \\frac{1}{K} \\sum_{k=1}^{K} \\frac{1}{BT} \\sum_{b,t}
            -\\log p_\\theta(y^{(k)}_{b,t} \\mid x^{(k)}_{b,\\le t})

    The batches are the same at every call (their indices are past any training run's), so
    two estimates differ only because the model changed.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(batch, seq)`` token ids to ``(batch, seq, vocab)`` logits; run in eval mode.
    data : torch.Tensor
        A split's token stream, integer ``(n,)``.
    iters, batch_size, max_len : int
        :math:`K` batches of :math:`B` windows of :math:`T` tokens.
    seed : int
        The run's seed.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.tasks.language_model.evaluation import estimate_loss
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
    >>> loss = estimate_loss(model, torch.randint(10, (200,)), 4, 2, 8)
    >>> bool(abs(loss - np.log(10)) < 0.2)             # near uniform before training
    True
    """
    device = next(model.parameters()).device
    total = 0.0
    with inference(model):
        for j in range(iters):
            batch = lm_batch(
                data, seed=seed, index=EVAL_INDEX + j, batch_size=batch_size,
                max_len=min(max_len, data.numel() - 1),
            ).to(device)  # fmt: skip
            loss, n = lm_loss(model, batch)
            total += float(loss) / n
    return total / iters
