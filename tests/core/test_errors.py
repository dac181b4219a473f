"""Bad input raises a ValueError that names the argument and what was expected."""

from __future__ import annotations

import pytest
import torch

from annotated import (
    Embeddings,
    MultiHeadedAttention,
    PositionalEncoding,
    TransformerConfig,
    attention,
    make_model,
    padding_mask,
    subsequent_mask,
)


def test_d_model_not_divisible_by_h() -> None:
    with pytest.raises(ValueError, match=r"d_model \(30\) must be divisible by h \(4\)"):
        MultiHeadedAttention(4, 30)
    with pytest.raises(ValueError, match="divisible"):
        make_model(10, 10, d_model=30, h=4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: attention(
                torch.ones(1, 2, 4, dtype=torch.long), torch.ones(1, 2, 4), torch.ones(1, 2, 4)
            ),
            "query must be a floating-point tensor",
        ),
        (
            lambda: attention(torch.ones(1, 2, 4), torch.ones(1, 2, 5), torch.ones(1, 2, 4)),
            "key must have last dimension 4",
        ),
        (
            lambda: attention(torch.ones(1, 2, 4), torch.ones(1, 3, 4), torch.ones(1, 2, 4)),
            "key and value must have the same seq_k",
        ),
        (
            lambda: attention(
                torch.ones(1, 2, 4), torch.ones(1, 2, 4), torch.ones(1, 2, 4), torch.ones(2, 2)
            ),
            "mask must be a bool tensor",
        ),
        (
            lambda: attention(
                torch.ones(1, 2, 4), torch.ones(1, 2, 4), torch.ones(1, 2, 4), subsequent_mask(3)
            ),
            r"mask of shape \(1, 3, 3\) does not broadcast",
        ),
    ],
)
def test_attention_rejects(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_multi_headed_attention_rejects_bad_shapes_and_masks() -> None:
    mha = MultiHeadedAttention(2, 8)
    x = torch.randn(2, 3, 8)
    with pytest.raises(ValueError, match="query must have last dimension 8"):
        mha(torch.randn(2, 3, 6), x, x)
    with pytest.raises(ValueError, match="mask must be a bool tensor"):
        mha(x, x, x, mask=torch.ones(2, 1, 3))
    with pytest.raises(ValueError, match="does not broadcast"):
        mha(x, x, x, mask=torch.ones(2, 1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"mask must be \(batch, seq_q, seq_k\)"):
        mha(x, x, x, mask=torch.ones(3, dtype=torch.bool))


def test_tokens_must_be_integers_in_range() -> None:
    emb = Embeddings(8, vocab=5)
    with pytest.raises(ValueError, match="x must have an integer dtype"):
        emb(torch.ones(1, 3))
    with pytest.raises(ValueError, match="token index -1 is out of range"):
        emb(torch.tensor([[1, -1]]))
    with pytest.raises(ValueError, match="tokens must be a"):
        padding_mask(torch.ones(3, dtype=torch.long))


def test_positions_past_max_len() -> None:
    with pytest.raises(ValueError, match="exceed max_len=4"):
        PositionalEncoding(8, 0.0, max_len=4)(torch.zeros(1, 5, 8))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"norm": "batch"}, "norm must be one of"),
        ({"layout": "middle"}, "layout must be one of"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"N": 0}, "N must be positive"),
        (
            {"share_embeddings": True, "tgt_vocab": 7},
            "share_embeddings needs src_vocab == tgt_vocab",
        ),
    ],
)
def test_config_rejects(options: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"src_vocab": 5, "tgt_vocab": 5} | options
    with pytest.raises(ValueError, match=message):
        TransformerConfig(**values)  # type: ignore[arg-type]


def test_config_round_trips_through_a_dict() -> None:
    config = TransformerConfig.cpu_small(11, 12, positions="rope")
    assert TransformerConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown TransformerConfig fields"):
        TransformerConfig.from_dict(config.to_dict() | {"depth": 3})
