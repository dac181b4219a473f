"""Attention with linear biases, ALiBi (Press et al. 2022, "Train Short, Test Long").

No position is added to the embeddings; instead head :math:`h` adds a penalty linear in
the distance between query :math:`i` and key :math:`j` to their score:

.. math::

    S_{ij} \\mathrel{+}= -m_h\\,|i - j|, \\qquad
    m_h = 2^{-8h/H} \\quad (h = 1, \\dots, H)

for :math:`H` a power of two. Otherwise the slopes of the nearest lower power of two
:math:`n` are followed by every other slope of :math:`2n` (the paper's code). Each head
therefore has its own attention span: steep slopes look locally, gentle ones far. Because
the bias is a function of the distance alone, models extrapolate to longer sequences.
"""

from __future__ import annotations

import math

import torch

from annotated.positional.relative import AttentionPositions


def alibi_slopes(heads: int) -> torch.Tensor:
    """The head slopes :math:`m_h`, ``(heads,)``.

    Examples
    --------
    >>> from annotated.positional.alibi import alibi_slopes
    >>> alibi_slopes(8)
    tensor([0.5000, 0.2500, 0.1250, 0.0625, 0.0312, 0.0156, 0.0078, 0.0039])
    >>> alibi_slopes(6).tolist() == alibi_slopes(4).tolist() + alibi_slopes(8)[0::2][:2].tolist()
    True
    """
    if heads < 1:
        raise ValueError(f"heads must be positive, got {heads}")
    n = 2 ** math.floor(math.log2(heads))
    slopes = [2 ** (-8 * h / n) for h in range(1, n + 1)]
    if n < heads:
        slopes += [2 ** (-8 * h / (2 * n)) for h in range(1, 2 * n + 1)][0::2][: heads - n]
    return torch.tensor(slopes)


class ALiBi(AttentionPositions):
    """Bias every head's scores by :math:`-m_h |i - j|`.

    .. math::

        \\mathrm{softmax}\\left(\\frac{q_i k_j^\\top}{\\sqrt{d_k}} - m_h\\,|i - j|\\right), \\qquad
        m_h = 2^{-8h/H} \\quad (h = 1, \\dots, H)

    for :math:`H` a power of two (otherwise see :func:`alibi_slopes`); the bias is
    ``(heads, seq_q, seq_k)``, added to the ``(batch, heads, seq_q, seq_k)`` scores. It
    depends on the distance alone, so models extrapolate to longer sequences.

    Parameters
    ----------
    heads : int
        Number of attention heads :math:`H`.

    Examples
    --------
    >>> import torch
    >>> from annotated import ALiBi
    >>> alibi = ALiBi(heads=2)
    >>> alibi.bias(torch.arange(3), torch.arange(3))[0]
    tensor([[ 0.0000, -0.0625, -0.1250],
            [-0.0625,  0.0000, -0.0625],
            [-0.1250, -0.0625,  0.0000]])
    """

    slopes: torch.Tensor

    def __init__(self, heads: int) -> None:
        super().__init__()
        self.register_buffer("slopes", alibi_slopes(heads), persistent=False)

    def bias(self, query_pos: torch.Tensor, key_pos: torch.Tensor) -> torch.Tensor:
        """``(heads, seq_q, seq_k)`` for positions ``query_pos`` ``(seq_q,)``, ``key_pos`` ``(seq_k,)``."""
        distance = (query_pos[:, None] - key_pos[None, :]).abs()  # (seq_q, seq_k), integers
        return self.slopes[:, None, None] * -distance  # (heads, seq_q, seq_k)
