"""Reference tests: each component equals PyTorch's own module with the same weights."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

from annotated import (
    EncoderLayer,
    LayerNorm,
    MultiHeadedAttention,
    PositionwiseFeedForward,
    attention,
    record_attention,
    subsequent_mask,
)
from annotated.decoder import DecoderLayer


def copy_attention(ours: MultiHeadedAttention, theirs: nn.MultiheadAttention) -> None:
    """Copy ``theirs``'s packed in-projection and out-projection into ``ours``."""
    w_q, w_k, w_v = theirs.in_proj_weight.detach().chunk(3)
    b_q, b_k, b_v = theirs.in_proj_bias.detach().chunk(3)
    with torch.no_grad():
        for linear, w, b in ((ours.w_q, w_q, b_q), (ours.w_k, w_k, b_k), (ours.w_v, w_v, b_v)):
            linear.weight.copy_(w)
            linear.bias.copy_(b)
        ours.w_o.weight.copy_(theirs.out_proj.weight)
        ours.w_o.bias.copy_(theirs.out_proj.bias)


def copy_layer(ours: nn.Module, theirs: nn.Module, norms: list[nn.Module]) -> None:
    """Copy an ``nn.Transformer*Layer``'s feed-forward and norms into ours."""
    with torch.no_grad():
        ours.feed_forward.w_1.weight.copy_(theirs.linear1.weight)
        ours.feed_forward.w_1.bias.copy_(theirs.linear1.bias)
        ours.feed_forward.w_2.weight.copy_(theirs.linear2.weight)
        ours.feed_forward.w_2.bias.copy_(theirs.linear2.bias)
        for i, norm in enumerate(norms):
            ours.sublayer[i].norm.weight.copy_(norm.weight)
            ours.sublayer[i].norm.bias.copy_(norm.bias)


@pytest.mark.parametrize("masked", ["none", "causal", "padding"])
def test_attention_equals_scaled_dot_product_attention(masked: str) -> None:
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 6, 8) for _ in range(3))
    mask = {
        "none": None,
        "causal": subsequent_mask(6),
        "padding": torch.tensor([True] * 4 + [False] * 2).expand(2, 1, 1, 6),
    }[masked]
    out, _ = attention(q, k, v, mask)
    assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


@pytest.mark.parametrize("recorded", [False, True], ids=["fused", "explicit"])
def test_multi_headed_attention_equals_nn_multihead_attention(recorded: bool) -> None:
    torch.manual_seed(0)
    theirs = nn.MultiheadAttention(32, 4, batch_first=True)
    ours = MultiHeadedAttention(4, 32, dropout=0.0)
    copy_attention(ours, theirs)
    query, memory = torch.randn(2, 5, 32), torch.randn(2, 7, 32)
    keep = torch.ones(2, 7, dtype=torch.bool)
    keep[1, 5:] = False  # the second source is padded after 5 tokens
    expected, weights = theirs(query, memory, memory, key_padding_mask=~keep)
    ours.record_attn = recorded
    assert_close(ours(query, memory, memory, mask=keep.unsqueeze(1)), expected)
    if recorded:
        assert ours.attn is not None
        assert_close(ours.attn.mean(dim=1), weights)


def test_layer_norm_equals_nn_layer_norm() -> None:
    torch.manual_seed(0)
    theirs = nn.LayerNorm(16)
    ours = LayerNorm(16)
    with torch.no_grad():
        theirs.weight.normal_()
        theirs.bias.normal_()
        ours.weight.copy_(theirs.weight)
        ours.bias.copy_(theirs.bias)
    x = torch.randn(3, 5, 16) * 10 + 3
    assert_close(ours(x), theirs(x))


@pytest.mark.parametrize("layout", ["post", "pre"])
def test_encoder_layer_equals_nn_transformer_encoder_layer(layout: str) -> None:
    torch.manual_seed(0)
    theirs = nn.TransformerEncoderLayer(
        32, 4, dim_feedforward=64, dropout=0.0, batch_first=True, norm_first=layout == "pre"
    )
    ours = EncoderLayer(
        32,
        MultiHeadedAttention(4, 32, 0.0),
        PositionwiseFeedForward(32, 64, 0.0),
        0.0,
        layout=layout,
    )
    copy_attention(ours.self_attn, theirs.self_attn)
    copy_layer(ours, theirs, [theirs.norm1, theirs.norm2])
    x = torch.randn(2, 6, 32)
    keep = torch.ones(2, 6, dtype=torch.bool)
    keep[0, 4:] = False
    # train mode (dropout 0): PyTorch's eval fast path would zero padded positions
    expected = theirs(x, src_key_padding_mask=~keep)
    assert_close(ours(x, keep.unsqueeze(1)), expected)


@pytest.mark.parametrize("layout", ["post", "pre"])
def test_decoder_layer_equals_nn_transformer_decoder_layer(layout: str) -> None:
    torch.manual_seed(0)
    theirs = nn.TransformerDecoderLayer(
        32, 4, dim_feedforward=64, dropout=0.0, batch_first=True, norm_first=layout == "pre"
    )
    ours = DecoderLayer(
        32,
        MultiHeadedAttention(4, 32, 0.0),
        MultiHeadedAttention(4, 32, 0.0),
        PositionwiseFeedForward(32, 64, 0.0),
        0.0,
        layout=layout,
    )
    copy_attention(ours.self_attn, theirs.self_attn)
    copy_attention(ours.src_attn, theirs.multihead_attn)
    copy_layer(ours, theirs, [theirs.norm1, theirs.norm2, theirs.norm3])
    y, memory = torch.randn(2, 5, 32), torch.randn(2, 7, 32)
    causal = subsequent_mask(5)
    expected = theirs(y, memory, tgt_mask=~causal[0])
    assert_close(ours(y, memory, None, causal), expected)


def test_fused_and_explicit_paths_agree_with_dropout_off() -> None:
    torch.manual_seed(0)
    mha = MultiHeadedAttention(4, 32, dropout=0.0)
    x = torch.randn(3, 9, 32)
    mask = subsequent_mask(9) & torch.tensor([True] * 7 + [False] * 2)
    fused = mha(x, x, x, mask=mask)
    with record_attention(mha):
        explicit = mha(x, x, x, mask=mask)
    assert_close(fused, explicit)
