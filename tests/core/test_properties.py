"""Hypothesis properties of masks, attention, and the encoder-decoder."""

from __future__ import annotations

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from annotated import (
    MultiHeadedAttention,
    attention,
    make_model,
    padding_mask,
    record_attention,
    subsequent_mask,
    target_mask,
)
from annotated.positional import sinusoidal_table

from .strategies import BATCH, SEEDS, SEQ, model_sizes

VOCAB = 13


def small_model(sizes: dict[str, int], seed: int, **options: object) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = make_model(VOCAB, VOCAB, d_ff=2 * sizes["d_model"], dropout=0.0, **sizes, **options)
    return model.eval()


def random_tokens(batch: int, seq: int, seed: int) -> torch.Tensor:
    """Tokens in ``[1, VOCAB)``: never padding."""
    return torch.randint(1, VOCAB, (batch, seq), generator=torch.Generator().manual_seed(seed))


@given(size=SEQ)
def test_subsequent_mask_is_lower_triangular_with_true_diagonal(size: int) -> None:
    mask = subsequent_mask(size)
    assert mask.shape == (1, size, size) and mask.dtype == torch.bool
    i, j = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    assert torch.equal(mask[0], j <= i)


@given(batch=BATCH, seq=SEQ, seed=SEEDS, data=st.data())
def test_target_mask_closes_padded_rows_and_columns(
    batch: int, seq: int, seed: int, data: st.DataObject
) -> None:
    tokens = random_tokens(batch, seq, seed)
    lengths = data.draw(
        st.lists(st.integers(1, seq), min_size=batch, max_size=batch), label="lengths"
    )
    for b, n in enumerate(lengths):
        tokens[b, n:] = 0
    mask = target_mask(tokens)
    real = tokens != 0
    for b in range(batch):
        assert not mask[b, ~real[b]].any()  # padded query rows see nothing
        assert not mask[b][:, ~real[b]].any()  # nobody sees a padded key
        n = lengths[b]
        assert torch.equal(mask[b, :n, :n], subsequent_mask(n)[0])
    assert torch.equal(padding_mask(tokens), real.unsqueeze(1))


@given(seq_q=SEQ, seq_k=SEQ, seed=SEEDS, data=st.data())
def test_attention_rows_sum_to_one_and_masked_weights_are_zero(
    seq_q: int, seq_k: int, seed: int, data: st.DataObject
) -> None:
    g = torch.Generator().manual_seed(seed)
    q, k, v = (
        torch.randn(2, 3, seq_q, 8, generator=g),
        torch.randn(2, 3, seq_k, 8, generator=g),
        torch.randn(2, 3, seq_k, 8, generator=g),
    )
    mask = torch.rand(2, 1, seq_q, seq_k, generator=g) < data.draw(
        st.floats(0.0, 1.0), label="density"
    )
    out, p = attention(q, k, v, mask)
    open_rows = mask.any(-1).expand(2, 3, seq_q)
    assert torch.all(p[~mask.expand_as(p)] == 0)
    assert_close(p.sum(-1)[open_rows], torch.ones(int(open_rows.sum())))
    assert torch.all(out[~open_rows] == 0) and not out.isnan().any()


@given(seq=SEQ, seed=SEEDS)
def test_fully_masked_rows_are_zero_on_both_paths_with_finite_gradients(
    seq: int, seed: int
) -> None:
    torch.manual_seed(seed)
    mha = MultiHeadedAttention(2, 8, dropout=0.0)
    x = torch.randn(1, seq, 8, requires_grad=True)
    mask = subsequent_mask(seq).clone()
    mask[..., 0, :] = False  # the first query may attend nowhere
    for recorded in (False, True):
        mha.record_attn = recorded
        out = mha(x, x, x, mask=mask)
        assert_close(out[0, 0], mha.w_o.bias)  # zero attention, then the output projection
        out.sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all()


@given(sizes=model_sizes(), batch=BATCH, seq=st.integers(2, 16), seed=SEEDS, data=st.data())
def test_decoder_is_causal(
    sizes: dict[str, int], batch: int, seq: int, seed: int, data: st.DataObject
) -> None:
    model = small_model(sizes, seed)
    src, tgt = random_tokens(batch, 5, seed), random_tokens(batch, seq, seed + 1)
    t = data.draw(st.integers(0, seq - 2), label="t")
    changed = tgt.clone()
    changed[:, t + 1 :] = random_tokens(batch, seq - t - 1, seed + 2)
    out = model(src, tgt, padding_mask(src), target_mask(tgt))
    out_changed = model(src, changed, padding_mask(src), target_mask(changed))
    assert_close(out[:, : t + 1], out_changed[:, : t + 1])


@given(sizes=model_sizes(), seq=SEQ, pad=st.integers(1, 5), seed=SEEDS)
def test_source_padding_changes_nothing(
    sizes: dict[str, int], seq: int, pad: int, seed: int
) -> None:
    model = small_model(sizes, seed)
    src, tgt = random_tokens(2, seq, seed), random_tokens(2, 4, seed + 1)
    padded = torch.cat([src, torch.zeros(2, pad, dtype=torch.long)], dim=1)
    out = model(src, tgt, padding_mask(src), target_mask(tgt))
    out_padded = model(padded, tgt, padding_mask(padded), target_mask(tgt))
    assert_close(out, out_padded)


@given(sizes=model_sizes(), seq=st.integers(2, 16), seed=SEEDS)
def test_encoder_without_positions_is_permutation_equivariant(
    sizes: dict[str, int], seq: int, seed: int
) -> None:
    model = small_model(sizes, seed, positions="none")
    src = random_tokens(2, seq, seed)
    perm = torch.randperm(seq, generator=torch.Generator().manual_seed(seed))
    memory = model.encode(src, padding_mask(src))
    # float32 sums in another order: equal up to rounding, so a tolerance above the default
    assert_close(
        model.encode(src[:, perm], padding_mask(src)), memory[:, perm], atol=1e-4, rtol=1e-4
    )


@given(d_half=st.integers(1, 32), max_len=st.integers(1, 64))
def test_sinusoidal_table_matches_its_formula(d_half: int, max_len: int) -> None:
    d_model = 2 * d_half
    pe = sinusoidal_table(max_len, d_model).double()
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    i = torch.arange(d_half, dtype=torch.float64)[None, :]
    angle = pos / 10000 ** (2 * i / d_model)
    assert_close(pe[:, 0::2], angle.sin(), atol=1e-5, rtol=0)
    assert_close(pe[:, 1::2], angle.cos(), atol=1e-5, rtol=0)


@given(offset=st.integers(0, 50), d_half=st.integers(1, 32))
def test_sinusoidal_dot_product_depends_only_on_offset(offset: int, d_half: int) -> None:
    d_model = 2 * d_half
    pe = sinusoidal_table(200, d_model).double()
    dots = (pe[: 200 - offset] * pe[offset:]).sum(-1)  # PE_p . PE_{p+offset} for every p
    freqs = 10000 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    expected = torch.cos(offset * freqs).sum()
    assert_close(dots, expected.expand_as(dots), atol=1e-4, rtol=0)


@given(offset=st.integers(0, 50), d_half=st.integers(1, 32))
def test_sinusoidal_offset_is_one_linear_map(offset: int, d_half: int) -> None:
    """PE_{p+k} = M_k PE_p for every p: M_k rotates each (sin, cos) pair by k times its frequency."""
    d_model = 2 * d_half
    pe = sinusoidal_table(200, d_model).double()
    turn = offset * 10000 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    sin, cos = pe[: 200 - offset, 0::2], pe[: 200 - offset, 1::2]  # PE_p's pairs
    assert_close(pe[offset:, 0::2], turn.cos() * sin + turn.sin() * cos, atol=1e-4, rtol=0)
    assert_close(pe[offset:, 1::2], turn.cos() * cos - turn.sin() * sin, atol=1e-4, rtol=0)


@given(sizes=model_sizes(), batch=BATCH, src_len=SEQ, tgt_len=SEQ, seed=SEEDS)
def test_output_shapes(
    sizes: dict[str, int], batch: int, src_len: int, tgt_len: int, seed: int
) -> None:
    model = small_model(sizes, seed)
    src, tgt = random_tokens(batch, src_len, seed), random_tokens(batch, tgt_len, seed)
    with record_attention(model):
        out = model(src, tgt, padding_mask(src), target_mask(tgt))
    d_model, h = sizes["d_model"], sizes["h"]
    assert out.shape == (batch, tgt_len, d_model)
    assert model.generator(out).shape == (batch, tgt_len, VOCAB)
    layer = model.decoder.layers[0]
    assert layer.self_attn.attn.shape == (batch, h, tgt_len, tgt_len)
    assert layer.src_attn.attn.shape == (batch, h, tgt_len, src_len)
    assert math.isclose(float(layer.src_attn.attn.sum()), batch * h * tgt_len, rel_tol=1e-5)
