"""Learned absolute positions (paper section 3.5; GPT-2, BERT).

.. math::

    \\text{output} = \\mathrm{Dropout}(x + P_{\\text{start} : \\text{start} + \\text{seq}}),
    \\qquad P \\in \\mathbb{R}^{L_{max} \\times d_{model}} \\text{ learned}

The paper found learned positions "nearly identical" in quality to sinusoids; they are what
GPT-2 and nanoGPT use. Unlike the sinusoidal table they do not extend past ``max_len``:
positions never seen in training have untrained rows.
"""

from __future__ import annotations

import torch
from torch import nn

from annotated._checks import check_float
from annotated.dropout import Dropout


class LearnedPositionalEncoding(nn.Module):
    """Add a learned position vector to each embedding, then apply dropout.

    .. math::

        \\text{output} = \\mathrm{Dropout}(x + P_{\\text{start} : \\text{start} + \\text{seq}}),
        \\qquad P \\in \\mathbb{R}^{L_{max} \\times d_{model}} \\text{ learned}

    ``x`` is ``(batch, seq, d_model)``; the rows of :math:`P` are broadcast over the batch.
    As good as sinusoids in the paper's test, but positions past ``max_len`` have no row.

    Parameters
    ----------
    d_model : int
        Embedding width.
    dropout : float
        :math:`P_{drop}` on the sum.
    max_len : int
        Number of positions with a learned vector (the model's block size).

    Examples
    --------
    >>> import torch
    >>> from annotated import LearnedPositionalEncoding
    >>> pos = LearnedPositionalEncoding(d_model=8, dropout=0.0, max_len=16)
    >>> pos(torch.zeros(2, 5, 8)).shape              # (batch, seq, d_model)
    torch.Size([2, 5, 8])
    >>> torch.equal(pos(torch.zeros(1, 3, 8), start=2)[0], pos.weight[2:5])
    True
    """

    def __init__(self, d_model: int, dropout: float, max_len: int = 5000) -> None:
        super().__init__()
        self.dropout = Dropout(dropout)
        self.embedding = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.embedding.weight, std=0.02)

    @property
    def weight(self) -> torch.Tensor:
        """The table :math:`P`, ``(max_len, d_model)``."""
        return self.embedding.weight

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """``x`` is ``(batch, seq, d_model)``; positions run from ``start``."""
        check_float("x", x, dim=3, last=self.weight.size(1))
        end = start + x.size(1)
        if end > self.weight.size(0):
            raise ValueError(f"positions up to {end} exceed max_len={self.weight.size(0)}")
        return self.dropout(x + self.weight[start:end])
