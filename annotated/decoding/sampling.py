"""Choosing the next token from a language model's logits: greedy, temperature, top-k, top-p.

The model gives logits :math:`z \\in \\mathbb{R}^V` for the next token. Sampling at
temperature :math:`\\tau` draws token :math:`i` with probability

.. math::

    p_i = \\frac{e^{z_i / \\tau}}{\\sum_j e^{z_j / \\tau}}

:math:`\\tau = 1` is the model's own distribution, :math:`\\tau < 1` sharpens it and
:math:`\\tau \\to 0` becomes greedy decoding, :math:`\\arg\\max_i z_i`. Two filters cut the
long tail of unlikely tokens, whose combined mass is what makes samples wander off:

* top-k (Fan et al. 2018) keeps the :math:`k` largest logits;
* top-p, or nucleus sampling (Holtzman et al. 2020), keeps the smallest set of most likely
  tokens whose probabilities sum to at least :math:`p`, so the cut adapts to how confident
  the model is.

The kept logits are renormalised by the softmax; removed ones become :math:`-\\infty`.
Sampling is reproducible: pass a seeded ``torch.Generator``.
"""

from __future__ import annotations

import torch

from annotated._checks import check_float


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the ``k`` largest logits of each row, set the others to :math:`-\\infty`.

    .. math::

        z'_i = \\begin{cases} z_i & z_i \\ge z_{(k)} \\\\ -\\infty & \\text{otherwise} \\end{cases}

    where :math:`z_{(k)}` is the row's :math:`k`-th largest logit; the softmax then
    renormalises over the kept tokens, cutting the long tail that makes samples wander.

    Parameters
    ----------
    logits : torch.Tensor
        ``(batch, vocab)``.
    k : int
        How many to keep (ties with the :math:`k`-th value are kept too); ``k >= vocab``
        keeps everything.

    Returns
    -------
    torch.Tensor
        ``(batch, vocab)``.

    Examples
    --------
    >>> import torch
    >>> from annotated import top_k_filter
    >>> top_k_filter(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), k=2)
    tensor([[-inf, 3., 2., -inf]])
    """
    check_float("logits", logits, dim=2)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"top_k must be a positive int, got {k!r}")
    if k >= logits.size(-1):
        return logits
    kth = logits.topk(k, dim=-1).values[:, -1:]  # (batch, 1), the k-th largest
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep the smallest set of most likely tokens with total probability :math:`\\ge p`.

    .. math::

        \\text{keep } i \\iff \\sum_{j:\\, p_j > p_i} p_j < p

    i.e. a token stays if the tokens more likely than it hold less than :math:`p` of the
    mass; the most likely token always stays.

    Parameters
    ----------
    logits : torch.Tensor
        ``(batch, vocab)``.
    p : float
        The nucleus mass, :math:`0 < p \\le 1`.

    Returns
    -------
    torch.Tensor
        ``(batch, vocab)``.

    Examples
    --------
    >>> import torch
    >>> from annotated import top_p_filter
    >>> logits = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()
    >>> top_p_filter(logits, p=0.75).exp()            # 0.5 < 0.75, 0.5 + 0.3 >= 0.75
    tensor([[0.5000, 0.3000, 0.0000, 0.0000]])
    """
    check_float("logits", logits, dim=2)
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {p!r}")
    sorted_logits, order = logits.sort(dim=-1, descending=True)  # (batch, vocab) each
    probs = sorted_logits.softmax(dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs  # mass of the strictly more likely tokens
    drop_sorted = mass_before >= p
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
    return logits.masked_fill(drop, float("-inf"))


def sample_next(
    logits: torch.Tensor,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw one token per row: temperature, then top-k, then top-p, then a sample.

    .. math::

        p_i = \\frac{e^{z_i / \\tau}}{\\sum_{j \\in K} e^{z_j / \\tau}} \\ (i \\in K), \\qquad
        y \\sim p, \\qquad y = \\arg\\max_i z_i \\text{ when } \\tau = 0

    where :math:`K` is the set of tokens the top-k and top-p filters keep (all by default).

    Parameters
    ----------
    logits : torch.Tensor
        Next-token logits ``(batch, vocab)``.
    temperature : float
        :math:`\\tau \\ge 0`; ``0`` is greedy (the arg max, no randomness).
    top_k : int, optional
        Keep only the ``top_k`` largest logits.
    top_p : float, optional
        Keep only the nucleus of mass ``top_p``.
    generator : torch.Generator, optional
        The random source, for reproducible samples.

    Returns
    -------
    torch.Tensor
        Token ids ``(batch,)``, int64.

    Examples
    --------
    >>> import torch
    >>> from annotated import sample_next
    >>> logits = torch.tensor([[0.0, 2.0, 1.0], [5.0, 0.0, 0.0]])   # (batch, vocab)
    >>> sample_next(logits, temperature=0)                          # greedy
    tensor([1, 0])
    >>> g = torch.Generator().manual_seed(0)
    >>> sample_next(logits, top_k=1, generator=g)                   # top-1 is greedy too
    tensor([1, 0])
    >>> draws = torch.stack([sample_next(logits, generator=g) for _ in range(2000)])
    >>> import math
    >>> share = (draws[:, 0] == 1).float().mean().item()
    >>> p = math.exp(2) / (1 + math.exp(2) + math.e)                # softmax of row 0, index 1
    >>> abs(share - p) < 3 * math.sqrt(p * (1 - p) / 2000)          # within 3 standard errors
    True
    """
    check_float("logits", logits, dim=2)
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}")
    if temperature == 0:
        return logits.argmax(dim=-1)
    if temperature != 1.0:
        logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = logits.softmax(dim=-1)  # (batch, vocab), zeros where filtered
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)
