"""Label smoothing (paper section 5.4) as a KL divergence to a smoothed target.

For a target token :math:`c` in a vocabulary of :math:`V` tokens, one of them padding, the
target distribution :math:`q` puts :math:`1 - \\epsilon_{ls}` on :math:`c` and spreads
:math:`\\epsilon_{ls}` evenly over the :math:`V - 2` tokens that are neither :math:`c` nor
padding; the loss is the KL divergence from :math:`q` to the model's :math:`p` (the formula is
:class:`~annotated.LabelSmoothing`'s).

Padding never receives mass (the model should never predict it), and positions whose target
*is* padding contribute nothing. The paper uses :math:`\\epsilon_{ls} = 0.1`: it "hurts
perplexity, as the model learns to be more unsure, but improves accuracy and BLEU score".
With :math:`\\epsilon_{ls} = 0`, :math:`q` is one-hot and the loss is the negative
log-likelihood.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from annotated._checks import check_float


class LabelSmoothing(nn.Module):
    """Summed KL divergence between the smoothed target :math:`q` and the model's :math:`p`.

    .. math::

        q(w) = \\begin{cases}
            1 - \\epsilon_{ls} & w = c \\\\
            0 & w = \\text{pad} \\\\
            \\epsilon_{ls} / (V - 2) & \\text{otherwise}
        \\end{cases}
        \\qquad
        \\mathcal{L} = \\sum_{\\text{positions}} \\sum_w q(w) \\left(\\log q(w) - \\log p(w)\\right)

    for target token :math:`c`; positions whose target is padding add nothing. The input is
    :math:`\\log p`, ``(n, vocab)`` (flatten ``(batch, seq, vocab)`` first). Smoothing makes
    the model less sure, which costs perplexity but gains accuracy and BLEU (paper 5.4).

    Since :math:`q` takes only three values, the inner sum needs no ``(n, vocab)`` tensor
    :math:`q` (the original builds one and calls ``KLDivLoss``):

    .. math::

        \\sum_w q(w) \\log \\frac{q(w)}{p(w)} = \\sum_w q(w) \\log q(w)
            - (1 - \\epsilon_{ls}) \\log p(c)
            - \\frac{\\epsilon_{ls}}{V - 2} \\Big(\\sum_w \\log p(w) - \\log p(c)
            - \\log p(\\text{pad})\\Big),

    whose first term is a constant. Only a gather and a row sum touch the log-probabilities,
    where the dense form writes and reads several ``(n, vocab)`` tensors, a large share of a
    training step on a CPU at a vocabulary of thousands. The value and the gradient are the
    same (``tests/training/test_label_smoothing.py``).

    Parameters
    ----------
    size : int
        Vocabulary size :math:`V` (at least 3: padding, the target, one other).
    padding_idx : int
        The padding index.
    smoothing : float
        :math:`\\epsilon_{ls}` in :math:`[0, 1)`.

    Attributes
    ----------
    true_dist : torch.Tensor or None
        The last call's target distribution :math:`q`, ``(n, vocab)``, built when asked for
        (plots and tests); ``None`` before the first call.

    Examples
    --------
    >>> import torch
    >>> from annotated import LabelSmoothing
    >>> crit = LabelSmoothing(size=5, padding_idx=0, smoothing=0.3)
    >>> logp = torch.log_softmax(torch.randn(2, 5), dim=-1)   # (n, vocab) log-probabilities
    >>> loss = crit(logp, torch.tensor([2, 0]))                # the second position is padding
    >>> crit.true_dist
    tensor([[0.0000, 0.1000, 0.7000, 0.1000, 0.1000],
            [0.0000, 0.0000, 0.0000, 0.0000, 0.0000]])
    >>> bool(loss >= 0)
    True
    """

    def __init__(self, size: int, padding_idx: int, smoothing: float = 0.0) -> None:
        super().__init__()
        if size < 3 or not 0 <= padding_idx < size:
            raise ValueError(
                f"need size >= 3 and 0 <= padding_idx < size, got {size}, {padding_idx}"
            )
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
        self.size = size
        self.padding_idx = padding_idx
        self.smoothing = smoothing
        self.confidence = 1.0 - smoothing
        self.rest = smoothing / (size - 2)  # q(w) off the target and padding
        # sum_w q(w) log q(w), with 0 log 0 = 0
        self.q_log_q = _x_log_x(self.confidence) + (size - 2) * _x_log_x(self.rest)
        self.target: torch.Tensor | None = None

    @property
    def true_dist(self) -> torch.Tensor | None:
        """The target distribution :math:`q` of the last call, ``(n, vocab)``."""
        if self.target is None:
            return None
        target = self.target
        q = torch.full((len(target), self.size), self.rest, device=target.device)
        q.scatter_(1, target.unsqueeze(1), self.confidence)
        q[:, self.padding_idx] = 0.0
        q.masked_fill_((target == self.padding_idx).unsqueeze(1), 0.0)
        return q

    def forward(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``x`` log-probabilities ``(n, vocab)``, ``target`` indices ``(n,)`` -> a scalar sum."""
        check_float("x", x, dim=2, last=self.size)
        if target.shape != x.shape[:1]:
            raise ValueError(
                f"target must be (n,) = {tuple(x.shape[:1])}, got {tuple(target.shape)}"
            )
        self.target = target.detach()
        columns = torch.stack([target, torch.full_like(target, self.padding_idx)], 1)
        at_target, at_pad = x.gather(1, columns).unbind(1)  # (n,) each: log p(c), log p(pad)
        elsewhere = x.sum(1) - at_target - at_pad  # (n,)
        kl = self.q_log_q - self.confidence * at_target - self.rest * elsewhere  # (n,)
        return torch.where(target == self.padding_idx, 0.0, kl).sum()


def _x_log_x(x: float) -> float:
    """:math:`x \\log x`, 0 at 0."""
    return x * math.log(x) if x > 0 else 0.0
