"""Watching a language model learn: a loss estimate on a few batches, and a sample.

During training the loss is *estimated* on :math:`K` fixed batches of each split (cheap; the
whole-split figure, :func:`~annotated.mean_cross_entropy`, is for the end), and a short
sample shows what the numbers mean: at a loss near :math:`\\log V` the text is noise, by 2.0
words and speaker names appear, by 1.5 it reads like a play.
"""

from __future__ import annotations

import torch
from torch import nn

from annotated.decoding.generate import generate
from annotated.decoding.inference import inference
from annotated.gpt import GPT
from annotated.tasks.language_model.data import lm_batch, lm_loss
from annotated.tokenizers.char import CharTokenizer

EVAL_INDEX = 2**31  # evaluation batches use indices no training run reaches


def sample_text(model: GPT, tokenizer: CharTokenizer, n: int, *, seed: int = 0) -> str:
    """``n`` characters sampled at temperature 1 after a newline, with a seeded generator.

    The generator is the sample's own, so sampling in the middle of training leaves the
    training's random stream (dropout) untouched.

    Examples
    --------
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.tasks.language_model.evaluation import sample_text
    >>> from annotated.tokenizers import CharTokenizer
    >>> tok = CharTokenizer.from_text("ab\\n")
    >>> model = GPT(GPTConfig(vocab_size=3, max_len=8, N=1, h=1, d_model=8))
    >>> len(sample_text(model, tok, 20))
    20
    """
    device = next(model.parameters()).device
    start = "\n" if "\n" in tokenizer.index else tokenizer.chars[0]
    prompt = tokenizer.encode_tensor(start)[None].to(device)  # (batch, seq) = (1, 1)
    g = torch.Generator(device=device).manual_seed(seed)
    tokens = generate(model, prompt, n, temperature=1.0, generator=g)  # (1, 1 + n)
    return tokenizer.decode(tokens[0, 1:])


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
