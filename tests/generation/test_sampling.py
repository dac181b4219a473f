"""Temperature, top-k and top-p: what they keep, and the distribution they sample."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from annotated import sample_next, top_k_filter, top_p_filter

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
VOCAB = st.integers(2, 40)


def random_logits(batch: int, vocab: int, seed: int) -> torch.Tensor:
    return torch.randn(batch, vocab, generator=torch.Generator().manual_seed(seed)) * 3


@given(vocab=VOCAB, seed=SEEDS, data=st.data())
def test_top_k_keeps_exactly_the_k_largest(vocab: int, seed: int, data: st.DataObject) -> None:
    logits = random_logits(3, vocab, seed)  # continuous: no ties
    k = data.draw(st.integers(1, vocab + 2), label="k")
    kept = top_k_filter(logits, k).isfinite()
    assert torch.all(kept.sum(-1) == min(k, vocab))
    smallest_kept = logits.masked_fill(~kept, float("inf")).min(-1).values
    largest_dropped = logits.masked_fill(kept, float("-inf")).max(-1).values
    assert torch.all(smallest_kept > largest_dropped)
    assert torch.equal(top_k_filter(logits, k)[kept], logits[kept])


@given(vocab=VOCAB, seed=SEEDS, p=st.floats(0.01, 1.0))
def test_top_p_keeps_the_smallest_nucleus_of_mass_p(vocab: int, seed: int, p: float) -> None:
    logits = random_logits(3, vocab, seed).double()
    probs = logits.softmax(-1)
    kept = top_p_filter(logits, p).isfinite()
    for row in range(3):
        mass = probs[row][kept[row]].sum()
        assert mass >= p - 1e-12  # enough mass ...
        assert mass - probs[row][kept[row]].min() < p  # ... and no token more than needed
        # the kept tokens are the most likely ones
        assert probs[row][kept[row]].min() > probs[row].masked_fill(kept[row], -1).max()


@given(vocab=VOCAB, seed=SEEDS)
def test_temperature_zero_top_k_one_and_tiny_top_p_are_greedy(vocab: int, seed: int) -> None:
    logits = random_logits(4, vocab, seed)
    greedy = logits.argmax(-1)
    g = torch.Generator().manual_seed(seed)
    assert torch.equal(sample_next(logits, temperature=0), greedy)
    assert torch.equal(sample_next(logits, top_k=1, generator=g), greedy)
    assert torch.equal(sample_next(logits, top_p=1e-9, generator=g), greedy)


@pytest.mark.parametrize(
    ("temperature", "top_k", "top_p"), [(1.0, None, None), (0.5, None, None), (2.0, 3, 0.9)]
)
def test_samples_follow_the_filtered_tempered_softmax(
    temperature: float, top_k: int | None, top_p: float | None
) -> None:
    logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0]])
    expected = logits / temperature
    if top_k is not None:
        expected = top_k_filter(expected, top_k)
    if top_p is not None:
        expected = top_p_filter(expected, top_p)
    g = torch.Generator().manual_seed(0)
    n = 20_000
    draws = sample_next(
        logits.expand(n, -1), temperature=temperature, top_k=top_k, top_p=top_p, generator=g
    )
    frequencies = torch.bincount(draws, minlength=5) / n
    assert_close(frequencies, expected.softmax(-1)[0], atol=0.015, rtol=0)  # ~4 sigma


def test_a_seeded_generator_repeats_its_samples() -> None:
    logits = random_logits(8, 30, 0)

    def draw(seed: int) -> torch.Tensor:
        return sample_next(logits, top_p=0.9, generator=torch.Generator().manual_seed(seed))

    assert torch.equal(draw(1), draw(1))
    assert not torch.equal(draw(1), draw(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperature": -1.0}, "temperature must be >= 0"),
        ({"top_k": 0}, "top_k must be a positive int"),
        ({"top_p": 0.0}, r"top_p must be in \(0, 1\]"),
        ({"top_p": 1.5}, r"top_p must be in \(0, 1\]"),
    ],
)
def test_sample_next_rejects(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sample_next(torch.zeros(1, 3), **kwargs)  # type: ignore[arg-type]
