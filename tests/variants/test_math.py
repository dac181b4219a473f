"""Each variant computes the formula in its docstring, written out here independently."""

from __future__ import annotations

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from annotated import ALiBi, LayerNorm, RMSNorm, RotaryEmbedding, SublayerConnection, SwiGLU
from annotated.feed_forward import PositionwiseFeedForward
from annotated.positional import alibi_slopes

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
D_HALF = st.integers(1, 16)
POSITION = st.integers(0, 10_000)


def rms(x: torch.Tensor, eps: float) -> torch.Tensor:
    return (x.pow(2).mean(-1, keepdim=True) + eps).sqrt()


@given(d=st.integers(1, 64), seed=SEEDS)
def test_rms_norm_is_x_over_rms_times_gain(d: int, seed: int) -> None:
    torch.manual_seed(seed)
    norm = RMSNorm(d, eps=1e-5).double()
    with torch.no_grad():
        norm.weight.normal_()
    x = torch.randn(3, 5, d, dtype=torch.float64) * 10  # (batch, seq, d_model)
    assert_close(norm(x), x / rms(x, 1e-5) * norm.weight)


@given(d=st.integers(2, 64), seed=SEEDS)
def test_layer_norm_centres_then_rescales(d: int, seed: int) -> None:
    torch.manual_seed(seed)
    norm = LayerNorm(d).double()
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    x = torch.randn(2, 4, d, dtype=torch.float64)
    centred = x - x.mean(-1, keepdim=True)
    assert_close(norm(x), centred / rms(centred, 1e-5) * norm.weight + norm.bias)


@given(d_model=st.integers(1, 32), d_ff=st.integers(2, 96), bias=st.booleans(), seed=SEEDS)
def test_swiglu_is_xw_times_silu_xv_then_w2(d_model: int, d_ff: int, bias: bool, seed: int) -> None:
    torch.manual_seed(seed)
    ffn = SwiGLU(d_model, d_ff, dropout=0.0, bias=bias).double()
    x = torch.randn(2, 3, d_model, dtype=torch.float64)
    W, V, W2 = ffn.w_1.weight.T, ffn.w_gate.weight.T, ffn.w_2.weight.T
    xW, xV = x @ W, x @ V
    if bias:
        xW, xV = xW + ffn.w_1.bias, xV + ffn.w_gate.bias
    expected = (xW * (xV * torch.sigmoid(xV))) @ W2
    if bias:
        expected = expected + ffn.w_2.bias
    assert_close(ffn(x), expected)
    assert ffn.w_1.out_features == max(1, round(2 * d_ff / 3))  # parameters of a 2-matrix FFN


@given(activation=st.sampled_from(["relu", "gelu", "silu", "relu2"]), seed=SEEDS)
def test_feed_forward_activations_are_their_formulas(activation: str, seed: int) -> None:
    torch.manual_seed(seed)
    ffn = PositionwiseFeedForward(8, 32, dropout=0.0, activation=activation).double()
    x = torch.randn(2, 3, 8, dtype=torch.float64)
    phi = {
        "relu": lambda z: z.clamp(min=0),
        "gelu": lambda z: z * 0.5 * (1 + torch.erf(z / math.sqrt(2))),  # x Phi(x)
        "silu": lambda z: z * torch.sigmoid(z),
        "relu2": lambda z: torch.where(z > 0, z * z, 0.0),  # max(0, z)^2
    }[activation]
    assert_close(ffn(x), phi(ffn.w_1(x)) @ ffn.w_2.weight.T + ffn.w_2.bias)


def rope_by_matrices(x: torch.Tensor, m: int, base: float = 10000.0) -> torch.Tensor:
    """RoPE as the docstring writes it: a 2x2 rotation by m * theta_i for each feature pair."""
    d_k = x.size(-1)
    out = torch.empty_like(x)
    for i in range(d_k // 2):
        angle = m * base ** (-2 * i / d_k)
        c, s = math.cos(angle), math.sin(angle)
        rotation = torch.tensor([[c, -s], [s, c]], dtype=x.dtype)
        out[..., 2 * i : 2 * i + 2] = x[..., 2 * i : 2 * i + 2] @ rotation.T
    return out


@given(d_half=D_HALF, m=POSITION, seed=SEEDS)
def test_rope_rotates_each_pair_by_m_theta_and_keeps_norms(d_half: int, m: int, seed: int) -> None:
    torch.manual_seed(seed)
    x = torch.randn(1, 2, 1, 2 * d_half, dtype=torch.float64)  # (batch, heads, seq, d_k)
    rotated = RotaryEmbedding(2 * d_half).rotate(x, torch.tensor([m]))
    assert_close(rotated, rope_by_matrices(x, m))
    assert_close(rotated.norm(dim=-1), x.norm(dim=-1))


@given(d_half=D_HALF, m=POSITION, n=POSITION, shift=POSITION, seed=SEEDS)
def test_rope_score_depends_only_on_m_minus_n(
    d_half: int, m: int, n: int, shift: int, seed: int
) -> None:
    torch.manual_seed(seed)
    rope = RotaryEmbedding(2 * d_half)
    q, k = torch.randn(2, 1, 1, 1, 2 * d_half, dtype=torch.float64)

    def score(m: int, n: int) -> torch.Tensor:
        return (rope.rotate(q, torch.tensor([m])) * rope.rotate(k, torch.tensor([n]))).sum()

    assert_close(score(m + shift, n + shift), score(m, n))
    assert_close(score(m, n), (q * rope.rotate(k, torch.tensor([n - m]))).sum())


def paper_slopes(n: int) -> list[float]:
    """``get_slopes`` from the ALiBi paper's code (ofirpress/attention_with_linear_biases)."""

    def power_of_2(n: int) -> list[float]:
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start**i for i in range(n)]

    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return power_of_2(closest) + paper_slopes(2 * closest)[0::2][: n - closest]


@given(heads=st.integers(1, 64))
def test_alibi_slopes_are_the_papers(heads: int) -> None:
    assert_close(alibi_slopes(heads), torch.tensor(paper_slopes(heads)))
    if math.log2(heads).is_integer():  # the closed form 2^(-8h/H), h = 1..H
        h = torch.arange(1, heads + 1, dtype=torch.float64)
        assert_close(alibi_slopes(heads).double(), 2 ** (-8 * h / heads))


@given(heads=st.integers(1, 16), seq=st.integers(1, 12), start=st.integers(0, 1000))
def test_alibi_bias_is_linear_in_distance(heads: int, seq: int, start: int) -> None:
    pos = torch.arange(start, start + seq)
    bias = ALiBi(heads).bias(pos, pos)  # (heads, seq_q, seq_k)
    distance = (pos[:, None] - pos[None, :]).abs()
    assert_close(bias, -alibi_slopes(heads)[:, None, None] * distance)
    assert_close(bias, ALiBi(heads).bias(pos - start, pos - start))  # only distances matter


def sublayer_and_norms(layout: str, norm: str, seed: int) -> tuple[SublayerConnection, object]:
    torch.manual_seed(seed)
    res = SublayerConnection(6, dropout=0.0, layout=layout, norm=norm).double()
    for module in (res.norm, res.output_norm):
        for p in [] if module is None else module.parameters():
            torch.nn.init.normal_(p)
    weight = torch.randn(6, 6, dtype=torch.float64)
    return res, lambda y: torch.tanh(y @ weight)


@given(
    layout=st.sampled_from(["post", "pre", "sandwich"]),
    norm=st.sampled_from(["layer", "rms", "none"]),
    seed=SEEDS,
)
def test_residual_layouts_compute_their_formulas(layout: str, norm: str, seed: int) -> None:
    res, f = sublayer_and_norms(layout, norm, seed)
    x = torch.randn(2, 3, 6, dtype=torch.float64)  # (batch, seq, d_model)
    n1 = res.norm
    expected = {
        "post": lambda: n1(x + f(x)),
        "pre": lambda: x + f(n1(x)),
        "sandwich": lambda: x + res.output_norm(f(n1(x))),  # type: ignore[misc]
    }[layout]()
    assert_close(res(x, f), expected)
