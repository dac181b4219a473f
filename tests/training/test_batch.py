"""Batch: the teacher-forcing shift, the masks and the token count."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated import Batch


@st.composite
def padded(draw: st.DrawFn, min_len: int = 1) -> torch.Tensor:
    """Right-padded token rows (pad 0, tokens 1..9): ``(batch, seq)``."""
    batch = draw(st.integers(1, 4), label="batch")
    width = draw(st.integers(min_len, 8), label="width")
    rows = []
    for _ in range(batch):
        n = draw(st.integers(min_len, width))
        rows.append(draw(st.lists(st.integers(1, 9), min_size=n, max_size=n)) + [0] * (width - n))
    return torch.tensor(rows)


@given(padded(), padded(min_len=2))
def test_batch_shifts_the_target_and_builds_masks(src: torch.Tensor, tgt: torch.Tensor) -> None:
    tgt = tgt[: len(src)] if len(tgt) >= len(src) else tgt.repeat(len(src), 1)[: len(src)]
    batch = Batch(src, tgt)
    assert torch.equal(batch.tgt, tgt[:, :-1]) and torch.equal(batch.tgt_y, tgt[:, 1:])
    assert batch.src_mask.shape == (len(src), 1, src.size(1))
    assert torch.equal(batch.src_mask[:, 0], src != 0)
    n = batch.tgt.size(1)
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    real = batch.tgt != 0
    expected = (j <= i) & real[:, None, :] & real[:, :, None]  # causal, key and query real
    assert torch.equal(batch.tgt_mask, expected)
    assert batch.ntokens == int((tgt[:, 1:] != 0).sum()) and len(batch) == len(src)


def test_batch_moves_to_a_device_unchanged() -> None:
    batch = Batch(torch.tensor([[3, 4, 0]]), torch.tensor([[1, 3, 4, 2, 0]]))
    moved = batch.to("cpu")
    for name in ("src", "src_mask", "tgt", "tgt_y", "tgt_mask"):
        assert torch.equal(getattr(moved, name), getattr(batch, name))
    assert moved.ntokens == batch.ntokens == 3


def test_batch_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="batch size"):
        Batch(torch.ones(2, 3, dtype=torch.long), torch.ones(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="at least 2"):
        Batch(torch.ones(2, 3, dtype=torch.long), torch.ones(2, 1, dtype=torch.long))
