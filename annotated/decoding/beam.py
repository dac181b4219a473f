"""Beam search: keep the :math:`k` most likely prefixes instead of one.

At each step every live prefix of every sentence is extended by every token, and the
:math:`k` best of the :math:`k \\cdot V` candidates of each sentence survive, ranked by
their summed log-probability. A finished prefix (it output the end token) stays in the beam
with its score frozen, so a short answer found early is not lost. Because every extra token
lowers that sum, the final choice divides it by the length penalty of Wu et al. (2016,
GNMT); :func:`beam_search` gives the equations. The paper (section 6.1) decodes with
:math:`k = 4` and :math:`\\alpha = 0.6`.

Plain beam search can end below greedy decoding: greedy's prefix may be pruned by
:math:`k` prefixes that look better and later all turn bad. Here the greedy prefix is never
pruned -- when its next token is not among the :math:`k` best candidates, it replaces the
:math:`k`-th -- so the beam's best is never worse than greedy's under the same score, and
:math:`k = 1` is greedy decoding exactly.

The sentences of a batch are searched together, as ``batch * k`` rows of one decoder pass,
and the decoder's keys and values are cached between steps (as in
:func:`~annotated.greedy_decode`); when hypotheses change places, the caches' rows follow
their parents (:meth:`~annotated.KVCache.reorder`).
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
    """GNMT's :math:`\\mathrm{lp}(n) = ((5 + n) / 6)^{\\alpha}`, elementwise.

    Examples
    --------
    >>> import torch
    >>> from annotated.decoding import length_penalty
    >>> length_penalty(torch.tensor([1, 7]), alpha=0.6)     # lp(1) = 1 for every alpha
    tensor([1.0000, 1.5157])
    """
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
    cache: bool = True,
) -> Beams:
    """Beam search over an encoder-decoder, batched over sentences.

    Each step keeps, per sentence, the :math:`k` = ``beam_size`` best prefixes by summed
    log-probability

    .. math::

        s(y_{\\le t}) = \\sum_{i=1}^{t} \\log p(y_i \\mid y_{<i}, x),

    and the finished hypotheses are ranked by the length-penalised score of Wu et al. (2016)

    .. math::

        \\mathrm{score}(y) = \\frac{s(y)}{\\mathrm{lp}(|y|)}, \\qquad
        \\mathrm{lp}(n) = \\left(\\frac{5 + n}{6}\\right)^{\\alpha}

    where :math:`|y|` counts the tokens after the start symbol, the end token included.
    :math:`\\alpha = 0` ranks by raw log-probability; larger :math:`\\alpha` favours longer
    outputs, which :math:`s` alone penalises for every token. The paper's settings are
    ``beam_size=4, alpha=0.6``. The greedy prefix is always kept, so
    :math:`\\max_j \\mathrm{score}(y^{(j)}) \\ge \\mathrm{score}(y^{greedy})`.

    Parameters
    ----------
    model : EncoderDecoder
        Run it in eval mode (see :func:`~annotated.greedy_decode` for what it needs).
    src : torch.Tensor
        Source indices ``(batch, src_len)``.
    src_mask : torch.Tensor
        Bool ``(batch, 1, src_len)``, True = may attend.
    max_len : int
        Longest result, the start symbol included.
    start_symbol, end_symbol : int
        The decoder's first input and the token that finishes a hypothesis.
    beam_size : int
        :math:`k`, hypotheses kept per sentence.
    alpha : float
        Length-penalty exponent :math:`\\alpha` for the final ranking.
    pad : int
        What finished hypotheses are filled with.
    cache : bool
        Keep the decoder's keys and values between steps (the default); ``False`` re-runs
        the decoder on every prefix. The hypotheses are the same.

    Returns
    -------
    Beams
        Every sentence's hypotheses, ``sequences`` ``(batch, beam_size, len)``, with their
        ``scores`` ``(batch, beam_size)``, best first.

    Examples
    --------
    >>> import torch
    >>> from annotated import beam_search, greedy_decode, make_model, padding_mask
    >>> model = make_model(12, 12, N=1, d_model=16, d_ff=32, h=2).eval()
    >>> src = torch.tensor([[3, 4, 5], [6, 7, 0]])
    >>> beams = beam_search(model, src, padding_mask(src), 6, 1, 2, beam_size=4, alpha=0.6)
    >>> beams.sequences.shape[:2], beams.scores.shape   # (batch, beam, len), (batch, beam)
    (torch.Size([2, 4]), torch.Size([2, 4]))
    >>> bool((beams.scores[:, :-1] >= beams.scores[:, 1:]).all())   # best first
    True
    >>> greedy = greedy_decode(model, src, padding_mask(src), 6, 1, end_symbol=2)
    >>> torch.equal(beam_search(model, src, padding_mask(src), 6, 1, 2, beam_size=1).best, greedy)
    True
    """
    check_tokens("src", src)
    if beam_size < 1 or max_len < 1:
        raise ValueError(f"beam_size and max_len must be positive, got {beam_size} and {max_len}")
    batch, k, device = src.size(0), beam_size, src.device
    memory = model.encode(src, src_mask).repeat_interleave(k, dim=0)  # (batch * k, src_len, d)
    src_mask = src_mask.repeat_interleave(k, dim=0)  # (batch * k, 1, src_len)
    state = model.make_cache(memory) if cache else None
    ys = torch.full((batch * k, 1), start_symbol, dtype=src.dtype, device=device)
    scores = torch.full((batch, k), float("-inf"), device=device)
    scores[:, 0] = 0.0  # one live hypothesis at first, so the k beams do not start as copies
    done = torch.zeros(batch * k, dtype=torch.bool, device=device)
    lengths = torch.zeros(batch * k, dtype=torch.long, device=device)
    first = torch.arange(batch, device=device) * k  # (batch,): each sentence's first row
    greedy = torch.zeros(batch, dtype=torch.long, device=device)  # the greedy prefix's slot
    for _ in range(max_len - 1):
        if state is None:
            tgt_mask = subsequent_mask(ys.size(1)).to(device)  # (1, len, len)
            out = model.decode(memory, src_mask, ys, tgt_mask)  # (batch * k, len, d_model)
        else:  # the newest tokens only: (batch * k, 1, d_model)
            out = model.decode(memory, src_mask, ys[:, -1:], None, cache=state)
        logp = model.generator(out[:, -1])  # (batch * k, vocab)
        vocab = logp.size(-1)
        # a finished hypothesis can only append pad, at no cost
        logp = logp.masked_fill(done.unsqueeze(1), float("-inf"))
        logp[:, pad] = logp[:, pad].masked_fill(done, 0.0)
        candidates = (scores.view(-1, 1) + logp).view(batch, k * vocab)  # (batch, k * vocab)
        scores, index = candidates.topk(k, dim=-1)  # (batch, k), descending
        scores, index, greedy = _keep_greedy(candidates, scores, index, greedy, logp, first)
        parent = (first.unsqueeze(1) + index // vocab).view(-1)  # (batch * k,)
        token = (index % vocab).view(-1, 1)  # (batch * k, 1)
        ys = torch.cat([ys[parent], token], dim=1)  # (batch * k, len + 1)
        if state is not None:
            for past, _ in state:  # the memory's keys and values are the same for all k
                past.reorder(parent)
        lengths = lengths[parent] + (~done[parent]).long()
        done = done[parent] | (token.squeeze(1) == end_symbol)
        if bool(done.all()):
            break
    final = scores / length_penalty(lengths.view(batch, k), alpha)  # (batch, k)
    final, order = final.sort(dim=-1, descending=True, stable=True)
    sequences = ys.view(batch, k, -1).gather(1, order.unsqueeze(-1).expand(-1, -1, ys.size(1)))
    return Beams(sequences, final)


def _keep_greedy(
    candidates: torch.Tensor,
    scores: torch.Tensor,
    index: torch.Tensor,
    greedy: torch.Tensor,
    logp: torch.Tensor,
    first: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Put the greedy prefix's next step among the survivors, in place of the :math:`k`-th.

    ``candidates`` ``(batch, k * vocab)``, the survivors' ``scores`` and ``index``
    ``(batch, k)``, ``greedy`` the greedy prefix's slot ``(batch,)``, ``logp``
    ``(batch * k, vocab)``; returns the new scores, index and greedy slot. The replaced
    candidate is the weakest survivor, so the scores stay in descending order.
    """
    vocab = logp.size(-1)
    wanted = greedy * vocab + logp[first + greedy].argmax(dim=-1)  # (batch,)
    missing = ~(index == wanted.unsqueeze(1)).any(dim=-1)  # (batch,)
    index[:, -1] = torch.where(missing, wanted, index[:, -1])
    scores[:, -1] = torch.where(
        missing, candidates.gather(1, wanted.unsqueeze(1))[:, 0], scores[:, -1]
    )
    greedy = (index == wanted.unsqueeze(1)).long().argmax(dim=-1)  # (batch,)
    return scores, index, greedy
