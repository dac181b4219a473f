"""Sinusoidal positional encoding (paper section 3.5).

.. math::

    PE_{(pos, 2i)} = \\sin\\!\\left(pos / 10000^{2i/d_{model}}\\right), \\qquad
    PE_{(pos, 2i+1)} = \\cos\\!\\left(pos / 10000^{2i/d_{model}}\\right)

Each pair of dimensions is a rotation at its own frequency, with wavelengths forming a
geometric progression from :math:`2\\pi` to :math:`10000 \\cdot 2\\pi`. For any offset
:math:`k`, :math:`PE_{pos+k}` is a fixed linear function (a rotation) of :math:`PE_{pos}`,
so the dot product :math:`PE_{pos} \\cdot PE_{pos+k} = \\sum_i \\cos(k\\,\\omega_i)`
depends on the offset only: the paper's reason to hope the model attends by relative
position. The table is computed, not learned, so it extends to any length.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from annotated._checks import check_float
from annotated.dropout import Dropout


def sinusoidal_table(max_len: int, d_model: int) -> torch.Tensor:
    """The table :math:`PE`, ``(max_len, d_model)``; ``d_model`` must be even.

    Examples
    --------
    >>> from annotated.positional.sinusoidal import sinusoidal_table
    >>> pe = sinusoidal_table(50, 16)
    >>> pe.shape
    torch.Size([50, 16])
    >>> pe[0, 0::2].abs().max().item(), pe[0, 1::2].min().item()   # sin 0 = 0, cos 0 = 1
    (0.0, 1.0)
    """
    if d_model % 2:
        raise ValueError(f"d_model must be even for sin/cos pairs, got {d_model}")
    position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)  # (max_len, 1)
    # 1 / 10000^(2i/d_model), computed in log space for precision: (d_model / 2,)
    div_term = torch.exp(
        torch.arange(0, d_model, 2, dtype=torch.float32) * -(math.log(10000.0) / d_model)
    )
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe


class PositionalEncoding(nn.Module):
    """Add the sinusoidal table to the embeddings, then apply dropout (section 3.5).

    .. math::

        PE_{(pos, 2i)} &= \\sin\\!\\left(pos / 10000^{2i/d_{model}}\\right) \\\\
        PE_{(pos, 2i+1)} &= \\cos\\!\\left(pos / 10000^{2i/d_{model}}\\right) \\\\
        \\text{output} &= \\mathrm{Dropout}(x + PE_{\\text{start} : \\text{start} + \\text{seq}})

    ``x`` is ``(batch, seq, d_model)`` and the rows of :math:`PE` for positions ``start`` to
    ``start + seq - 1`` are broadcast over the batch. Attention alone is blind to order;
    each pair of dimensions is a rotation at its own frequency, so :math:`PE_{pos+k}` is a
    fixed linear function of :math:`PE_{pos}` and relative offsets are easy to read off.

    The table is a non-persistent buffer: it moves with the model between devices, but it
    is derived from the sizes and so is not stored in checkpoints.

    Parameters
    ----------
    d_model : int
        Embedding width (even).
    dropout : float
        :math:`P_{drop}` on the sum (paper 5.4).
    max_len : int
        Longest sequence covered by the table.

    Examples
    --------
    >>> import torch
    >>> from annotated import PositionalEncoding
    >>> from annotated.positional.sinusoidal import sinusoidal_table
    >>> pe = PositionalEncoding(d_model=16, dropout=0.0)
    >>> x = torch.zeros(2, 7, 16)                     # (batch, seq, d_model)
    >>> pe(x).shape
    torch.Size([2, 7, 16])
    >>> torch.equal(pe(x)[0], sinusoidal_table(7, 16))
    True
    """

    pe: torch.Tensor

    def __init__(self, d_model: int, dropout: float, max_len: int = 5000) -> None:
        super().__init__()
        self.dropout = Dropout(dropout)
        self.register_buffer("pe", sinusoidal_table(max_len, d_model), persistent=False)

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """``x`` is ``(batch, seq, d_model)``; positions run from ``start``."""
        check_float("x", x, dim=3, last=self.pe.size(1))
        end = start + x.size(1)
        if end > self.pe.size(0):
            raise ValueError(f"positions up to {end} exceed max_len={self.pe.size(0)}")
        return self.dropout(x + self.pe[start:end].to(x.dtype))
