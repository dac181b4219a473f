"""Token embeddings (paper section 3.4).

.. math::

    \\mathrm{Embed}(x) = E_{x} \\sqrt{d_{model}}, \\qquad E \\in \\mathbb{R}^{V \\times d_{model}}

Each token index selects a learned row of :math:`E`. The paper multiplies by
:math:`\\sqrt{d_{model}}` without saying why; the usual reading is that Xavier-initialised
rows have entries of size about :math:`1/\\sqrt{d_{model}}`, so the scaling brings them to
unit size, the same scale as the positional encodings (entries in :math:`[-1, 1]`) they are
added to, and positions do not drown the tokens.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from annotated._checks import check_tokens


class Embeddings(nn.Module):
    """Look up each token's vector and scale it by :math:`\\sqrt{d_{model}}` (section 3.4).

    .. math::

        \\mathrm{Embed}(x)_{b,t} = \\sqrt{d_{model}}\\; E_{x_{b,t}}, \\qquad
        E \\in \\mathbb{R}^{V \\times d_{model}}

    integer tokens ``(batch, seq)`` become ``(batch, seq, d_model)``. The scale matters only
    relative to the positional encodings added next; see the module docstring.

    Parameters
    ----------
    d_model : int
        Embedding width.
    vocab : int
        Vocabulary size :math:`V`.

    Examples
    --------
    >>> emb = Embeddings(d_model=16, vocab=10)
    >>> tokens = torch.tensor([[1, 2, 3]])           # (batch, seq)
    >>> emb(tokens).shape                             # (batch, seq, d_model)
    torch.Size([1, 3, 16])
    >>> torch.allclose(emb(tokens)[0, 0], emb.lut.weight[1] * 4)
    True
    >>> emb(torch.tensor([[10]]))
    Traceback (most recent call last):
    ...
    ValueError: token index 10 is out of range for a vocabulary of 10
    """

    def __init__(self, d_model: int, vocab: int) -> None:
        super().__init__()
        self.lut = nn.Embedding(vocab, d_model)
        self.d_model = d_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` integer ``(batch, seq)`` -> ``(batch, seq, d_model)``."""
        check_tokens("x", x)
        if x.numel():
            low, high = int(x.min()), int(x.max())
            bad = high if high >= self.lut.num_embeddings else low if low < 0 else None
            if bad is not None:
                raise ValueError(
                    f"token index {bad} is out of range for a vocabulary of {self.lut.num_embeddings}"
                )
        return self.lut(x) * math.sqrt(self.d_model)
