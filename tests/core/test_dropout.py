"""Dropout from 16-bit masks: the drop rate, the rescaling, the gradient, eval mode."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from annotated import Dropout, make_model
from annotated.dropout import LEVELS, keep_mask, quantized

RATES = st.floats(min_value=0.0, max_value=1.0)
SHAPES = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=4)


@given(RATES)
def test_the_quantized_rate_is_within_half_a_level_of_p(p: float) -> None:
    assert abs(quantized(p) - p) <= 0.5 / LEVELS
    assert quantized(quantized(p)) == quantized(p)


@settings(max_examples=20, deadline=None)
@given(st.floats(min_value=0.01, max_value=0.99), st.integers(0, 2**31 - 1))
def test_the_mask_drops_at_the_rate_asked_for(p: float, seed: int) -> None:
    torch.manual_seed(seed)
    n = 400_000
    dropped = 1 - keep_mask((n,), p, torch.device("cpu")).double().mean().item()
    spread = (p * (1 - p) / n) ** 0.5  # binomial standard deviation
    assert abs(dropped - quantized(p)) < 6 * spread


def test_the_four_16_bit_lanes_of_a_draw_are_each_uniform() -> None:
    torch.manual_seed(0)
    mask = keep_mask((250_000, 4), 0.5, torch.device("cpu"))  # column j: lane j of each draw
    torch.testing.assert_close(
        mask.double().mean(0), torch.full((4,), 0.5, dtype=torch.float64), atol=0.006, rtol=0
    )


@given(SHAPES, st.integers(0, 2**31 - 1))
def test_any_shape_gets_a_mask_of_its_shape(shape: list[int], seed: int) -> None:
    torch.manual_seed(seed)
    assert keep_mask(tuple(shape), 0.3, torch.device("cpu")).shape == torch.Size(shape)


@given(SHAPES, st.floats(min_value=0.0, max_value=0.95), st.integers(0, 2**31 - 1))
def test_survivors_are_rescaled_and_the_gradient_is_the_same_mask(
    shape: list[int], p: float, seed: int
) -> None:
    torch.manual_seed(seed)
    x = (torch.randn(shape) + 3.0).requires_grad_()  # away from 0, so kept units are seen
    y = Dropout(p)(x)
    kept = y != 0
    scale = 1.0 / (1.0 - quantized(p))
    torch.testing.assert_close(y[kept], x[kept] * scale)
    y.sum().backward()
    assert x.grad is not None
    torch.testing.assert_close(x.grad, kept.float() * scale)


def test_the_mean_is_kept_in_expectation() -> None:
    torch.manual_seed(0)
    y = Dropout(0.3)(torch.ones(1_000_000))
    assert y.mean().item() == pytest.approx(1.0, abs=0.005)


def test_eval_mode_and_the_edge_rates() -> None:
    x = torch.randn(3, 5)
    assert Dropout(0.5).eval()(x) is x
    assert Dropout(0.0)(x) is x
    assert torch.equal(Dropout(1.0)(x), torch.zeros_like(x))


def test_the_same_seed_gives_the_same_mask() -> None:
    x = torch.ones(64, 64)
    torch.manual_seed(7)
    first = Dropout(0.1)(x)
    torch.manual_seed(7)
    assert torch.equal(Dropout(0.1)(x), first)


def test_bad_rates_are_refused_as_torch_refuses_them() -> None:
    with pytest.raises(ValueError, match="dropout probability"):
        Dropout(1.5)


def test_every_dropout_of_the_paper_model_is_annotated_dropout() -> None:
    model = make_model(src_vocab=11, tgt_vocab=11, N=2, d_model=32, d_ff=64, h=4)
    dropouts = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts and all(isinstance(m, Dropout) for m in dropouts)
    attention_weights = model.encoder.layers[0].self_attn.dropout  # the unfused path's
    assert isinstance(attention_weights, Dropout)
