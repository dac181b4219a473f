"""Language-model batches: windows of the stream, shifted targets, indexed and split by rank."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from annotated import GPT, GPTConfig
from annotated.tasks.language_model.data import batch_rng, lm_batch, lm_loss

DATA = torch.randint(0, 50, (500,))
SIZES = st.integers(1, 8)
BLOCKS = st.integers(1, 32)
INDICES = st.integers(0, 10_000)


@given(batch_size=SIZES, max_len=BLOCKS, index=INDICES)
def test_rows_are_windows_of_the_stream_and_targets_the_next_tokens(
    batch_size: int, max_len: int, index: int
) -> None:
    b = lm_batch(DATA, seed=1, index=index, batch_size=batch_size, max_len=max_len)
    assert b.x.shape == b.y.shape == (batch_size, max_len)
    assert len(b) == batch_size
    for x, y in zip(b.x, b.y, strict=True):
        # find where the window starts, then check both rows against the stream itself
        starts = [s for s in range(DATA.numel() - max_len) if torch.equal(DATA[s : s + max_len], x)]
        assert any(torch.equal(DATA[s + 1 : s + max_len + 1], y) for s in starts)


@given(index=INDICES, world=st.integers(1, 4), batch_size=SIZES)
def test_ranks_split_one_global_batch(index: int, world: int, batch_size: int) -> None:
    whole = lm_batch(DATA, seed=0, index=index, batch_size=batch_size * world, max_len=16)
    parts = [
        lm_batch(
            DATA,
            seed=0,
            index=index,
            batch_size=batch_size,
            max_len=16,
            rank=r,
            world_size=world,
        )
        for r in range(world)
    ]
    assert torch.equal(torch.cat([p.x for p in parts]), whole.x)
    assert torch.equal(torch.cat([p.y for p in parts]), whole.y)


def test_a_batch_depends_on_seed_and_index_only() -> None:
    torch.manual_seed(123)  # the global stream does not matter
    a = lm_batch(DATA, seed=4, index=9, batch_size=4, max_len=8)
    torch.rand(10)
    assert torch.equal(a.x, lm_batch(DATA, seed=4, index=9, batch_size=4, max_len=8).x)
    assert not torch.equal(a.x, lm_batch(DATA, seed=4, index=10, batch_size=4, max_len=8).x)
    for other_seed, other_index in [(5, 9), (9, 4), (4 + 2**32, 9)]:
        b = lm_batch(DATA, seed=other_seed, index=other_index, batch_size=4, max_len=8)
        assert not torch.equal(a.x, b.x), (other_seed, other_index)


def test_bad_requests_are_errors() -> None:
    with pytest.raises(ValueError, match="longer than max_len"):
        lm_batch(DATA[:8], seed=0, index=0, batch_size=2, max_len=8)
    with pytest.raises(ValueError, match="rank 2 is not in"):
        lm_batch(DATA, seed=0, index=0, batch_size=2, max_len=8, rank=2, world_size=2)
    with pytest.raises(ValueError, match="seed and index must be non-negative"):
        batch_rng(-1, 0)


def test_loss_is_the_summed_cross_entropy_of_the_next_tokens() -> None:
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, max_len=16, N=1, h=2, d_model=16))
    b = lm_batch(DATA, seed=0, index=0, batch_size=3, max_len=16)
    loss, n = lm_loss(model, b)
    logits = model(b.x)
    manual = sum(-logits[i, t].log_softmax(-1)[b.y[i, t]] for i in range(3) for t in range(16))
    assert n == 48
    torch.testing.assert_close(loss, manual)
    torch.testing.assert_close(loss / n, F.cross_entropy(logits.flatten(0, 1), b.y.flatten()))
