"""Autoregressive generation from a GPT, with a KV cache.

Each new token is drawn from the model's prediction given the last :math:`T` tokens
(:math:`T` = ``max_len``), appended, and fed back:

.. math::

    x_{t+1} \\sim \\mathrm{sample}\\big(\\mathrm{GPT}(x_{\\max(1, t-T+1)}, \\dots, x_t)_{t}\\big)

**The cache.** Up to :math:`T` tokens, the keys and values of the earlier tokens do not
change when a token is added (causality), so each step runs only the new token, at its true
position right after the ones before it, against the cached keys and values
(:class:`~annotated.KVCache`): one token's work per step instead of :math:`t` tokens'.

**Past** :math:`T`. Conditioning on the last :math:`T` tokens means the window's first token
changes at every step. The cached path then *re-encodes the window* at every step, for every
position scheme, so it equals the uncached path exactly. Rolling the cache (dropping the
oldest key) is not the same computation once there are two or more layers, whatever the
position scheme: a layer-2 key of token :math:`j` was computed when :math:`j` saw the
:math:`T` tokens before it, while the re-encoded window lets :math:`j` see only the tokens
from the window's start. RoPE, ALiBi and no positions make a rolled cache *valid* as
sliding-window attention, but not equal to conditioning on the last :math:`T` tokens; with
sinusoidal or learned positions every token's position shifts too. ``tests/generation``
holds the two paths equal at every length and shows the rolled cache differing.

**Shifting the context** (``context="shift"``). Re-encoding :math:`T` tokens at every step
is about three times slower than a cached step. The shift rule instead lets the context
grow with the cache until it would exceed :math:`T`, then keeps its last :math:`T/2`
tokens, reads them in one pass into a fresh cache, and grows again
(:func:`context_start`): every token is still drawn from the model's exact distribution
given the tokens it reads, between :math:`T/2` and :math:`T` of them. The command line, the
Lab and the demo's Shakespeare tab all generate this way; the default, ``"slide"``, is the
exact last-:math:`T` rule above.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import torch

from annotated._checks import check_tokens
from annotated.decoding.inference import inference
from annotated.decoding.sampling import sample_next
from annotated.gpt import GPT
from annotated.kv_cache import KVCache

Context = Literal["slide", "shift"]
CONTEXTS = ("slide", "shift")


def shift_start(start: int, length: int, max_len: int) -> int:
    """Where the context starts once there are ``length`` tokens, if it started at ``start``:
    still ``start``, or at the last ``max_len // 2`` tokens if it would exceed ``max_len``.

    Examples
    --------
    >>> from annotated.decoding.generate import shift_start
    >>> shift_start(0, 4, max_len=4), shift_start(0, 5, max_len=4)
    (0, 3)
    """
    return length - max(1, max_len // 2) if length - start > max_len else start


def context_start(prompt_length: int, length: int, max_len: int) -> int:
    """Where the shifted context starts when the model draws token ``length`` (0-based),
    generation having begun after ``prompt_length`` tokens.

    :func:`shift_start` applied at every step from the prompt on, as
    :func:`generate_stream` does with ``context="shift"``; with ``"slide"`` the context
    starts at ``max(0, length - max_len)``.

    Examples
    --------
    >>> from annotated.decoding.generate import context_start
    >>> [context_start(3, n, max_len=4) for n in range(3, 10)]   # shifts at 5 and 8
    [0, 0, 3, 3, 3, 6, 6]
    """
    start = 0
    for n in range(prompt_length, length + 1):
        start = shift_start(start, n, max_len)
    return start


def next_token_logits(
    model: GPT, tokens: torch.Tensor, cache: list[KVCache] | None = None
) -> torch.Tensor:
    """The logits of the token after ``tokens``, given at most the last ``max_len`` of them.

    .. math::

        z = \\mathrm{GPT}(x_{t-T+1}, \\dots, x_t)_t \\in \\mathbb{R}^{V}

    Parameters
    ----------
    model : GPT
        Runs in eval mode under ``torch.no_grad`` for the call.
    tokens : torch.Tensor
        The whole history so far, integer ``(batch, seq)``.
    cache : list of KVCache, optional
        From ``model.make_cache()``, passed again at every call: only the tokens not yet in
        it are run. Once ``seq`` exceeds ``max_len`` the window is re-encoded instead.

    Returns
    -------
    torch.Tensor
        ``(batch, vocab_size)``.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig, next_token_logits
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=4, N=2, h=2, d_model=8))
    >>> tokens, cache = torch.tensor([[1, 2, 3]]), model.make_cache()
    >>> cached = next_token_logits(model, tokens, cache)
    >>> torch.equal(cached, next_token_logits(model, tokens))
    True
    >>> tokens = torch.tensor([[1, 2, 3, 4, 5]])           # past max_len: the last 4
    >>> torch.equal(next_token_logits(model, tokens, cache), model(tokens[:, 1:])[:, -1])
    True
    """
    check_tokens("tokens", tokens)
    block = model.config.max_len
    with inference(model):
        if cache is None or tokens.size(1) > block:
            return model(tokens[:, -block:])[:, -1]  # (batch, vocab_size)
        seen = cache[0].seen
        if not seen < tokens.size(1):
            raise ValueError(f"the cache holds {seen} tokens; tokens must add at least one")
        return model(tokens[:, seen:], cache=cache)[:, -1]


def generate_stream(
    model: GPT,
    prompt: torch.Tensor,
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
    context: Context = "slide",
) -> Iterator[torch.Tensor]:
    """Yield the new tokens one step at a time, for streaming text to a reader.

    Parameters
    ----------
    model : GPT
        The language model.
    prompt : torch.Tensor
        Integer ``(batch, seq)``, at least one token per row; every row has the same length.
    max_new_tokens : int
        How many tokens to yield.
    temperature, top_k, top_p, generator
        As in :func:`~annotated.sample_next`; ``temperature=0`` is greedy.
    use_cache : bool
        Keep keys and values between steps (the default); ``False`` re-runs the window.
    context : {"slide", "shift"}
        Past ``max_len`` tokens: read the last ``max_len`` at every step (``"slide"``), or
        keep the last ``max_len // 2`` once the context would exceed ``max_len``
        (``"shift"``, see :func:`context_start`).

    Yields
    ------
    torch.Tensor
        The next token of every row, ``(batch,)``.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig, generate_stream
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
    >>> stream = generate_stream(model, torch.tensor([[1, 2]]), 3, temperature=0)
    >>> [token.shape for token in stream]              # one (batch,) tensor per step
    [torch.Size([1]), torch.Size([1]), torch.Size([1])]
    """
    check_tokens("prompt", prompt)
    if prompt.size(1) < 1:
        raise ValueError("prompt must hold at least one token per row")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(CONTEXTS)}, got {context!r}")
    cache = model.make_cache() if use_cache else None
    tokens, start, block = prompt, 0, model.config.max_len
    for _ in range(max_new_tokens):
        if context == "shift" and (moved := shift_start(start, tokens.size(1), block)) != start:
            start, cache = moved, model.make_cache() if use_cache else None  # a new context
        logits = next_token_logits(model, tokens[:, start:], cache)  # (batch, vocab_size)
        token = sample_next(
            logits, temperature=temperature, top_k=top_k, top_p=top_p, generator=generator
        )
        tokens = torch.cat((tokens, token[:, None]), dim=1)  # (batch, seq + 1)
        yield token


def generate(
    model: GPT,
    prompt: torch.Tensor,
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
    context: Context = "slide",
) -> torch.Tensor:
    """The prompt followed by ``max_new_tokens`` generated tokens.

    .. math::

        x_{t+1} \\sim \\mathrm{sample}(z_t), \\qquad t = s, \\dots, s + n - 1

    Parameters
    ----------
    model : GPT
        The language model.
    prompt : torch.Tensor
        Integer ``(batch, seq)``, the same length for every row.
    max_new_tokens : int
        :math:`n`, how many tokens to add.
    temperature, top_k, top_p, generator, use_cache, context
        As in :func:`generate_stream`.

    Returns
    -------
    torch.Tensor
        Integer ``(batch, seq + max_new_tokens)``: the prompt, then the new tokens.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig, generate
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=2, h=2, d_model=8))
    >>> prompt = torch.tensor([[1, 2], [3, 4]])                  # (batch, seq)
    >>> out = generate(model, prompt, 12, generator=torch.Generator().manual_seed(0))
    >>> out.shape                                                # runs past max_len = 8
    torch.Size([2, 14])
    >>> again = generate(model, prompt, 12, generator=torch.Generator().manual_seed(0),
    ...                  use_cache=False)
    >>> torch.equal(out, again)
    True
    """
    new = generate_stream(
        model,
        prompt,
        max_new_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        generator=generator,
        use_cache=use_cache,
        context=context,
    )
    return torch.cat([prompt, *(token[:, None] for token in new)], dim=1)
