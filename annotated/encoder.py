"""The encoder (paper section 3.1): a stack of :math:`N` identical layers.

Each layer lets every position attend to every (non-padding) position of the source, then
transforms each position on its own, each step in a residual sublayer
(:class:`EncoderLayer`). The input and output of every layer are
``(batch, src_len, d_model)``, which is what makes the layers stackable; the stack ends in
the norm its residual layout needs (:func:`~annotated.sublayer.final_norm`).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from annotated.multi_head_attention import MultiHeadedAttention
from annotated.sublayer import SublayerConnection


def clones(module: nn.Module, n: int) -> nn.ModuleList:
    """``n`` independent deep copies of ``module`` (the same shape, separate weights)."""
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])


class EncoderLayer(nn.Module):
    """Self-attention then feed-forward, each in a :class:`SublayerConnection`.

    .. math::

        z = \\mathrm{Sublayer}_1\\big(x,\\ \\mathrm{SelfAttn}(\\cdot, \\cdot, \\cdot;\\ \\text{source mask})\\big),
        \\qquad \\text{output} = \\mathrm{Sublayer}_2(z,\\ \\mathrm{FFN})

    where :math:`\\mathrm{Sublayer}(x, f)` is a :class:`SublayerConnection` around :math:`f`,
    on ``(batch, src_len, d_model)``: every position reads every non-padding source position,
    then transforms its own features.

    Parameters
    ----------
    size : int
        :math:`d_{model}`.
    self_attn : MultiHeadedAttention
        The self-attention sublayer.
    feed_forward : torch.nn.Module
        The position-wise feed-forward sublayer.
    dropout : float
        :math:`P_{drop}` on each sublayer's output.
    layout, norm, eps, bias
        Passed to :class:`SublayerConnection`.

    Examples
    --------
    >>> import torch
    >>> from annotated import EncoderLayer, MultiHeadedAttention, PositionwiseFeedForward
    >>> layer = EncoderLayer(16, MultiHeadedAttention(4, 16), PositionwiseFeedForward(16, 64), 0.1)
    >>> x = torch.randn(2, 5, 16)                     # (batch, src_len, d_model)
    >>> layer(x, mask=torch.ones(2, 1, 5, dtype=torch.bool)).shape
    torch.Size([2, 5, 16])
    """

    def __init__(
        self,
        size: int,
        self_attn: MultiHeadedAttention,
        feed_forward: nn.Module,
        dropout: float,
        *,
        layout: str = "pre",
        norm: str = "layer",
        eps: float = 1e-5,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.self_attn = self_attn
        self.feed_forward = feed_forward
        self.sublayer = clones(
            SublayerConnection(size, dropout, layout=layout, norm=norm, eps=eps, bias=bias), 2
        )
        self.size = size

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """``x`` ``(batch, src_len, d_model)``, ``mask`` bool ``(batch, 1, src_len)``."""
        x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, mask))
        return self.sublayer[1](x, self.feed_forward)


class Encoder(nn.Module):
    """A stack of ``N`` copies of ``layer``, then the final norm its layout needs.

    .. math::

        h_0 = x, \\qquad h_l = \\mathrm{Layer}_l(h_{l-1}) \\;\\; (l = 1, \\dots, N), \\qquad
        \\text{output} = \\mathrm{Norm}_{final}(h_N)

    on ``(batch, src_len, d_model)``; every layer keeps that shape, which is what makes them stackable.
    The final norm is the identity for post-norm layers and a norm for pre and sandwich
    layouts, whose residual stream is otherwise never normalised; the builder
    (:func:`~annotated.make_model`) makes it with :func:`~annotated.sublayer.final_norm`.

    Parameters
    ----------
    layer : EncoderLayer
        The prototype layer, deep-copied ``N`` times.
    N : int
        Number of layers.
    norm : torch.nn.Module
        :math:`\\mathrm{Norm}_{final}`, applied to the last layer's output.

    Examples
    --------
    >>> import torch
    >>> from annotated import (Encoder, EncoderLayer, LayerNorm, MultiHeadedAttention,
    ...                        PositionwiseFeedForward)
    >>> layer = EncoderLayer(16, MultiHeadedAttention(4, 16), PositionwiseFeedForward(16, 64), 0.1)
    >>> encoder = Encoder(layer, N=2, norm=LayerNorm(16))
    >>> encoder(torch.randn(2, 5, 16), mask=None).shape   # (batch, src_len, d_model)
    torch.Size([2, 5, 16])
    """

    def __init__(self, layer: EncoderLayer, N: int, norm: nn.Module) -> None:
        super().__init__()
        self.layers = clones(layer, N)
        self.norm = norm

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Pass ``x`` ``(batch, src_len, d_model)`` through each layer in turn."""
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)
