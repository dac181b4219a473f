"""The decoder (paper section 3.1): :math:`N` layers with a third sublayer.

.. math::

    a &= \\mathrm{SelfAttn}(y, y, y;\\ \\text{causal mask}) \\\\
    c &= \\mathrm{CrossAttn}(a, m, m;\\ \\text{source mask}) \\\\
    \\text{output} &= \\mathrm{FFN}(c)

each in a residual sublayer, where :math:`m` is the encoder's output (the *memory*). The
causal mask keeps position :math:`i` from seeing targets after :math:`i`, so the prediction
for position :math:`i` depends only on the known outputs before it; cross-attention is where
the target side reads the source.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

from annotated.encoder import clones
from annotated.multi_head_attention import MultiHeadedAttention
from annotated.sublayer import SublayerConnection


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
    ) -> torch.Tensor:
        """``x`` ``(batch, tgt_len, d_model)``, ``memory`` ``(batch, src_len, d_model)``,
        ``src_mask`` ``(batch, 1, src_len)``, ``tgt_mask`` ``(batch, tgt_len, tgt_len)``."""
        m = memory
        x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, tgt_mask))
        x = self.sublayer[1](x, lambda x: self.src_attn(x, m, m, src_mask))
        return self.sublayer[2](x, self.feed_forward)


class Decoder(nn.Module):
    """A stack of ``N`` copies of ``layer``, then the final norm its layout needs.

    .. math::

        h_0 = x, \\qquad h_l = \\mathrm{Layer}_l(h_{l-1}) \\;\\; (l = 1, \\dots, N), \\qquad
        \\text{output} = \\mathrm{Norm}_{final}(h_N)

    on ``(batch, tgt_len, d_model)``; every layer keeps that shape, which is what makes them stackable.
    The final norm is the identity for post-norm layers and a norm for pre and sandwich
    layouts, whose residual stream is otherwise never normalised (each layer also reads the memory).

    Examples
    --------
    >>> layer = DecoderLayer(16, MultiHeadedAttention(4, 16), MultiHeadedAttention(4, 16),
    ...                      PositionwiseFeedForward(16, 64), 0.1)
    >>> decoder = Decoder(layer, N=2)
    >>> decoder(torch.randn(2, 4, 16), torch.randn(2, 6, 16), None, subsequent_mask(4)).shape
    torch.Size([2, 4, 16])
    """

    def __init__(self, layer: DecoderLayer, N: int) -> None:
        super().__init__()
        self.layers = clones(layer, N)
        self.norm = cast(SublayerConnection, layer.sublayer[0]).final_norm()

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        src_mask: torch.Tensor | None,
        tgt_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """Pass ``x`` ``(batch, tgt_len, d_model)`` through each layer in turn."""
        for layer in self.layers:
            x = layer(x, memory, src_mask, tgt_mask)
        return self.norm(x)
