"""The training-trick switches of the GPT (issue #16): each computes the equation it documents."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from annotated import (
    GPT,
    GPTConfig,
    MultiHeadedAttention,
    load_checkpoint,
    record_attention,
    save_checkpoint,
)
from annotated.cli import build_parser

from .strategies import NORMS, POSITIONS, SEEDS, VOCAB, build, tokens

HEADS = st.sampled_from([1, 2, 4])
D_K = st.sampled_from([2, 4, 8])
LADDER = {"qk_norm": True, "activation": "relu2", "zero_init": True, "logit_softcap": 15.0}


def unit_rms(z: torch.Tensor, eps: float) -> torch.Tensor:
    """z / sqrt(mean(z^2) + eps) over the last dimension, written out."""
    return z / (z.pow(2).mean(-1, keepdim=True) + eps).sqrt()


def qk_normed_mha(h: int, d_k: int, seed: int, scale: float = 1.0) -> MultiHeadedAttention:
    """A float64 MultiHeadedAttention with QK-norm and its weights drawn at ``scale``/fan-in."""
    torch.manual_seed(seed)
    mha = MultiHeadedAttention(h, h * d_k, dropout=0.0, qk_norm=True).double()
    with torch.no_grad():
        for p in mha.parameters():
            p.normal_(0.0, scale * p.size(-1) ** -0.5 if p.dim() > 1 else 0.5)
    return mha


@given(h=HEADS, d_k=D_K, seed=SEEDS)
def test_qk_norm_is_attention_on_unit_rms_queries_and_keys(h: int, d_k: int, seed: int) -> None:
    """softmax((q / rms q)(k / rms k)^T / sqrt(d_k)) v, then W^O, computed by hand."""
    mha = qk_normed_mha(h, d_k, seed)
    x = torch.randn(2, 5, h * d_k, dtype=torch.float64)  # (batch, seq, d_model)

    def heads(linear: nn.Linear) -> torch.Tensor:
        return linear(x).view(2, 5, h, d_k).transpose(1, 2)  # (batch, h, seq, d_k)

    q, k = unit_rms(heads(mha.w_q), 1e-5), unit_rms(heads(mha.w_k), 1e-5)
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d_k), dim=-1)
    concat = (weights @ heads(mha.w_v)).transpose(1, 2).reshape(2, 5, h * d_k)
    assert_close(mha(x, x, x), mha.w_o(concat))


@given(h=HEADS, d_k=D_K, seed=SEEDS, scale=st.floats(1.0, 1e3))
def test_qk_norm_bounds_every_score_by_sqrt_dk(h: int, d_k: int, seed: int, scale: float) -> None:
    """|score| <= sqrt(d_k), so within a row log(p_max / p_min) <= 2 sqrt(d_k), at any weight size."""
    mha = qk_normed_mha(h, d_k, seed, scale)
    x = torch.randn(1, 6, h * d_k, dtype=torch.float64) * scale
    with record_attention(mha):
        mha(x, x, x)
    assert mha.attn is not None
    spread = (mha.attn.max(-1).values / mha.attn.min(-1).values).log()  # (batch, h, seq_q)
    assert spread.max().item() <= 2 * math.sqrt(d_k) + 1e-9


def test_without_qk_norm_large_weights_saturate_the_softmax() -> None:
    """The control of the bound above: the same large weights without QK-norm go one-hot."""
    mha = qk_normed_mha(2, 4, 0, scale=30.0)
    mha.qk_norm = False
    x = torch.randn(1, 6, 8, dtype=torch.float64) * 30
    with record_attention(mha):
        mha(x, x, x)
    assert mha.attn is not None
    assert mha.attn.max().item() > 1 - 1e-6  # one key takes all the weight


@given(h=HEADS, d_k=D_K, seed=SEEDS, c=st.floats(0.01, 100.0))
def test_qk_norm_ignores_the_scale_of_w_q_and_w_k(h: int, d_k: int, seed: int, c: float) -> None:
    """Normalising q and k removes any positive factor on W^Q, W^K (no biases)."""
    torch.manual_seed(seed)
    mha = MultiHeadedAttention(h, h * d_k, dropout=0.0, bias=False, qk_norm=True, norm_eps=0.0)
    mha = mha.double()
    x = torch.randn(2, 5, h * d_k, dtype=torch.float64)
    before = mha(x, x, x)
    with torch.no_grad():
        mha.w_q.weight.mul_(c)
        mha.w_k.weight.mul_(c)
    assert_close(mha(x, x, x), before)


@pytest.mark.parametrize("positions", ["learned", "rope", "alibi"])
def test_qk_norm_keeps_cache_and_recorded_weights_equal(positions: str) -> None:
    """Cached chunks = one pass, and the explicit path = the fused one, with QK-norm on."""
    config = GPTConfig(vocab_size=VOCAB, max_len=8, N=2, h=2, d_model=8, positions=positions)
    model = build(GPTConfig.from_dict(config.to_dict() | {"qk_norm": True}), 0, torch.float64)
    x = tokens(2, 8, 0)
    cache = model.make_cache()
    chunks = [
        model(x[:, :3], cache=cache),
        model(x[:, 3:4], cache=cache),
        model(x[:, 4:], cache=cache),
    ]
    assert_close(torch.cat(chunks, dim=1), model(x))
    with record_attention(model):
        assert_close(model(x), torch.cat(chunks, dim=1))


def test_qk_norm_applies_to_a_memory_cache() -> None:
    """Cross-attention through cache_memory normalises the memory's keys too."""
    mha = qk_normed_mha(2, 4, 0)
    memory, y = torch.randn(1, 5, 8, dtype=torch.float64), torch.randn(1, 2, 8, dtype=torch.float64)
    assert_close(mha(y, None, None, cache=mha.cache_memory(memory)), mha(y, memory, memory))


def test_relu2_costs_what_relu_costs() -> None:
    count = {
        activation: sum(
            p.numel()
            for p in GPT(
                GPTConfig(vocab_size=VOCAB, N=2, h=2, d_model=16, activation=activation)
            ).parameters()
        )
        for activation in ("relu", "gelu", "relu2")
    }
    assert count["relu2"] == count["relu"] == count["gelu"]


ZERO_INIT_CONFIGS = st.builds(
    lambda **kw: GPTConfig(vocab_size=VOCAB, max_len=8, N=2, h=2, d_model=8, zero_init=True, **kw),
    norm=NORMS,
    layout=st.sampled_from(["pre", "sandwich"]),
    positions=POSITIONS,
    bias=st.booleans(),
    share_embeddings=st.booleans(),
)


@settings(deadline=None)
@given(config=ZERO_INIT_CONFIGS, seed=SEEDS)
def test_zero_init_model_is_its_embeddings_and_head(config: GPTConfig, seed: int) -> None:
    """At step 0 every block is the identity: the output equals the model with no blocks."""
    torch.manual_seed(seed)
    model = GPT(config).eval()
    for block in model.blocks:
        assert not block.self_attn.w_o.weight.any()
        assert not block.feed_forward.w_2.weight.any()
    x = tokens(2, 8, seed)
    logits = model(x)
    model.blocks = nn.ModuleList()
    assert_close(logits, model(x))


def test_without_zero_init_the_blocks_change_the_output() -> None:
    """The control of the test above: GPT-2's init gives blocks that are not the identity."""
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=VOCAB, max_len=8, N=2, h=2, d_model=8)).eval()
    x = tokens(2, 8, 0)
    logits = model(x)
    model.blocks = nn.ModuleList()
    assert not torch.allclose(logits, model(x))


def test_zero_init_starts_as_a_bigram_model() -> None:
    """Without absolute positions each logit row depends on its own token alone at step 0."""
    torch.manual_seed(0)
    model = GPT(
        GPTConfig(
            vocab_size=VOCAB, max_len=8, N=2, h=2, d_model=8, positions="rope", zero_init=True
        )
    ).eval()
    x = tokens(1, 8, 0)
    alone = torch.cat([model(x[:, t : t + 1]) for t in range(8)], dim=1)
    assert_close(model(x), alone)


def test_one_sgd_step_moves_the_zero_initialised_projections() -> None:
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=VOCAB, max_len=8, N=2, h=2, d_model=8, zero_init=True))
    x = tokens(4, 9, 0)
    loss = F.cross_entropy(model(x[:, :-1]).flatten(0, 1), x[:, 1:].flatten())
    loss.backward()
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    for block in model.blocks:
        assert block.self_attn.w_o.weight.abs().sum() > 0
        assert block.feed_forward.w_2.weight.abs().sum() > 0


@given(seed=SEEDS, c=st.floats(0.1, 50.0))
def test_logit_softcap_is_c_tanh_logits_over_c(seed: int, c: float) -> None:
    config = GPTConfig(vocab_size=VOCAB, max_len=8, N=1, h=2, d_model=8)
    plain = build(config, seed, torch.float64)
    capped = GPT(GPTConfig.from_dict(config.to_dict() | {"logit_softcap": c})).double().eval()
    capped.load_state_dict(plain.state_dict())
    x = tokens(2, 8, seed)
    logits = capped(x)
    assert_close(logits, c * torch.tanh(plain(x) / c))
    assert logits.abs().max().item() <= c


def test_ladder_config_round_trips_and_old_cards_load(tmp_path: Path) -> None:
    config = GPTConfig.nanogpt_shakespeare_char(**LADDER)
    assert GPTConfig.from_dict(config.to_dict()) == config
    old = {k: v for k, v in config.to_dict().items() if k not in LADDER}  # a card from before
    assert GPTConfig.from_dict(old) == GPTConfig.nanogpt_shakespeare_char()
    model = GPT(GPTConfig(vocab_size=VOCAB, max_len=8, N=1, h=2, d_model=8, **LADDER)).eval()
    loaded = load_checkpoint(save_checkpoint(tmp_path, model, vocab=list("abcdefghijk")))
    assert loaded.model.config == model.config
    x = tokens(2, 8, 0)
    assert_close(loaded.model(x), model(x))


def test_config_rejects_a_negative_softcap() -> None:
    with pytest.raises(ValueError, match=r"logit_softcap must be >= 0, got -1\.0"):
        GPTConfig(vocab_size=VOCAB, logit_softcap=-1.0)


def test_each_switch_is_a_flag_of_train_shakespeare() -> None:
    parser = build_parser()
    flags = ["--qk-norm", "--activation", "relu2", "--zero-init", "--logit-softcap", "30"]
    args = vars(parser.parse_args(["train", "shakespeare", *flags]))
    assert [args[n] for n in LADDER] == [True, "relu2", True, 30.0]
    off = vars(parser.parse_args(["train", "shakespeare", "--no-qk-norm", "--no-zero-init"]))
    assert (off["qk_norm"], off["zero_init"], off["logit_softcap"]) == (False, False, None)
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "shakespeare", "--logit-softcap", "-1"])
