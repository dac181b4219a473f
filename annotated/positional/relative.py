"""The hook through which a position scheme acts *inside* attention.

Sinusoidal and learned positions are added to the embeddings once, before the first
layer. Relative schemes instead change how a query at position :math:`m` meets a key at
position :math:`n`: RoPE rotates :math:`q` and :math:`k` (:meth:`rotate`), ALiBi adds a
bias to their score (:meth:`bias`). :class:`~annotated.MultiHeadedAttention` calls both;
this base class does nothing in either, which is also what cross-attention gets.

Positions are absolute indices, ``(seq,)`` integer tensors: a KV cache that has slid its
window passes the true positions of the keys it still holds.
"""

from __future__ import annotations

import torch
from torch import nn


class AttentionPositions(nn.Module):
    """A position scheme that acts inside attention; the identity by itself.

    A query :math:`q` at position :math:`m` and a key :math:`k` at position :math:`n` score

    .. math::

        s_{mn} = \\frac{\\langle f(q, m), f(k, n) \\rangle}{\\sqrt{d_k}} + b(m, n)

    where :meth:`rotate` is :math:`f` (RoPE) and :meth:`bias` is :math:`b` (ALiBi).

    Examples
    --------
    >>> import torch
    >>> from annotated import AttentionPositions
    >>> positions = AttentionPositions()
    >>> q = torch.randn(1, 2, 3, 4)                  # (batch, heads, seq, d_k)
    >>> pos = torch.arange(3)
    >>> positions.rotate(q, pos) is q, positions.bias(pos, pos) is None
    (True, True)
    """

    def rotate(self, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Transform queries or keys ``(batch, heads, seq, d_k)`` at ``positions`` ``(seq,)``."""
        return x

    def bias(self, query_pos: torch.Tensor, key_pos: torch.Tensor) -> torch.Tensor | None:
        """Additive score bias ``(heads, seq_q, seq_k)`` for the given positions, or None."""
        return None
