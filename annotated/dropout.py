"""Dropout (paper section 5.4), with a mask drawn from 16 random bits per unit.

Dropout zeroes each unit with probability :math:`p` while training and scales the survivors
by :math:`1 / (1 - p)`, so that a unit's expected value is unchanged and evaluation needs no
rescaling ("inverted" dropout). The paper applies it to every sublayer's output and to the
sums of embeddings and positions; the original Annotated Transformer adds it inside the
feed-forward network and on the attention weights. Every one of those is a :class:`Dropout`;
on the fused attention path the attention weights are dropped inside PyTorch's
``scaled_dot_product_attention`` instead, which reads the rate from its ``p``.

Why not ``torch.nn.Dropout``: on a CPU, making its masks is a large share of a training step.
PyTorch draws one random number per unit; a unit needs far less randomness than that, so
:class:`Dropout` draws 64-bit integers, reads each as four 16-bit ones, and keeps a unit when
its 16 bits clear a threshold. Measured by ``benchmarks/bench_dropout.py`` on a 2-core CPU:
one dropout of a feed-forward hidden layer, forward and backward, about 1.8 times faster;
the translation model's training step with the paper's dropout 0.1 about 1.2 times faster,
dropout's share of it down from about 40% to 30%.
"""

from __future__ import annotations

import torch
from torch import nn

BITS = 16
LEVELS = 2**BITS


def keep_mask(shape: torch.Size | tuple[int, ...], p: float, device: torch.device) -> torch.Tensor:
    """A boolean mask of ``shape``, each entry ``False`` (dropped) with probability ``p_q``.

    .. math::

        m_i = [\\,u_i \\ge \\lfloor p \\cdot 2^{16} \\rceil\\,], \\qquad
        u_i \\sim \\mathcal{U}\\{0, \\dots, 2^{16} - 1\\}, \\qquad
        p_q = \\lfloor p \\cdot 2^{16} \\rceil / 2^{16},

    so the drop rate :math:`p_q` is within :math:`2^{-17}` of :math:`p`. Each draw of
    ``torch.randint`` over the whole 64-bit range gives four :math:`u_i`.

    Examples
    --------
    >>> import torch
    >>> from annotated.dropout import keep_mask
    >>> _ = torch.manual_seed(0)
    >>> mask = keep_mask((1000, 1000), 0.1, torch.device("cpu"))
    >>> mask.shape, round(1 - mask.float().mean().item(), 3)     # about a tenth dropped
    (torch.Size([1000, 1000]), 0.1)
    """
    n = torch.Size(shape).numel()
    words = torch.randint(-(2**63), 2**63 - 1, ((n + 3) // 4,), dtype=torch.int64, device=device)
    units = words.view(torch.int16)[:n].view(shape)  # each in [-2^15, 2^15), uniform
    return units >= quantized(p) * LEVELS - LEVELS // 2  # P(units < threshold) = p_q


def quantized(p: float) -> float:
    """The drop rate :math:`p_q = \\lfloor p \\cdot 2^{16} \\rceil / 2^{16}` a mask really has.

    >>> from annotated.dropout import quantized
    >>> quantized(0.1), quantized(0.5)
    (0.100006103515625, 0.5)
    """
    return round(p * LEVELS) / LEVELS


class Dropout(nn.Dropout):
    """Inverted dropout: :math:`y = x \\odot m / (1 - p_q)` while training, :math:`y = x` in eval.

    .. math::

        m_i \\sim \\mathrm{Bernoulli}(1 - p_q) \\ \\text{(independent)}, \\qquad
        \\mathbb{E}[y_i] = x_i

    with the mask :math:`m` from :func:`keep_mask` and :math:`p_q` the drop rate ``p``
    rounded to a multiple of :math:`2^{-16}`. ``x`` has any shape, e.g.
    ``(batch, seq, d_model)``; so has ``y``. A drop-in subclass of ``torch.nn.Dropout``
    (``p``, ``train()``/``eval()`` and ``repr`` as there); only the mask is made faster.

    Parameters
    ----------
    p : float
        Drop probability in :math:`[0, 1]`.

    Examples
    --------
    >>> import torch
    >>> from annotated import Dropout
    >>> _ = torch.manual_seed(0)
    >>> drop = Dropout(0.5)
    >>> y = drop(torch.ones(2, 4))               # (batch, d_model): zeros and 2s
    >>> sorted(set(y.flatten().tolist())) == [0.0, 2.0], y.shape
    (True, torch.Size([2, 4]))
    >>> bool((drop.eval()(torch.ones(2, 4)) == 1).all())   # identity in eval mode
    True
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of any shape, masked and rescaled while training."""
        if not self.training or self.p == 0.0:
            return x
        p = quantized(self.p)
        if p == 1.0:
            return x * 0.0
        return x * keep_mask(x.shape, p, x.device) * (1.0 / (1.0 - p))
