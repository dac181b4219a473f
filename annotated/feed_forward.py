"""Position-wise feed-forward networks (paper section 3.3) and their activations.

The same two-layer network is applied to every position separately:

.. math::

    \\mathrm{FFN}(x) = \\phi(x W_1 + b_1) W_2 + b_2, \\qquad
    W_1 \\in \\mathbb{R}^{d_{model} \\times d_{ff}}, \\; W_2 \\in \\mathbb{R}^{d_{ff} \\times d_{model}}

with :math:`\\phi = \\mathrm{ReLU}` in the paper, GELU in BERT and GPT-2 (a smooth ReLU,
:math:`x\\,\\Phi(x)`), SiLU :math:`x\\,\\sigma(x)`, and ReLU squared (below). Attention
mixes information *between* positions; this is where each position transforms its own
features, and with :math:`d_{ff} = 4 d_{model}` it holds two thirds of a layer's parameters.

ReLU squared (So et al. 2021, "Primer", found by searching over Transformer variants) keeps
ReLU's zeros and squares what passes:

.. math::

    \\phi(z) = \\max(0, z)^2, \\qquad \\phi'(z) = 2 \\max(0, z)

Same matrices, same parameter count as ReLU or GELU; only the non-linearity changes. Its
gradient grows with the input instead of staying 1, and it is cheaper than GELU's
:math:`\\mathrm{erf}`. modded-nanogpt replaced GELU with it, alongside QK-norm and zero-initialised
projections.

SwiGLU (Shazeer 2020, used by PaLM and LLaMA) multiplies a linear path by a SiLU gate:

.. math::

    \\mathrm{SwiGLU}(x) = \\left( x W \\odot \\mathrm{SiLU}(x V) \\right) W_2

It has three matrices instead of two, so its hidden width is :math:`\\tfrac{2}{3} d_{ff}`
(rounded) to keep the parameter count of the two-matrix network.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from annotated.config import check_choice
from annotated.dropout import Dropout


def relu2(z: torch.Tensor) -> torch.Tensor:
    """ReLU squared, :math:`\\max(0, z)^2` (So et al. 2021).

    Examples
    --------
    >>> import torch
    >>> from annotated.feed_forward import relu2
    >>> relu2(torch.tensor([-2.0, 0.5, 3.0]))
    tensor([0.0000, 0.2500, 9.0000])
    """
    return F.relu(z).square()


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": F.relu,
    "gelu": F.gelu,
    "silu": F.silu,
    "relu2": relu2,
}


class PositionwiseFeedForward(nn.Module):
    """The position-wise feed-forward network (section 3.3), dropout on the hidden layer.

    .. math::

        \\mathrm{FFN}(x) = \\phi(x W_1 + b_1) W_2 + b_2, \\qquad
        W_1 \\in \\mathbb{R}^{d_{model} \\times d_{ff}}, \\; W_2 \\in \\mathbb{R}^{d_{ff} \\times d_{model}}

    applied to each position of a ``(batch, seq, d_model)`` tensor on its own (hidden
    ``(batch, seq, d_ff)``), with :math:`\\phi` ReLU in the paper. Attention mixes positions;
    this is where each position transforms its own features.

    Parameters
    ----------
    d_model : int
        Input and output width.
    d_ff : int
        Hidden width (paper: :math:`4 d_{model}`).
    dropout : float
        :math:`P_{drop}` on the hidden activations.
    activation : {"relu", "gelu", "silu", "relu2"}
        :math:`\\phi`; ``"relu2"`` is :math:`\\max(0, z)^2`.
    bias : bool
        Whether the two linear layers have biases.

    Examples
    --------
    >>> import torch
    >>> from annotated import PositionwiseFeedForward
    >>> ffn = PositionwiseFeedForward(d_model=8, d_ff=32, dropout=0.0)
    >>> x = torch.randn(2, 5, 8)                     # (batch, seq, d_model)
    >>> ffn(x).shape
    torch.Size([2, 5, 8])
    >>> torch.allclose(ffn(x)[:, 2], ffn(x[:, 2:3])[:, 0], atol=1e-6)   # each position alone
    True
    """

    def __init__(
        self,
        d_model: int,
        d_ff: int,
        dropout: float = 0.1,
        *,
        activation: str = "relu",
        bias: bool = True,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
        self.w_1 = nn.Linear(d_model, d_ff, bias=bias)
        self.w_2 = nn.Linear(d_ff, d_model, bias=bias)
        self.dropout = Dropout(dropout)
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, seq, d_model)`` -> ``(batch, seq, d_model)``; hidden ``(batch, seq, d_ff)``."""
        return self.w_2(self.dropout(ACTIVATIONS[self.activation](self.w_1(x))))


class SwiGLU(nn.Module):
    """The SwiGLU feed-forward network (Shazeer 2020), dropout on the gated hidden layer.

    .. math::

        \\mathrm{SwiGLU}(x) = \\left( x W \\odot \\mathrm{SiLU}(x V) \\right) W_2, \\qquad
        \\mathrm{SiLU}(z) = z\\,\\sigma(z)

    (plus biases when ``bias`` is set), on ``(batch, seq, d_model)``. Three matrices instead
    of two, so the hidden width is :math:`\\tfrac{2}{3} d_{ff}` to keep the parameter count;
    the multiplicative gate is what PaLM and LLaMA found trains better than ReLU.

    Parameters
    ----------
    d_model : int
        Input and output width.
    d_ff : int
        The two-matrix network's hidden width; this one uses :math:`\\lfloor 2 d_{ff}/3 \\rceil`.
    dropout : float
        :math:`P_{drop}` on the gated hidden activations.
    bias : bool
        Whether the three linear layers have biases.

    Examples
    --------
    >>> import torch
    >>> from annotated import SwiGLU
    >>> ffn = SwiGLU(d_model=8, d_ff=48, dropout=0.0)
    >>> ffn.w_1.out_features                          # 2/3 of d_ff
    32
    >>> ffn(torch.randn(2, 5, 8)).shape               # (batch, seq, d_model)
    torch.Size([2, 5, 8])
    """

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.1, *, bias: bool = True) -> None:
        super().__init__()
        hidden = max(1, round(2 * d_ff / 3))
        self.w_1 = nn.Linear(d_model, hidden, bias=bias)  # W, the linear path
        self.w_gate = nn.Linear(d_model, hidden, bias=bias)  # V, the gate
        self.w_2 = nn.Linear(hidden, d_model, bias=bias)
        self.dropout = Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, seq, d_model)`` -> ``(batch, seq, d_model)``."""
        return self.w_2(self.dropout(self.w_1(x) * F.silu(self.w_gate(x))))


def make_feed_forward(
    activation: str, d_model: int, d_ff: int, dropout: float, *, bias: bool = True
) -> nn.Module:
    """Build the feed-forward network named by a config's ``activation`` switch.

    Examples
    --------
    >>> from annotated.feed_forward import make_feed_forward
    >>> type(make_feed_forward("swiglu", 8, 32, 0.0)).__name__
    'SwiGLU'
    >>> make_feed_forward("gelu", 8, 32, 0.0).activation
    'gelu'
    """
    check_choice("activation", activation)
    if activation == "swiglu":
        return SwiGLU(d_model, d_ff, dropout, bias=bias)
    return PositionwiseFeedForward(d_model, d_ff, dropout, activation=activation, bias=bias)
