"""Translation batches: sentence pairs grouped by length into batches of about equal tokens.

Sentences differ in length, so a batch of a fixed number of sentences holds a varying number
of tokens, and most of a random batch is padding. The original batches by a **token budget**
instead (its ``batch_size_fn``): sentences of similar length are grouped, and a batch takes
sentences while its padded size stays within the budget :math:`M`,

.. math::

    n \\cdot \\max_{i \\le n} \\max(|x_i| + 1, |y_i| + 2) \\le M,

so every optimizer step sees about :math:`M` tokens, and little of it is padding.

**Batches are indexed, not drawn from a running stream.** Epoch :math:`e` of seed :math:`s`
shuffles the pairs with a generator seeded by :math:`(s, e)`, sorts each pool of ``pool``
consecutive pairs by length (:data:`POOL` by default; the run's ``--pool``), cuts the pools
into batches and shuffles the batches; micro-batch :math:`i` is found by counting batches
through the epochs, so a resumed run needs only :math:`i` to continue with exactly the
batches an uninterrupted run would have seen.

**A pool holds many batches.** Each pool ends in a batch of whatever is left, and lengths
vary less among neighbours of a larger sorted pool, so the pool's size sets how much of a
batch is real tokens. With the default budget (:math:`M` = 2,500, about 110 sentence pairs of
the de-en corpus) a pool of 100 pairs -- less than one batch -- filled 57% of the target
positions with real tokens; a pool of 2,000 fills 85%, and a training step on the CPU carries
about 1.5 times the real tokens per second (``benchmarks/bench_translation_batching.py``).
The batches still differ from epoch to epoch: the shuffle before pooling decides which
pairs share a pool.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from itertools import count
from typing import TYPE_CHECKING

from annotated.training.batch import Batch, pad_rows

if TYPE_CHECKING:
    from annotated.tokenizers import SubwordTokenizer

POOL = 2000  # pairs sorted together: about 20 batches' worth (module docstring)

Pair = tuple[list[int], list[int]]  # source ids, target ids (no special tokens)


def encode_pairs(
    tokenizer: SubwordTokenizer, pairs: Sequence[tuple[str, str]], max_len: int
) -> list[Pair]:
    """Token ids of ``pairs``, leaving out pairs too long for ``max_len`` positions.

    A kept pair fits with its special tokens: :math:`|x| + 1 \\le` ``max_len`` for the
    source (``</s>``) and :math:`|y| + 1 \\le` ``max_len`` for the shifted target.

    Examples
    --------
    >>> from annotated.tasks.translation.data import encode_pairs
    >>> from annotated.tokenizers import SubwordTokenizer
    >>> tokenizer = SubwordTokenizer.train(["ein Haus", "a house"] * 20, vocab_size=300)
    >>> pairs = [("ein Haus", "a house"), ("ein Haus " * 40, "a house " * 40)]
    >>> [len(s) <= 9 for s, _ in encode_pairs(tokenizer, pairs, max_len=10)]   # long one left out
    [True]
    """
    encoded = [(tokenizer.encode(de), tokenizer.encode(en)) for de, en in pairs]
    return [(s, t) for s, t in encoded if len(s) + 1 <= max_len and len(t) + 1 <= max_len]


def padded_size(pairs: Sequence[Pair]) -> int:
    """Tokens of the padded batch of ``pairs``: sentences times the longest side.

    The source carries ``</s>``, the target ``<s>`` and ``</s>``.

    Examples
    --------
    >>> from annotated.tasks.translation.data import padded_size
    >>> padded_size([([5, 6, 7], [8, 9]), ([5], [8, 9, 10, 11])])    # 2 x max(4, 6)
    12
    """
    return len(pairs) * max(_width(pair) for pair in pairs)


def _width(pair: Pair) -> int:
    """Positions the longer side of ``pair`` takes, with its special tokens."""
    return max(len(pair[0]) + 1, len(pair[1]) + 2)


def epoch_batches(
    pairs: Sequence[Pair], max_tokens: int, seed: int, epoch: int, pool: int = POOL
) -> list[list[int]]:
    """The batches of epoch ``epoch``, each a list of indices into ``pairs``.

    Every pair is in exactly one batch of the epoch, and every batch is within the token
    budget (a pair longer than the budget alone is a batch by itself).

    Examples
    --------
    >>> from annotated.tasks.translation.data import epoch_batches
    >>> pairs = [([1] * n, [2] * n) for n in range(1, 9)]
    >>> batches = epoch_batches(pairs, max_tokens=20, seed=0, epoch=0)
    >>> sorted(i for b in batches for i in b)
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be positive, got {max_tokens}")
    if not pairs:
        raise ValueError("no sentence pairs to batch")
    rng = random.Random(f"{seed}/{epoch}")
    order = list(range(len(pairs)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        pooled = sorted(order[start : start + pool], key=lambda i: _width(pairs[i]))
        batch: list[int] = []
        width = 0  # the longest pair of the batch: sorted, so the newest
        for i in pooled:
            width = max(width, _width(pairs[i]))
            if batch and (len(batch) + 1) * width > max_tokens:
                batches.append(batch)
                batch, width = [], _width(pairs[i])
            batch.append(i)
        batches.append(batch)
    rng.shuffle(batches)
    return batches


def fill(pairs: Sequence[Pair], batches: Sequence[Sequence[int]]) -> tuple[float, float]:
    """The share of real tokens among the padded positions of ``batches``, per side.

    .. math::

        \\text{fill}_{src} = \\frac{\\sum_b \\sum_{i \\in b} (|x_i| + 1)}
                                  {\\sum_b |b| \\max_{i \\in b} (|x_i| + 1)}

    and alike for the targets with :math:`|y_i| + 1` (the shifted target: ``<s> y`` in,
    ``y </s>`` out). ``batches`` hold indices into ``pairs`` (:func:`epoch_batches`).

    Examples
    --------
    >>> from annotated.tasks.translation.data import fill
    >>> pairs = [([5] * 3, [6] * 1), ([5] * 1, [6] * 1)]
    >>> fill(pairs, [[0, 1]])     # sources: 4 + 2 of 2 x 4; targets: 2 + 2 of 2 x 2
    (0.75, 1.0)
    """
    sides = []
    for side in (0, 1):
        real = padded = 0
        for batch in batches:
            lengths = [len(pairs[i][side]) + 1 for i in batch]
            real, padded = real + sum(lengths), padded + len(lengths) * max(lengths)
        sides.append(real / padded)
    return sides[0], sides[1]


def to_batch(pairs: Sequence[Pair], *, pad: int, start: int, end: int) -> Batch:
    """A padded :class:`~annotated.Batch`: sources ``x </s>``, targets ``<s> y </s>``.

    Sources are ``(batch, src_len)``; targets ``(batch, tgt_len + 2)`` before the shift.
    """
    src = pad_rows([[*s, end] for s, _ in pairs], pad)
    tgt = pad_rows([[start, *t, end] for _, t in pairs], pad)
    return Batch(src, tgt, pad)


def evaluation_batches(
    pairs: Sequence[Pair], max_tokens: int, *, pad: int, start: int, end: int
) -> list[Batch]:
    """Every pair of ``pairs`` once, in the token-budget batches of epoch 0 of seed 0.

    The same held-out pairs give the same batches at every evaluation, so losses measured on
    them compare across steps and runs.

    Examples
    --------
    >>> from annotated.tasks.translation.data import evaluation_batches
    >>> pairs = [([5] * n, [6] * n) for n in range(1, 30)]
    >>> batches = evaluation_batches(pairs, 40, pad=0, start=1, end=2)
    >>> sum(b.src.size(0) for b in batches)
    29
    """
    return [
        to_batch([pairs[i] for i in indices], pad=pad, start=start, end=end)
        for indices in epoch_batches(pairs, max_tokens, seed=0, epoch=0)
    ]


def batches_from(
    pairs: Sequence[Pair],
    max_tokens: int,
    seed: int,
    start_index: int,
    *,
    pad: int,
    start: int,
    end: int,
    pool: int = POOL,
) -> Iterator[Batch]:
    """Training micro-batches from position ``start_index`` on, epoch after epoch.

    Examples
    --------
    >>> from annotated.tasks.translation.data import batches_from
    >>> pairs = [([5] * n, [6] * n) for n in range(1, 30)]
    >>> first = batches_from(pairs, 40, seed=0, start_index=0, pad=0, start=1, end=2)
    >>> later = batches_from(pairs, 40, seed=0, start_index=7, pad=0, start=1, end=2)
    >>> seen = [next(first) for _ in range(8)]
    >>> bool((seen[7].src == next(later).src).all())     # resuming needs only the index
    True
    """
    skip = start_index
    for epoch in count():
        batches = epoch_batches(pairs, max_tokens, seed, epoch, pool)
        if skip >= len(batches):
            skip -= len(batches)
            continue
        for indices in batches[skip:]:
            yield to_batch([pairs[i] for i in indices], pad=pad, start=start, end=end)
        skip = 0
