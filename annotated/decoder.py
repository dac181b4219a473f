"""The decoder (paper section 3.1): :math:`N` layers with a third sublayer.

Each layer attends over the target tokens so far (masked self-attention), then over the
encoder's output, the *memory* (cross-attention), then transforms each position on its own
(:class:`DecoderLayer` gives the equations). The causal mask keeps position :math:`i` from
seeing targets after :math:`i`, so the prediction for position :math:`i` depends only on
the known outputs before it; cross-attention is where the target side reads the source.

**Incremental decoding.** Decoding adds one target token per step. Causality means the
earlier tokens' keys and values in every self-attention layer do not change, so each layer
keeps them in a :class:`~annotated.KVCache` and a step runs the new token only; the memory
does not change at all, so its cross-attention keys and values are projected once, before
the first step (:meth:`Decoder.make_cache`). A step then costs :math:`O(d^2)` for the new
token plus attention over what is cached, instead of a pass over the whole prefix.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

from annotated.encoder import clones
from annotated.kv_cache import KVCache
from annotated.multi_head_attention import MultiHeadedAttention
from annotated.sublayer import SublayerConnection

# per decoder layer: the self-attention cache, and the memory's keys and values
DecoderCache = list[tuple[KVCache, KVCache]]


class DecoderLayer(nn.Module):
    """Masked self-attention, cross-attention over the memory, feed-forward.

    .. math::

        a &= \\mathrm{Sublayer}_1\\big(y,\\ \\mathrm{SelfAttn}(\\cdot, \\cdot, \\cdot;\\ \\text{causal mask})\\big) \\\\
        c &= \\mathrm{Sublayer}_2\\big(a,\\ \\mathrm{CrossAttn}(\\cdot, m, m;\\ \\text{source mask})\\big) \\\\
        \\text{output} &= \\mathrm{Sublayer}_3(c,\\ \\mathrm{FFN})

    where :math:`\\mathrm{Sublayer}(x, f)` is a :class:`SublayerConnection` around :math:`f`,
    on ``(batch, tgt_len, d_model)``, with the memory :math:`m` ``(batch, src_len, d_model)``.
    The causal mask keeps position :math:`i` from seeing later targets; cross-attention is
    where the target side reads the source.

    Parameters
    ----------
    size : int
        :math:`d_{model}`.
    self_attn : MultiHeadedAttention
        Causal self-attention over the target.
    src_attn : MultiHeadedAttention
        Cross-attention: queries from the target, keys and values from the memory.
    feed_forward : torch.nn.Module
        The position-wise feed-forward sublayer.
    dropout : float
        :math:`P_{drop}` on each sublayer's output.
    layout, norm, eps, bias
        Passed to :class:`SublayerConnection`.

    Examples
    --------
    >>> import torch
    >>> from annotated import (DecoderLayer, MultiHeadedAttention, PositionwiseFeedForward,
    ...                        subsequent_mask)
    >>> layer = DecoderLayer(16, MultiHeadedAttention(4, 16), MultiHeadedAttention(4, 16),
    ...                      PositionwiseFeedForward(16, 64), 0.1)
    >>> y, memory = torch.randn(2, 4, 16), torch.randn(2, 6, 16)
    >>> layer(y, memory, src_mask=None, tgt_mask=subsequent_mask(4)).shape  # (batch, tgt_len, d_model)
    torch.Size([2, 4, 16])
    """

    def __init__(
        self,
        size: int,
        self_attn: MultiHeadedAttention,
        src_attn: MultiHeadedAttention,
        feed_forward: nn.Module,
        dropout: float,
        *,
        layout: str = "pre",
        norm: str = "layer",
        eps: float = 1e-5,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if src_attn.positions is not None:
            raise ValueError(
                "cross-attention takes no position scheme: RoPE and ALiBi compare positions "
                "within one sequence, and queries and keys here come from two (target, source)"
            )
        self.size = size
        self.self_attn = self_attn
        self.src_attn = src_attn
        self.feed_forward = feed_forward
        self.sublayer = clones(
            SublayerConnection(size, dropout, layout=layout, norm=norm, eps=eps, bias=bias), 3
        )

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        src_mask: torch.Tensor | None,
        tgt_mask: torch.Tensor | None,
        cache: tuple[KVCache, KVCache] | None = None,
    ) -> torch.Tensor:
        """``x`` ``(batch, tgt_len, d_model)``, ``memory`` ``(batch, src_len, d_model)``,
        ``src_mask`` ``(batch, 1, src_len)``, ``tgt_mask`` ``(batch, tgt_len, tgt_len)``.

        With ``cache`` (this layer's pair from :meth:`Decoder.make_cache`), ``x`` holds the
        new tokens only: the self-attention is causal over the cached and new tokens by their
        absolute positions (``tgt_mask``, if given, is joined to that), and the
        cross-attention reads the memory's cached keys and values instead of ``memory``.
        """
        if cache is None:
            m = memory
            x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, tgt_mask))
            x = self.sublayer[1](x, lambda x: self.src_attn(x, m, m, src_mask))
            return self.sublayer[2](x, self.feed_forward)
        past, mem = cache
        x = self.sublayer[0](
            x, lambda x: self.self_attn(x, x, x, tgt_mask, cache=past, is_causal=True)
        )
        x = self.sublayer[1](x, lambda x: self.src_attn(x, None, None, src_mask, cache=mem))
        return self.sublayer[2](x, self.feed_forward)


class Decoder(nn.Module):
    """A stack of ``N`` copies of ``layer``, then the final norm its layout needs.

    .. math::

        h_0 = x, \\qquad h_l = \\mathrm{Layer}_l(h_{l-1}, m) \\;\\; (l = 1, \\dots, N), \\qquad
        \\text{output} = \\mathrm{Norm}_{final}(h_N)

    on ``(batch, tgt_len, d_model)``; every layer keeps that shape, which is what makes them
    stackable, and each also reads the memory :math:`m`. The final norm is the identity for
    post-norm layers and a norm for pre and sandwich layouts, whose residual stream is
    otherwise never normalised; the builder (:func:`~annotated.make_model`) makes it with
    :func:`~annotated.sublayer.final_norm`.

    Parameters
    ----------
    layer : DecoderLayer
        The prototype layer, deep-copied ``N`` times.
    N : int
        Number of layers.
    norm : torch.nn.Module
        :math:`\\mathrm{Norm}_{final}`, applied to the last layer's output.

    Examples
    --------
    >>> import torch
    >>> from annotated import (Decoder, DecoderLayer, LayerNorm, MultiHeadedAttention,
    ...                        PositionwiseFeedForward, subsequent_mask)
    >>> layer = DecoderLayer(16, MultiHeadedAttention(4, 16), MultiHeadedAttention(4, 16),
    ...                      PositionwiseFeedForward(16, 64), 0.1)
    >>> decoder = Decoder(layer, N=2, norm=LayerNorm(16)).eval()
    >>> y, memory = torch.randn(2, 4, 16), torch.randn(2, 6, 16)
    >>> full = decoder(y, memory, None, subsequent_mask(4))      # (batch, tgt_len, d_model)
    >>> full.shape
    torch.Size([2, 4, 16])
    >>> cache = decoder.make_cache(memory)                       # token by token instead
    >>> steps = torch.cat([decoder(y[:, t : t + 1], memory, None, None, cache=cache)
    ...                    for t in range(4)], dim=1)
    >>> torch.allclose(steps, full, atol=1e-5)
    True
    """

    def __init__(self, layer: DecoderLayer, N: int, norm: nn.Module) -> None:
        super().__init__()
        self.layers = clones(layer, N)
        self.norm = norm

    def make_cache(self, memory: torch.Tensor) -> DecoderCache:
        """Per layer, an empty self-attention :class:`~annotated.KVCache` and the keys and
        values of ``memory`` ``(batch, src_len, d_model)``, projected once."""
        layers = cast(list[DecoderLayer], list(self.layers))
        return [(KVCache(), layer.src_attn.cache_memory(memory)) for layer in layers]

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        src_mask: torch.Tensor | None,
        tgt_mask: torch.Tensor | None,
        *,
        cache: DecoderCache | None = None,
    ) -> torch.Tensor:
        """Pass ``x`` ``(batch, tgt_len, d_model)`` through each layer in turn.

        With a ``cache`` from :meth:`make_cache`, ``x`` holds only the tokens after those
        already cached, and the result is theirs.
        """
        if cache is not None and len(cache) != len(self.layers):
            raise ValueError(f"cache must hold one pair of KVCaches per layer ({len(self.layers)})")
        for i, layer in enumerate(self.layers):
            x = layer(x, memory, src_mask, tgt_mask, None if cache is None else cache[i])
        return self.norm(x)
