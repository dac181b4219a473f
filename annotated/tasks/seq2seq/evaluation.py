"""Exact match: the fraction of inputs whose whole answer is right.

A single wrong digit makes an answer wrong, so exact match is far stricter than per-token
accuracy: 99% of tokens right on 10-token answers can still mean only
:math:`0.99^{10} \\approx 90\\%` of answers right.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from annotated.decoding.beam import beam_search
from annotated.decoding.greedy import greedy_decode
from annotated.masks import padding_mask
from annotated.model import EncoderDecoder
from annotated.tasks.seq2seq.data import Task


@torch.no_grad()
def predict(
    model: EncoderDecoder,
    task: Task,
    texts: Sequence[str],
    *,
    beam: int = 1,
    alpha: float = 0.0,
    chunk: int = 500,
) -> list[str]:
    """The model's answers to ``texts``, greedy (``beam=1``) or by beam search.

    ``alpha`` is the beam's length-penalty exponent (see :func:`~annotated.beam_search`).

    The model runs in eval mode (no dropout) and is put back in its previous mode after.

    Examples
    --------
    >>> from annotated import EncoderDecoder, get_task, predict
    >>> task = get_task("copy")
    >>> model = EncoderDecoder.from_config(task.config())
    >>> answers = predict(model, task, ["3 1 4", "2 7"])   # untrained: any digits at all
    >>> len(answers), all(isinstance(a, str) for a in answers)
    (2, True)
    """
    if beam < 1:
        raise ValueError(f"beam must be at least 1, got {beam}")
    sources = [task.parse(t) for t in texts]
    device = next(model.parameters()).device
    v, max_len = task.vocab, task.max_tgt_len + 2
    was_training = model.training
    model.eval()
    answers: list[str] = []
    try:
        for i in range(0, len(sources), chunk):
            src = task.source_tensor(sources[i : i + chunk]).to(device)  # (batch, src_len)
            mask = padding_mask(src, v.pad)  # (batch, 1, src_len)
            if beam == 1:
                ys = greedy_decode(model, src, mask, max_len, v.start, v.end, v.pad)
            else:
                beams = beam_search(
                    model,
                    src,
                    mask,
                    max_len,
                    v.start,
                    v.end,
                    beam_size=beam,
                    alpha=alpha,
                    pad=v.pad,
                )
                ys = beams.best
            answers += [task.render(v.decode(row)) for row in ys.tolist()]
    finally:
        model.train(was_training)
    return answers


def exact_match(
    model: EncoderDecoder, task: Task, texts: Sequence[str], *, beam: int = 1, alpha: float = 0.0
) -> float:
    """The fraction of ``texts`` the model answers exactly right.

    .. math::

        \\mathrm{EM} = \\frac{1}{|D|} \\sum_{x \\in D} [\\, \\hat y(x) = f(x) \\,]

    where :math:`\\hat y(x)` is the model's decoded answer (greedy, or beam search of width
    ``beam``) and :math:`f(x)` the task's true one.

    Examples
    --------
    >>> from annotated import EncoderDecoder, exact_match, get_task
    >>> from annotated.pretrained import load
    >>> task = get_task("copy")
    >>> exact_match(load("copy").model, task, task.held_out(20))      # the shipped model
    1.0
    >>> exact_match(EncoderDecoder.from_config(task.config()), task, task.held_out(20))
    0.0
    """
    if not texts:
        raise ValueError("exact match needs at least one input")
    answers = predict(model, task, texts, beam=beam, alpha=alpha)
    right = sum(a == task.answer(t) for a, t in zip(answers, texts, strict=True))
    return right / len(texts)
