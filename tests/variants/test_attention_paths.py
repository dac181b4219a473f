"""Fused and explicit attention agree for every position scheme; masked rows stay zero."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from annotated import (
    ALiBi,
    AttentionPositions,
    KVCache,
    MultiHeadedAttention,
    RotaryEmbedding,
    make_model,
    record_attention,
    subsequent_mask,
)
from annotated.decoder import DecoderLayer
from annotated.feed_forward import PositionwiseFeedForward

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
SCHEMES = st.sampled_from(["none", "rope", "alibi"])


def attention_with(scheme: str, h: int = 2, d_model: int = 8) -> MultiHeadedAttention:
    positions = {"none": None, "rope": RotaryEmbedding(d_model // h), "alibi": ALiBi(h)}[scheme]
    return MultiHeadedAttention(h, d_model, dropout=0.0, positions=positions).double()


def both_paths(mha: MultiHeadedAttention, *args: object, **kwargs: object) -> tuple:
    """The output on the fused path, then on the explicit path (with weights)."""
    fused = mha(*args, **kwargs)
    with record_attention(mha):
        explicit = mha(*args, **kwargs)
    return fused, explicit


@given(
    scheme=SCHEMES,
    is_causal=st.booleans(),
    masked=st.booleans(),
    seq=st.integers(1, 10),
    seed=SEEDS,
)
def test_fused_and_explicit_paths_agree(
    scheme: str, is_causal: bool, masked: bool, seq: int, seed: int
) -> None:
    torch.manual_seed(seed)
    mha = attention_with(scheme)
    x = torch.randn(3, seq, 8, dtype=torch.float64)  # (batch, seq, d_model)
    mask = torch.rand(3, seq, seq) < 0.7 if masked else None  # may close whole rows
    fused, explicit = both_paths(mha, x, x, x, mask, is_causal=is_causal)
    assert_close(fused, explicit)
    assert not fused.isnan().any()


@given(scheme=SCHEMES, prompt=st.integers(1, 6), chunk=st.integers(1, 4), seed=SEEDS)
def test_paths_agree_with_a_cache_and_causal_chunks(
    scheme: str, prompt: int, chunk: int, seed: int
) -> None:
    """A chunk after a cached prompt: the causal mask comes from absolute positions."""
    torch.manual_seed(seed)
    mha = attention_with(scheme)
    x = torch.randn(2, prompt + chunk, 8, dtype=torch.float64)
    outputs = []
    for record in (False, True):
        mha.record_attn = record
        cache = KVCache()
        mha(x[:, :prompt], x[:, :prompt], x[:, :prompt], cache=cache, is_causal=True)
        new = x[:, prompt:]
        outputs.append(mha(new, new, new, cache=cache, is_causal=True))
    assert_close(outputs[0], outputs[1])
    full = mha(x, x, x, subsequent_mask(prompt + chunk))
    assert_close(outputs[0], full[:, prompt:])


@given(scheme=SCHEMES, seq=st.integers(1, 10), seed=SEEDS)
def test_is_causal_equals_the_subsequent_mask(scheme: str, seq: int, seed: int) -> None:
    torch.manual_seed(seed)
    mha = attention_with(scheme)
    x = torch.randn(2, seq, 8, dtype=torch.float64)
    assert_close(mha(x, x, x, is_causal=True), mha(x, x, x, subsequent_mask(seq)))


@given(scheme=SCHEMES, seq=st.integers(1, 10), is_causal=st.booleans(), seed=SEEDS)
def test_fully_masked_rows_are_zero_with_finite_gradients(
    scheme: str, seq: int, is_causal: bool, seed: int
) -> None:
    torch.manual_seed(seed)
    mha = attention_with(scheme).float()
    x = torch.randn(2, seq, 8, requires_grad=True)
    mask = torch.ones(2, seq, seq, dtype=torch.bool)
    mask[:, 0] = False  # the first query may attend nowhere (padding)
    for recorded in (False, True):
        mha.record_attn = recorded
        out = mha(x, x, x, mask, is_causal=is_causal)
        assert not out.isnan().any()
        assert_close(out[:, 0], mha.w_o.bias.expand(2, -1))  # zero attention, then W^O's bias
        out.square().sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all()
        assert all(torch.isfinite(p.grad).all() for p in mha.parameters() if p.grad is not None)
        x.grad = None


def test_cross_attention_takes_no_position_scheme() -> None:
    ffn = PositionwiseFeedForward(8, 16)
    with pytest.raises(ValueError, match="cross-attention takes no position scheme"):
        DecoderLayer(8, attention_with("none"), attention_with("rope"), ffn, 0.0)
    with pytest.raises(ValueError, match="within one sequence"):
        attention_with("alibi")(torch.randn(1, 3, 8), torch.randn(1, 5, 8), torch.randn(1, 5, 8))


@pytest.mark.parametrize("positions", ["sinusoidal", "learned", "rope", "alibi", "none"])
def test_make_model_switches_reach_self_attention_only(positions: str) -> None:
    model = make_model(11, 11, N=1, d_model=8, d_ff=16, h=2, positions=positions)
    self_attn = model.decoder.layers[0].self_attn
    relative = positions in ("rope", "alibi")
    assert isinstance(self_attn.positions, AttentionPositions) == relative
    assert type(model.encoder.layers[0].self_attn.positions) is type(self_attn.positions)
    assert model.decoder.layers[0].src_attn.positions is None
