"""Greedy decoding: at each step take the most likely next token.

The source is encoded once; the decoder then extends the target one token at a time. With
the cache (the default) each step runs the decoder on the newest token only, against the
keys and values kept from the earlier steps and the memory's keys and values projected
once, so a step costs the same at every length; without it the decoder re-runs on the
whole prefix, as the original Annotated Transformer does. The two give the same tokens.
Greedy search is exact when the model is confident (the synthetic tasks), and the baseline
that beam search must match at beam size 1.
"""

from __future__ import annotations

import torch

from annotated._checks import check_tokens
from annotated.masks import subsequent_mask
from annotated.model import EncoderDecoder


@torch.no_grad()
def greedy_decode(
    model: EncoderDecoder,
    src: torch.Tensor,
    src_mask: torch.Tensor,
    max_len: int,
    start_symbol: int,
    end_symbol: int | None = None,
    pad: int = 0,
    *,
    cache: bool = True,
) -> torch.Tensor:
    """Decode a batch greedily, as the original's ``greedy_decode`` (which took one sequence).

    .. math::

        y_0 = \\texttt{start\\_symbol}, \\qquad
        y_{t+1} = \\arg\\max_{w} \\; p(w \\mid y_{\\le t}, x)

    Parameters
    ----------
    model : EncoderDecoder
        Run it in eval mode. Without the cache any model with ``encode``, ``decode`` and
        ``generator`` will do; with it, ``make_cache`` and ``decode(..., cache=)`` too.
    src : torch.Tensor
        Source indices ``(batch, src_len)``.
    src_mask : torch.Tensor
        Bool ``(batch, 1, src_len)``, True = may attend.
    max_len : int
        Length of the result, the start symbol included.
    start_symbol : int
        The decoder's first input :math:`y_0`.
    end_symbol : int, optional
        When given, a row that outputs it is finished: its later positions are ``pad``, and
        decoding stops early once every row is finished.
    pad : int
        What finished rows are filled with.
    cache : bool
        Keep the decoder's keys and values between steps (the default): one token's work
        per step. ``False`` re-runs the decoder on the whole prefix; the tokens are the same.

    Returns
    -------
    torch.Tensor
        ``(batch, len)`` with ``len <= max_len``, starting with ``start_symbol``.

    Examples
    --------
    >>> import torch
    >>> from annotated import greedy_decode, make_model, padding_mask
    >>> model = make_model(12, 12, N=1, d_model=16, d_ff=32, h=2).eval()
    >>> src = torch.tensor([[3, 4, 5, 0]])
    >>> ys = greedy_decode(model, src, padding_mask(src), max_len=6, start_symbol=1)
    >>> ys.shape, ys[0, 0].item()                    # (batch, max_len), starts with <s>
    (torch.Size([1, 6]), 1)
    >>> torch.equal(ys, greedy_decode(model, src, padding_mask(src), 6, 1, cache=False))
    True
    """
    check_tokens("src", src)
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    memory = model.encode(src, src_mask)  # (batch, src_len, d_model)
    state = model.make_cache(memory) if cache else None
    ys = torch.full((src.size(0), 1), start_symbol, dtype=src.dtype, device=src.device)
    done = torch.zeros(src.size(0), dtype=torch.bool, device=src.device)
    for _ in range(max_len - 1):
        if state is None:
            tgt_mask = subsequent_mask(ys.size(1)).to(src.device)  # (1, len, len)
            out = model.decode(memory, src_mask, ys, tgt_mask)  # (batch, len, d_model)
        else:  # the newest token only: (batch, 1, d_model)
            out = model.decode(memory, src_mask, ys[:, -1:], None, cache=state)
        next_word = model.generator(out[:, -1]).argmax(dim=-1)  # (batch,)
        next_word = next_word.masked_fill(done, pad)
        ys = torch.cat([ys, next_word.unsqueeze(1)], dim=1)  # (batch, len + 1)
        if end_symbol is not None:
            done |= next_word == end_symbol
            if bool(done.all()):
                break
    return ys
