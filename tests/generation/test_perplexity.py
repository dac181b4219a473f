"""Perplexity over a whole split: a known answer, and the windows and batches changing nothing."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from annotated import GPT, GPTConfig, mean_cross_entropy, perplexity

from ..gpt.strategies import SEEDS, build, tokens


def tiny(max_len: int = 8) -> GPT:
    return build(GPTConfig(vocab_size=11, max_len=max_len, N=1, h=2, d_model=8), 0)


@given(vocab=st.integers(2, 50), length=st.integers(2, 60), seed=SEEDS)
def test_uniform_logits_give_perplexity_equal_to_the_vocabulary(
    vocab: int, length: int, seed: int
) -> None:
    model = GPT(GPTConfig(vocab_size=vocab, max_len=8, N=1, h=2, d_model=8))
    torch.nn.init.zeros_(model.lm_head.weight)  # logits 0 everywhere: p = 1/V
    split = torch.randint(vocab, (length,), generator=torch.Generator().manual_seed(seed))
    assert perplexity(model, split) == pytest.approx(vocab, rel=1e-9)


@given(length=st.integers(2, 8), seed=SEEDS)
def test_one_window_is_the_mean_cross_entropy_of_one_pass(length: int, seed: int) -> None:
    model = tiny()
    x = tokens(3, length, seed)
    logits = model(x[:, :-1])
    expected = F.cross_entropy(logits.flatten(0, 1), x[:, 1:].flatten()).item()
    assert mean_cross_entropy(model, x) == pytest.approx(expected, rel=1e-5)
    assert perplexity(model, x) == pytest.approx(math.exp(expected), rel=1e-5)


@given(length=st.integers(2, 70), batch_size=st.integers(1, 9), seed=SEEDS)
def test_windows_cover_every_token_once_whatever_the_batching(
    length: int, batch_size: int, seed: int
) -> None:
    """Consecutive windows of max_len: each token after the first is predicted once."""
    model, block = tiny(), 8
    split = tokens(1, length, seed)[0]
    total = 0.0
    for begin in range(0, length - 1, block):  # window by window, one at a time
        end = min(begin + block, length - 1)
        logits = model(split[None, begin:end])[0]
        total += F.cross_entropy(logits, split[begin + 1 : end + 1], reduction="sum").item()
    assert mean_cross_entropy(model, split, batch_size=batch_size) == pytest.approx(
        total / (length - 1), rel=1e-5
    )


def test_perplexity_runs_in_eval_mode_without_gradients() -> None:
    model = GPT(GPTConfig(vocab_size=11, max_len=8, N=1, h=2, d_model=8, dropout=0.5))
    model.train()
    split = tokens(1, 40, 0)[0]
    assert perplexity(model, split) == perplexity(model, split)  # no dropout
    assert model.training


@pytest.mark.parametrize(
    ("split", "kwargs", "message"),
    [
        (torch.tensor([3]), {}, "at least two"),
        (torch.tensor([1.0, 2.0]), {}, "integer dtype"),
        (torch.tensor([1, 2, 3]), {"batch_size": 0}, "must be positive"),
    ],
)
def test_perplexity_rejects(split: torch.Tensor, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        perplexity(tiny(), split, **kwargs)
