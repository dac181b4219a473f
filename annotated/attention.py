"""Scaled dot-product attention (paper section 3.2.1).

Each query is compared with every key by a dot product; the softmax turns the scores of
one query into weights that sum to one; the output is the weighted mean of the values.

Why divide by :math:`\\sqrt{d_k}`: if the components of :math:`q` and :math:`k` are
independent with mean 0 and variance 1, then :math:`q \\cdot k` has variance :math:`d_k`.
Large scores push the softmax into regions where it is nearly one-hot and its gradient
vanishes; the division brings the variance back to 1.

Masking: where the mask is False the score becomes :math:`-\\infty`, so
:math:`e^{-\\infty} = 0` and the position gets exactly zero weight. A row with every
position masked (a padded query) would be :math:`0/0`; it is set to zero weights instead,
so its output is a zero vector and never NaN. A finite stand-in such as the original's
``-1e9`` is not used: it is not :math:`-\\infty` in float64, overflows float16, and turns a
fully masked row into a uniform average over the positions that were meant to be hidden.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from annotated._checks import check_float, check_mask


def attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout: nn.Module | None = None,
    *,
    bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Compute scaled dot-product attention and return the output and the weights.

    .. math::

        \\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{QK^\\top}{\\sqrt{d_k}}\\right) V

    the paper's equation (1), computed with a mask :math:`M` (1 = may attend) and an
    optional score bias :math:`B`:

    .. math::

        S = \\frac{QK^\\top}{\\sqrt{d_k}} + B, \\qquad
        P_{ij} = \\frac{M_{ij}\\, e^{S_{ij}}}{\\sum_{j'} M_{ij'}\\, e^{S_{ij'}}}
        \\;(0 \\text{ if every } M_{ij'} = 0), \\qquad
        \\text{output} = P V

    Parameters
    ----------
    query : torch.Tensor
        :math:`Q`, ``(..., seq_q, d_k)``; usually ``(batch, heads, seq_q, d_k)``.
    key : torch.Tensor
        :math:`K`, ``(..., seq_k, d_k)``.
    value : torch.Tensor
        :math:`V`, ``(..., seq_k, d_v)``.
    mask : torch.Tensor, optional
        Bool, broadcastable to ``(..., seq_q, seq_k)``; True = may attend.
    dropout : torch.nn.Module, optional
        Applied to the weights :math:`P` before they multiply :math:`V` (paper 5.4).
    bias : torch.Tensor, optional
        Additive score bias :math:`B` broadcastable to ``(..., seq_q, seq_k)`` (ALiBi).

    Returns
    -------
    output : torch.Tensor
        ``(..., seq_q, d_v)``.
    p_attn : torch.Tensor
        The weights :math:`P`, ``(..., seq_q, seq_k)``; rows sum to 1, or to 0 when fully
        masked.

    Examples
    --------
    >>> import torch
    >>> from annotated import attention, subsequent_mask
    >>> q = k = v = torch.randn(2, 4, 5, 8)          # (batch, heads, seq, d_k)
    >>> out, p = attention(q, k, v, mask=subsequent_mask(5))
    >>> out.shape, p.shape
    (torch.Size([2, 4, 5, 8]), torch.Size([2, 4, 5, 5]))
    >>> bool(p[..., 0, 1:].eq(0).all())              # the first query sees only itself
    True
    """
    check_float("query", query)
    check_float("key", key, dim=query.dim(), last=query.size(-1))
    check_float("value", value, dim=query.dim())
    if key.size(-2) != value.size(-2):
        raise ValueError(
            f"key and value must have the same seq_k, got {key.size(-2)} and {value.size(-2)}"
        )
    d_k = query.size(-1)
    scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)  # (..., seq_q, seq_k)
    if bias is not None:
        scores = scores + bias
    if mask is not None:
        check_mask("mask", mask, tuple(scores.shape))
        scores = scores.masked_fill(~mask, float("-inf"))
    p_attn = scores.softmax(dim=-1)
    if mask is not None:
        p_attn = p_attn.masked_fill(~mask, 0.0)  # fully masked rows: NaN -> 0
    if dropout is not None:
        p_attn = dropout(p_attn)
    return p_attn @ value, p_attn
