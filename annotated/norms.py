"""Normalisation layers: LayerNorm (paper section 3.1) and RMSNorm.

LayerNorm (Ba et al. 2016) normalises each position's feature vector to zero mean and unit
variance, then applies a learned gain :math:`\\gamma` and bias :math:`\\beta`
(:class:`LayerNorm` gives the equation). The original Annotated Transformer used
``x.std()`` -- the *unbiased* estimate, dividing by :math:`d-1` -- and added
:math:`\\epsilon` outside the root. Both differ from the paper's reference and from
``torch.nn.LayerNorm``; here the variance is biased and :math:`\\epsilon` sits inside the
root, so the layer equals ``nn.LayerNorm`` exactly.

RMSNorm (Zhang & Sennrich 2019) drops the centring and the bias, keeping only the rescaling,
which they found does the work; it is cheaper and is what LLaMA-style models use
(:class:`RMSNorm`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from annotated.config import check_choice


class LayerNorm(nn.Module):
    """Layer normalisation over the last dimension (equal to ``torch.nn.LayerNorm``).

    .. math::

        \\mathrm{LayerNorm}(x) = \\gamma \\odot \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta,
        \\qquad \\mu = \\frac{1}{d}\\sum_i x_i, \\quad \\sigma^2 = \\frac{1}{d}\\sum_i (x_i - \\mu)^2

    for each position's feature vector :math:`x \\in \\mathbb{R}^d`, e.g. each
    ``(batch, seq)`` entry of a ``(batch, seq, d_model)`` tensor. The variance is the
    *biased* one and :math:`\\epsilon` sits inside the root, unlike the original Annotated
    Transformer's ``x.std()``. Normalising every position keeps the residual stream's scale
    steady from layer to layer, which makes deep stacks trainable.

    The computation calls ``F.layer_norm``, PyTorch's fused kernel for exactly this formula;
    :func:`annotated.numpy_ref.layer_norm` spells it out and tests hold the two equal.

    Parameters
    ----------
    features : int
        :math:`d`, the size of the last dimension.
    eps : float
        :math:`\\epsilon`, inside the square root.
    bias : bool
        Whether to learn :math:`\\beta` (GPT configs may switch it off).

    Examples
    --------
    >>> import torch
    >>> from annotated import LayerNorm
    >>> norm = LayerNorm(4)
    >>> y = norm(torch.tensor([[1.0, 2.0, 3.0, 4.0]]))    # (batch, d)
    >>> y.mean().abs() < 1e-6, ((y ** 2).mean() - 1).abs() < 1e-4
    (tensor(True), tensor(True))
    """

    def __init__(self, features: int, eps: float = 1e-5, *, bias: bool = True) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(features))
        self.bias = nn.Parameter(torch.zeros(features)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` is ``(..., features)``; the result has the same shape."""
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


class RMSNorm(nn.Module):
    """Root-mean-square normalisation over the last dimension.

    .. math::

        \\mathrm{RMSNorm}(x) = \\gamma \\odot \\frac{x}{\\mathrm{rms}(x)}, \\qquad
        \\mathrm{rms}(x) = \\sqrt{\\frac{1}{d}\\sum_i x_i^2 + \\epsilon}

    for each position's feature vector :math:`x \\in \\mathbb{R}^d` of a
    ``(batch, seq, d_model)`` tensor. LayerNorm without the centring and the bias (Zhang &
    Sennrich 2019): the rescaling alone does the stabilising, at a lower cost, and it is
    what LLaMA-style models use. The computation calls ``F.rms_norm``.

    Parameters
    ----------
    features : int
        :math:`d`, the size of the last dimension.
    eps : float
        :math:`\\epsilon`, inside the square root.

    Examples
    --------
    >>> import torch
    >>> from annotated import RMSNorm
    >>> norm = RMSNorm(4)
    >>> x = torch.tensor([[3.0, -3.0, 3.0, -3.0]])        # rms(x) = 3
    >>> norm(x)
    tensor([[ 1.0000, -1.0000,  1.0000, -1.0000]], grad_fn=<...>)
    """

    def __init__(self, features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` is ``(..., features)``; the result has the same shape."""
        return F.rms_norm(x, self.weight.shape, self.weight, self.eps)


def make_norm(kind: str, features: int, eps: float = 1e-5, *, bias: bool = True) -> nn.Module:
    """Build the normalisation named by a config's ``norm`` switch.

    ``"layer"`` gives :class:`LayerNorm`, ``"rms"`` :class:`RMSNorm`, ``"none"`` the identity.

    Examples
    --------
    >>> from annotated.norms import make_norm
    >>> make_norm("rms", 8)
    RMSNorm()
    >>> make_norm("none", 8)
    Identity()
    """
    check_choice("norm", kind)
    if kind == "layer":
        return LayerNorm(features, eps, bias=bias)
    if kind == "rms":
        return RMSNorm(features, eps)
    return nn.Identity()
