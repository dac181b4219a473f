"""The plain-NumPy reference equals the PyTorch modules."""

from __future__ import annotations

import numpy as np
import torch
from torch.testing import assert_close

from annotated import (
    LayerNorm,
    MultiHeadedAttention,
    PositionwiseFeedForward,
    attention,
    subsequent_mask,
)
from annotated import numpy_ref as ref
from annotated.positional import sinusoidal_table


def as_np(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().numpy()


def test_attention() -> None:
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 4, dtype=torch.float64) for _ in range(3))
    mask = subsequent_mask(5) & torch.tensor([True, True, True, False, True])
    mask[..., 2, :] = False  # one fully masked query row
    out, p = attention(q, k, v, mask)
    ref_out, ref_p = ref.attention(as_np(q), as_np(k), as_np(v), mask.numpy())
    assert_close(out, torch.from_numpy(ref_out))
    assert_close(p, torch.from_numpy(ref_p))


def test_multi_head_attention() -> None:
    torch.manual_seed(0)
    mha = MultiHeadedAttention(4, 16, dropout=0.0, bias=False).double()
    x = torch.randn(2, 6, 16, dtype=torch.float64)
    mask = subsequent_mask(6)
    expected = ref.multi_head_attention(
        as_np(x),
        as_np(x),
        as_np(x),
        *(as_np(lin.weight.T) for lin in (mha.w_q, mha.w_k, mha.w_v, mha.w_o)),
        h=4,
        mask=mask.numpy()[:, None],
    )
    assert_close(mha(x, x, x, mask=mask), torch.from_numpy(expected))


def test_layer_norm() -> None:
    torch.manual_seed(0)
    norm = LayerNorm(8).double()
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    x = torch.randn(3, 4, 8, dtype=torch.float64) * 5
    expected = ref.layer_norm(as_np(x), as_np(norm.weight), as_np(norm.bias), eps=norm.eps)
    assert_close(norm(x), torch.from_numpy(expected))


def test_feed_forward() -> None:
    torch.manual_seed(0)
    ffn = PositionwiseFeedForward(8, 32, dropout=0.0).double()
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    expected = ref.feed_forward(
        as_np(x),
        as_np(ffn.w_1.weight.T),
        as_np(ffn.w_1.bias),
        as_np(ffn.w_2.weight.T),
        as_np(ffn.w_2.bias),
    )
    assert_close(ffn(x), torch.from_numpy(expected))


def test_positional_encoding() -> None:
    expected = torch.from_numpy(ref.positional_encoding(64, 32)).float()
    assert_close(sinusoidal_table(64, 32), expected)
