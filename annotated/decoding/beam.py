"""Beam search: keep the :math:`k` most likely prefixes instead of one.

At each step every live prefix is extended by every token and the :math:`k` best of the
:math:`k \\cdot V` candidates survive, ranked by their log-probability

.. math::

    s(y_{\\le t}) = \\sum_{i=1}^{t} \\log p(y_i \\mid y_{<i}, x).

A finished prefix (it output the end token) stays in the beam with its score frozen, so a
short answer found early is not lost. Because every extra token lowers :math:`s`, the final
choice divides by the length penalty of Wu et al. (2016, GNMT):

.. math::

    \\mathrm{score}(y) = \\frac{s(y)}{\\mathrm{lp}(|y|)}, \\qquad
    \\mathrm{lp}(n) = \\left(\\frac{5 + n}{6}\\right)^{\\alpha}

:math:`\\alpha = 0` ranks by raw log-probability; larger :math:`\\alpha` favours longer outputs.
With :math:`k = 1` beam search is greedy decoding.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from annotated._checks import check_tokens
from annotated.masks import subsequent_mask
from annotated.model import EncoderDecoder


class Beams(NamedTuple):
    """The final beams of a batch, best first.

    Attributes
    ----------
    sequences : torch.Tensor
        ``(batch, beam, len)``, each starting with the start symbol; ``pad`` after the end.
    scores : torch.Tensor
        Length-penalised log-probabilities ``(batch, beam)``, descending.
    """

    sequences: torch.Tensor
    scores: torch.Tensor

    @property
    def best(self) -> torch.Tensor:
        """The best sequence of each row, ``(batch, len)``."""
        return self.sequences[:, 0]


def length_penalty(n: torch.Tensor, alpha: float) -> torch.Tensor:
    """GNMT's :math:`\\mathrm{lp}(n) = ((5 + n) / 6)^{\\alpha}`, elementwise."""
    return ((5.0 + n.float()) / 6.0) ** alpha


@torch.no_grad()
def beam_search(
    model: EncoderDecoder,
    src: torch.Tensor,
    src_mask: torch.Tensor,
    max_len: int,
    start_symbol: int,
    end_symbol: int,
    *,
    beam_size: int = 4,
    alpha: float = 0.0,
    pad: int = 0,
) -> Beams:
    """Batched beam search over an encoder-decoder.

    .. math::

        \\mathrm{score}(y) = \\frac{1}{\\mathrm{lp}(|y|)} \\sum_{i=1}^{|y|}
            \\log p(y_i \\mid y_{<i}, x), \\qquad
        \\mathrm{lp}(n) = \\left(\\frac{5 + n}{6}\\right)^{\\alpha}

    The :math:`k` = ``beam_size`` best prefixes by summed log-probability survive each step;
    the length penalty ranks the finished ones.

    Parameters
    ----------
    model : EncoderDecoder
        Any model with ``encode``, ``decode`` and ``generator``; run it in eval mode.
    src : torch.Tensor
        Source indices ``(batch, src_len)``.
    src_mask : torch.Tensor
        Bool ``(batch, 1, src_len)``, True = may attend.
    max_len : int
        Longest result, the start symbol included.
    start_symbol, end_symbol : int
        The decoder's first input and the token that finishes a hypothesis.
    beam_size : int
        :math:`k`, hypotheses kept per row.
    alpha : float
        Length-penalty exponent :math:`\\alpha` for the final ranking.
    pad : int
        What finished hypotheses are filled with.

    Returns
    -------
    Beams
        ``sequences`` ``(batch, beam_size, len)`` and ``scores`` ``(batch, beam_size)``.

    Examples
    --------
    >>> model = make_model(12, 12, N=1, d_model=16, d_ff=32, h=2).eval()
    >>> src = torch.tensor([[3, 4, 5], [6, 7, 0]])
    >>> beams = beam_search(model, src, padding_mask(src), 6, 1, 2, beam_size=3)
    >>> beams.sequences.shape[:2], beams.scores.shape   # (batch, beam, len), (batch, beam)
    (torch.Size([2, 3]), torch.Size([2, 3]))
    >>> greedy = greedy_decode(model, src, padding_mask(src), 6, 1, end_symbol=2)
    >>> torch.equal(beam_search(model, src, padding_mask(src), 6, 1, 2, beam_size=1).best, greedy)
    True
    """
    check_tokens("src", src)
    if beam_size < 1 or max_len < 1:
        raise ValueError(f"beam_size and max_len must be positive, got {beam_size} and {max_len}")
    batch, k, device = src.size(0), beam_size, src.device
    memory = model.encode(src, src_mask).repeat_interleave(
        k, dim=0
    )  # (batch * k, src_len, d_model)
    src_mask = src_mask.repeat_interleave(k, dim=0)  # (batch * k, 1, src_len)
    ys = torch.full((batch * k, 1), start_symbol, dtype=src.dtype, device=device)
    scores = torch.full((batch, k), float("-inf"), device=device)
    scores[:, 0] = 0.0  # one live hypothesis at first, so the k beams do not start as copies
    done = torch.zeros(batch * k, dtype=torch.bool, device=device)
    lengths = torch.zeros(batch * k, dtype=torch.long, device=device)
    rows = torch.arange(batch, device=device).unsqueeze(1) * k  # (batch, 1)
    for _ in range(max_len - 1):
        out = model.decode(memory, src_mask, ys, subsequent_mask(ys.size(1)).to(device))
        logp = model.generator(out[:, -1])  # (batch * k, vocab)
        vocab = logp.size(-1)
        frozen = torch.full_like(logp, float("-inf"))
        frozen[:, pad] = 0.0  # a finished hypothesis can only append pad, at no cost
        logp = torch.where(done.unsqueeze(1), frozen, logp)
        candidates = (scores.view(-1, 1) + logp).view(batch, k * vocab)  # (batch, k * vocab)
        scores, index = candidates.topk(k, dim=-1)  # (batch, k)
        parent = (rows + index // vocab).view(-1)  # (batch * k,)
        token = (index % vocab).view(-1, 1)  # (batch * k, 1)
        ys = torch.cat([ys[parent], token], dim=1)  # (batch * k, len + 1)
        lengths = lengths[parent] + (~done[parent]).long()
        done = done[parent] | (token.squeeze(1) == end_symbol)
        if bool(done.all()):
            break
    final = scores / length_penalty(lengths.view(batch, k), alpha)  # (batch, k)
    final, order = final.sort(dim=-1, descending=True, stable=True)
    sequences = ys.view(batch, k, -1).gather(1, order.unsqueeze(-1).expand(-1, -1, ys.size(1)))
    return Beams(sequences, final)
