"""Token embeddings (paper section 3.4).

Each token index selects a learned row of :math:`E \\in \\mathbb{R}^{V \\times d_{model}}`,
and the paper multiplies it by :math:`\\sqrt{d_{model}}` without saying why
(:class:`Embeddings` gives the equation). What the scaling does depends on the
initialisation of :math:`E`, and through it on the vocabulary size :math:`V`:
:func:`~annotated.make_model` initialises :math:`E` Xavier-uniform, whose entries have
standard deviation :math:`\\sqrt{2 / (V + d_{model})}`, so the scaled entries have standard
deviation :math:`\\sqrt{2 d_{model} / (V + d_{model})}`,
which is unit size only when :math:`V \\approx d_{model}`: 0.165 for the paper's shared
37,000-token vocabulary at :math:`d_{model} = 512`, 1.4 for an 11-token toy vocabulary. The
sinusoidal encodings added next have root-mean-square :math:`1/\\sqrt{2} \\approx 0.71`. So
for a real vocabulary the scaling narrows the gap -- unscaled, the tokens would be about
100 times smaller than the positions, scaled about 4 times -- without closing it, and from
then on the optimiser sets the size of :math:`E`. (A bare :class:`Embeddings` keeps
``nn.Embedding``'s :math:`\\mathcal{N}(0, 1)` rows, whose scaled entries have standard
deviation :math:`\\sqrt{d_{model}}`.)

>>> import math
>>> import torch
>>> def scaled_std(vocab, d_model=512):
...     E = torch.nn.init.xavier_uniform_(torch.empty(vocab, d_model))
...     return (E * math.sqrt(d_model)).std().item(), math.sqrt(2 * d_model / (vocab + d_model))
>>> _ = torch.manual_seed(0)
>>> scaled_std(37000)                           # measured, predicted: the paper's vocabulary
(0.165, 0.165)
>>> scaled_std(11)                              # a toy vocabulary
(1.4, 1.4)
>>> from annotated.positional.sinusoidal import sinusoidal_table
>>> sinusoidal_table(100, 512).pow(2).mean().sqrt().item()   # the positions' size, 1/sqrt(2)
0.707
"""

from __future__ import annotations

import math

import torch
from torch import nn

from annotated._checks import check_token_range, check_tokens


class Embeddings(nn.Module):
    """Look up each token's vector and scale it by :math:`\\sqrt{d_{model}}` (section 3.4).

    .. math::

        \\mathrm{Embed}(x)_{b,t} = \\sqrt{d_{model}}\\; E_{x_{b,t}}, \\qquad
        E \\in \\mathbb{R}^{V \\times d_{model}}

    integer tokens ``(batch, seq)`` become ``(batch, seq, d_model)``. The scale matters
    relative to the positional encodings added next. After :func:`~annotated.make_model`'s
    Xavier initialisation the scaled entries have standard deviation

    .. math::

        \\sqrt{d_{model}} \\cdot \\mathrm{std}(E) = \\sqrt{\\frac{2\\, d_{model}}{V + d_{model}}}

    unit size only when :math:`V \\approx d_{model}`, 0.165 for the paper's 37,000-token
    vocabulary (the module docstring measures it).

    Token ids are checked against :math:`V` on the CPU, where reading them is free; on an
    accelerator that read would stall every forward pass, so there the data side checks the
    ids once per batch instead.

    Parameters
    ----------
    d_model : int
        Embedding width.
    vocab : int
        Vocabulary size :math:`V`.

    Examples
    --------
    >>> import torch
    >>> from annotated import Embeddings
    >>> emb = Embeddings(d_model=16, vocab=10)
    >>> tokens = torch.tensor([[1, 2, 3]])           # (batch, seq)
    >>> emb(tokens).shape                             # (batch, seq, d_model)
    torch.Size([1, 3, 16])
    >>> torch.allclose(emb(tokens)[0, 0], emb.lut.weight[1] * 4)
    True
    >>> emb(torch.tensor([[10]]))
    Traceback (most recent call last):
    ...
    ValueError: token index 10 is out of range: token ids must be in [0, 10)
    """

    def __init__(self, d_model: int, vocab: int) -> None:
        super().__init__()
        self.lut = nn.Embedding(vocab, d_model)
        self.d_model = d_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` integer ``(batch, seq)`` -> ``(batch, seq, d_model)``."""
        check_tokens("x", x)
        check_token_range(x, self.lut.num_embeddings)
        return self.lut(x) * math.sqrt(self.d_model)
