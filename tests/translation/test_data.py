"""Token-budget batches: every pair once per epoch, within the budget, resumable by index."""

from __future__ import annotations

import random
from itertools import islice

import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated.tasks.translation.data import (
    Pair,
    batches_from,
    epoch_batches,
    fill,
    padded_size,
    to_batch,
)

PAIRS = st.lists(
    st.tuples(st.lists(st.integers(3, 9), min_size=1, max_size=30),
              st.lists(st.integers(3, 9), min_size=1, max_size=30)),
    min_size=1, max_size=250,
)  # fmt: skip
BUDGET = st.integers(1, 400)


@given(
    pairs=PAIRS, budget=BUDGET, seed=st.integers(0, 3), epoch=st.integers(0, 3),
    pool=st.integers(1, 300),
)  # fmt: skip
def test_an_epoch_holds_every_pair_once_within_the_budget(
    pairs: list[Pair], budget: int, seed: int, epoch: int, pool: int
) -> None:
    batches = epoch_batches(pairs, budget, seed, epoch, pool)
    assert sorted(i for batch in batches for i in batch) == list(range(len(pairs)))
    for batch in batches:
        assert len(batch) == 1 or padded_size([pairs[i] for i in batch]) <= budget
    assert batches == epoch_batches(pairs, budget, seed, epoch, pool)  # the same, every time


@given(pairs=PAIRS, budget=BUDGET, start=st.integers(0, 40))
def test_resuming_at_an_index_continues_the_same_stream(
    pairs: list[Pair], budget: int, start: int
) -> None:
    def stream(begin: int) -> list[torch.Tensor]:
        batches = batches_from(pairs, budget, 0, begin, pad=0, start=1, end=2)
        return [b.src for b in islice(batches, 5)]

    whole = [b.src for b in islice(batches_from(pairs, budget, 0, 0, pad=0, start=1, end=2),
                                   start + 5)]  # fmt: skip
    assert all(torch.equal(a, b) for a, b in zip(stream(start), whole[start:], strict=True))


def test_batches_group_similar_lengths() -> None:
    pairs = [([5] * n, [6] * n) for n in range(1, 101) for _ in range(3)]
    batches = epoch_batches(pairs, 400, seed=0, epoch=0)
    real = sum(len(pairs[i][1]) + 2 for b in batches for i in b)
    padded = sum(padded_size([pairs[i] for i in b]) for b in batches)
    assert real / padded > 0.9  # sorting within pools keeps padding under a tenth


def corpus_like(n: int) -> list[Pair]:
    """Pairs whose lengths spread like the de-en corpus's subwords: a median of 17 source
    tokens (the corpus with its 4,000-token BPE: 16 German, 15 English) and a long tail."""
    rng = random.Random(0)
    lengths = [min(120, max(3, round(rng.lognormvariate(2.8, 0.5)))) for _ in range(n)]
    return [([5] * k, [6] * max(2, k - rng.randint(-3, 5))) for k in lengths]


def test_the_default_pool_keeps_batches_mostly_real_tokens() -> None:
    pairs = corpus_like(6000)
    default = fill(pairs, epoch_batches(pairs, 2500, seed=0, epoch=0))
    one_batch_pools = fill(pairs, epoch_batches(pairs, 2500, seed=0, epoch=0, pool=100))
    assert min(default) > 0.8
    assert max(one_batch_pools) < 0.7  # a pool smaller than a batch: a remainder each time


def test_a_batch_is_padded_with_the_special_tokens_in_place() -> None:
    batch = to_batch([([5, 6, 7], [8]), ([5], [8, 9, 10])], pad=0, start=1, end=2)
    assert batch.src.tolist() == [[5, 6, 7, 2], [5, 2, 0, 0]]
    assert batch.tgt.tolist() == [[1, 8, 2, 0], [1, 8, 9, 10]]  # decoder input: no last token
    assert batch.tgt_y.tolist() == [[8, 2, 0, 0], [8, 9, 10, 2]]
    assert batch.ntokens == 6
