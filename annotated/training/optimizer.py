"""The paper's optimizer (section 5.3): Adam with :math:`\\beta_1 = 0.9, \\beta_2 = 0.98,
\\epsilon = 10^{-9}`.

:math:`\\beta_2 = 0.98` instead of Adam's default 0.999 lets the second-moment estimate forget
old gradients faster, which tolerates the rising learning rate of warmup better.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def paper_adam(params: Iterable[torch.nn.Parameter], lr: float = 1.0) -> torch.optim.Adam:
    """Adam with the paper's betas and eps; the schedule sets the actual rate each step.

    .. math::

        m_s = \\beta_1 m_{s-1} + (1 - \\beta_1) g_s, \\quad
        v_s = \\beta_2 v_{s-1} + (1 - \\beta_2) g_s^2, \\quad
        \\theta_s = \\theta_{s-1} - \\eta_s \\frac{m_s / (1 - \\beta_1^s)}{\\sqrt{v_s / (1 - \\beta_2^s)} + \\epsilon}

    with :math:`g_s` the gradient and :math:`\\eta_s` the rate of step :math:`s`.

    Examples
    --------
    >>> import torch
    >>> from annotated import make_model, paper_adam
    >>> opt = paper_adam(make_model(5, 5, N=1, d_model=8, d_ff=16, h=2).parameters())
    >>> opt.defaults["betas"], opt.defaults["eps"]
    ((0.9, 0.98), 1e-09)

    The bias corrections make the first step :math:`\\eta_1 g_1 / |g_1|`, whatever the
    gradient's size:

    >>> w = torch.nn.Parameter(torch.tensor([1.0]))
    >>> opt = paper_adam([w], lr=0.1)
    >>> w.grad = torch.tensor([5.0]); opt.step()
    >>> w.data
    tensor([0.9000])
    """
    return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.98), eps=1e-9)
