"""AdamW (Loshchilov & Hutter 2019) with weight decay on the matrices only.

AdamW *decouples* the decay from the gradient: the weights shrink by :math:`\\eta\\lambda`
of themselves at every step, outside Adam's adaptive rescaling,

.. math::

    \\theta_s = \\theta_{s-1} - \\eta_s \\Big( \\frac{\\hat m_s}{\\sqrt{\\hat v_s} + \\epsilon}
        + \\lambda\\, \\theta_{s-1} \\Big) \\quad \\text{for matrices}, \\qquad
    \\lambda = 0 \\text{ for vectors}.

As in GPT-2 and nanoGPT, only tensors with two or more dimensions decay -- the embedding and
the weights of the linear layers. Biases and the gains of the normalisations are vectors that
set scales and offsets; pulling them towards 0 would fight the normalisation rather than
regularise the model.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def adamw(
    model: nn.Module,
    *,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.99),
    eps: float = 1e-8,
) -> torch.optim.AdamW:
    """AdamW over ``model``'s parameters: matrices decay by ``weight_decay``, vectors do not.

    Parameters
    ----------
    model : torch.nn.Module
        Its trainable parameters, each once (tied weights are one parameter).
    lr : float
        The initial :math:`\\eta`; a schedule usually overwrites it every step.
    weight_decay : float
        :math:`\\lambda` for tensors of two or more dimensions.
    betas : tuple of float
        :math:`(\\beta_1, \\beta_2)`; nanoGPT's character model uses ``(0.9, 0.99)``.
    eps : float
        :math:`\\epsilon`.

    Returns
    -------
    torch.optim.AdamW
        Two parameter groups: the matrices, then the vectors; PyTorch's ``fused`` update,
        one kernel over all the tensors rather than a loop of small operations per tensor
        (the same equation; on the CPU a few percent of a small model's step,
        ``benchmarks/bench_step_speed.py``).

    Examples
    --------
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.training.adamw import adamw
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
    >>> opt = adamw(model, lr=1e-3, weight_decay=0.1)
    >>> [g["weight_decay"] for g in opt.param_groups]
    [0.1, 0.0]
    >>> all(p.dim() >= 2 for p in opt.param_groups[0]["params"])
    True
    """
    params = [p for p in model.parameters() if p.requires_grad]
    groups = decay_groups(params, weight_decay)
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps, fused=True)


def decay_groups(params: list[nn.Parameter], weight_decay: float) -> list[dict[str, Any]]:
    """Two parameter groups: the matrices with ``weight_decay``, the vectors with none.

    Examples
    --------
    >>> import torch
    >>> from annotated.training.adamw import decay_groups
    >>> W, b = torch.nn.Parameter(torch.ones(2, 2)), torch.nn.Parameter(torch.ones(2))
    >>> [(len(g["params"]), g["weight_decay"]) for g in decay_groups([W, b], 0.1)]
    [(1, 0.1), (1, 0.0)]
    """
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
