"""Learning-rate schedules, as functions of the optimizer step :math:`s = 1, 2, \\dots`

The paper (section 5.3) raises the rate linearly for ``warmup`` steps, then decays it with
the inverse square root of the step (:func:`rate`); the two branches meet at
:math:`s = \\mathrm{warmup}`, the peak. Warmup matters with Adam: its second-moment
estimate is noisy over the first steps, and large early updates can destabilise a
post-norm Transformer.

Modern runs (nanoGPT, most LLMs) warm up linearly to :math:`\\eta_{max}` and then follow
half a cosine down to :math:`\\eta_{min}` at step :math:`T` (:func:`warmup_cosine`), which
ends training at a small rate instead of the paper's slow :math:`1/\\sqrt{s}` tail.

The schedules count *optimizer* steps: with gradient accumulation, the rate changes once per
update, not once per micro-batch (the original Annotated Transformer stepped its scheduler on
every micro-batch, so accumulation silently shortened its warmup).
"""

from __future__ import annotations

import math


def rate(step: int, model_size: int, factor: float, warmup: int) -> float:
    """The paper's learning rate at optimizer step ``step`` (1-based), section 5.3.

    .. math::

        \\mathrm{lrate}(s) = f \\cdot d_{model}^{-0.5} \\cdot
            \\min\\left(s^{-0.5},\\ s \\cdot \\mathrm{warmup}^{-1.5}\\right)

    A linear rise for ``warmup`` steps, then decay as :math:`1/\\sqrt{s}`; the branches meet
    at the peak :math:`f\\,(d_{model} \\cdot \\mathrm{warmup})^{-0.5}`. The warmup keeps
    Adam's first, noisily normalised updates small.

    Parameters
    ----------
    step : int
        :math:`s`, the optimizer step (not the micro-batch).
    model_size : int
        :math:`d_{model}`.
    factor : float
        :math:`f`, a multiplier on the whole schedule.
    warmup : int
        Steps of linear warmup (paper: 4000).

    Examples
    --------
    >>> from annotated import rate
    >>> rate(4000, model_size=512, factor=1.0, warmup=4000)    # the base model's peak
    0.000698...
    >>> rate(1, 512, 1.0, 4000) < rate(2, 512, 1.0, 4000)
    True
    """
    if step < 1 or warmup < 1 or model_size < 1:
        raise ValueError(
            f"step, warmup and model_size must be >= 1, got {step}, {warmup}, {model_size}"
        )
    return factor * model_size**-0.5 * min(step**-0.5, step * warmup**-1.5)


def warmup_cosine(step: int, *, max_lr: float, min_lr: float, warmup: int, total: int) -> float:
    """Linear warmup to ``max_lr``, then a half cosine to ``min_lr`` at step ``total``.

    .. math::

        \\eta(s) = \\begin{cases}
            \\eta_{max} \\, s / \\mathrm{warmup} & s \\le \\mathrm{warmup} \\\\
            \\eta_{min} + \\tfrac12 (\\eta_{max} - \\eta_{min})
                \\left(1 + \\cos\\left(\\pi \\tfrac{s - \\mathrm{warmup}}{T - \\mathrm{warmup}}\\right)\\right)
                & \\mathrm{warmup} < s < T \\\\
            \\eta_{min} & s \\ge T
        \\end{cases}

    with :math:`\\eta_{max}` = ``max_lr``, :math:`\\eta_{min}` = ``min_lr`` and :math:`T` =
    ``total``: the nanoGPT schedule, which ends training at a small rate instead of
    :func:`rate`'s slow :math:`1/\\sqrt{s}` tail. The cosine reaches :math:`\\eta_{min}` at
    :math:`s = T` exactly, so the two last branches agree there.

    Examples
    --------
    >>> from annotated import warmup_cosine
    >>> [round(warmup_cosine(s, max_lr=1.0, min_lr=0.1, warmup=2, total=4), 3) for s in range(1, 6)]
    [0.5, 1.0, 0.55, 0.1, 0.1]
    """
    if step < 1 or warmup < 0 or total < warmup:
        raise ValueError(f"need step >= 1 and 0 <= warmup <= total, got {step}, {warmup}, {total}")
    if not 0.0 <= min_lr <= max_lr:
        raise ValueError(f"need 0 <= min_lr <= max_lr, got {min_lr} and {max_lr}")
    if step <= warmup:
        return max_lr * step / warmup
    if step >= total:
        return min_lr
    progress = (step - warmup) / (total - warmup)
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))
