"""The decoder-only GPT: causality, the cache, the switches, and a reference against PyTorch."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from annotated import (
    GPT,
    GPTConfig,
    LayerNorm,
    LearnedPositionalEncoding,
    PositionalEncoding,
    RMSNorm,
    SwiGLU,
    record_attention,
)
from annotated.positional import ALiBi, RotaryEmbedding, sinusoidal_table

from .strategies import SEEDS, build, gpt_configs, tokens


@given(config=gpt_configs(), batch=st.integers(1, 3), seed=SEEDS, data=st.data())
def test_logits_depend_only_on_earlier_tokens(
    config: GPTConfig, batch: int, seed: int, data: st.DataObject
) -> None:
    model = build(config, seed)
    seq = data.draw(st.integers(2, config.max_len), label="seq")
    t = data.draw(st.integers(0, seq - 2), label="t")
    x = tokens(batch, seq, seed)
    changed = x.clone()
    changed[:, t + 1 :] = tokens(batch, seq - t - 1, seed + 1)
    assert_close(model(x)[:, : t + 1], model(changed)[:, : t + 1])


@given(config=gpt_configs(), seed=SEEDS, data=st.data())
def test_fused_and_explicit_attention_give_the_same_logits(
    config: GPTConfig, seed: int, data: st.DataObject
) -> None:
    model = build(config, seed, torch.float64)
    x = tokens(2, data.draw(st.integers(1, config.max_len), label="seq"), seed)
    fused = model(x)
    with record_attention(model):
        explicit = model(x)
    assert_close(fused, explicit)


@given(config=gpt_configs(), seed=SEEDS, data=st.data())
def test_cached_chunks_equal_one_pass(config: GPTConfig, seed: int, data: st.DataObject) -> None:
    """Feeding the sequence in chunks through the cache = one pass, positions continuing."""
    model = build(config, seed, torch.float64)
    seq = config.max_len
    cuts = sorted(data.draw(st.sets(st.integers(1, seq - 1), max_size=3), label="cuts"))
    x = tokens(2, seq, seed)
    cache = model.make_cache()
    chunks = [model(x[:, a:b], cache=cache) for a, b in zip([0, *cuts], [*cuts, seq], strict=True)]
    assert cache[0].seen == seq
    assert_close(torch.cat(chunks, dim=1), model(x))


def test_the_cache_puts_new_tokens_after_the_prompt() -> None:
    """The classic cache bug -- a new token at position 0 -- would change its logits."""
    model = build(GPTConfig(vocab_size=11, max_len=8, N=1, h=2, d_model=8), 0)
    x = tokens(1, 4, 0)
    cache = model.make_cache()
    model(x[:, :3], cache=cache)
    step = model(x[:, 3:], cache=cache)
    assert_close(step, model(x)[:, 3:])
    assert not torch.allclose(step, model(x[:, 3:]))  # what position 0 would give


def test_weights_are_tied_by_default() -> None:
    tied = GPT(GPTConfig.nanogpt_shakespeare_char(vocab_size=65))
    untied = GPT(GPTConfig.nanogpt_shakespeare_char(vocab_size=65, share_embeddings=False))
    assert tied.lm_head.weight is tied.tok_embed.weight
    assert untied.lm_head.weight is not untied.tok_embed.weight
    count = sum(p.numel() for p in tied.parameters())
    assert sum(p.numel() for p in untied.parameters()) - count == 65 * 128
    # nanoGPT reports 0.80M for this config (its count leaves out the 64 x 128 positions)
    assert count - 64 * 128 == pytest.approx(0.80e6, rel=0.01)


def test_bias_off_leaves_no_bias() -> None:
    model = GPT(GPTConfig.nanogpt_shakespeare_char())
    assert not [name for name, _ in model.named_parameters() if name.endswith("bias")]
    with_bias = GPT(GPTConfig.nanogpt_shakespeare_char(bias=True))
    assert [name for name, _ in with_bias.named_parameters() if name.endswith("bias")]


def test_initialisation_follows_gpt2() -> None:
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=500, max_len=64, N=8, h=4, d_model=256)
    model = GPT(config)
    block = model.blocks[0]
    assert block.self_attn.w_q.weight.std().item() == pytest.approx(0.02, rel=0.05)
    residual = 0.02 / math.sqrt(2 * config.N)
    assert block.self_attn.w_o.weight.std().item() == pytest.approx(residual, rel=0.05)
    assert block.feed_forward.w_2.weight.std().item() == pytest.approx(residual, rel=0.05)
    assert torch.all(block.self_attn.w_q.bias == 0)


@pytest.mark.parametrize(
    ("switch", "value", "where", "kind"),
    [
        ("norm", "layer", lambda m: m.blocks[0].sublayer[0].norm, LayerNorm),
        ("norm", "rms", lambda m: m.blocks[0].sublayer[0].norm, RMSNorm),
        ("norm", "none", lambda m: m.blocks[0].sublayer[0].norm, nn.Identity),
        ("activation", "swiglu", lambda m: m.blocks[0].feed_forward, SwiGLU),
        ("positions", "learned", lambda m: m.embed_positions, LearnedPositionalEncoding),
        ("positions", "sinusoidal", lambda m: m.embed_positions, PositionalEncoding),
        ("positions", "rope", lambda m: m.blocks[1].self_attn.positions, RotaryEmbedding),
        ("positions", "alibi", lambda m: m.blocks[1].self_attn.positions, ALiBi),
        ("layout", "post", lambda m: m.norm, nn.Identity),
        ("layout", "sandwich", lambda m: m.blocks[0].sublayer[1].output_norm, LayerNorm),
    ],
)
def test_each_switch_selects_its_module(switch: str, value: str, where: object, kind: type) -> None:
    config = GPTConfig(vocab_size=11, max_len=8, N=2, h=2, d_model=8)
    model = GPT(GPTConfig.from_dict(config.to_dict() | {switch: value}))
    assert isinstance(where(model), kind)  # type: ignore[operator]


@pytest.mark.parametrize("positions", ["sinusoidal", "learned", "rope"])
def test_first_block_reads_the_scaled_embedding_plus_positions(positions: str) -> None:
    """h_0 = s E_x + P, with s = sqrt(d_model) for the paper's unit-amplitude sinusoids only."""
    config = GPTConfig(vocab_size=11, max_len=8, N=1, h=2, d_model=16, positions=positions)
    model = GPT(config).eval()
    seen: list[torch.Tensor] = []
    model.blocks[0].register_forward_hook(lambda module, args, out: seen.append(args[0]))
    x = tokens(2, 5, 0)
    model(x)
    E = model.tok_embed.weight[x]  # (batch, seq, d_model)
    if positions == "sinusoidal":
        expected = 4.0 * E + sinusoidal_table(5, 16)  # sqrt(16) = 4
    elif positions == "learned":
        expected = E + model.embed_positions.weight[:5]
    else:
        expected = E  # RoPE acts inside attention
    assert_close(seen[0], expected)


@pytest.mark.parametrize("layout", ["pre", "post"])
def test_block_equals_nn_transformer_encoder_layer_with_causal_mask(layout: str) -> None:
    """A GPT block is PyTorch's encoder layer with a causal mask (LayerNorm, GELU, biases)."""
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=11, max_len=9, N=1, h=4, d_model=32, layout=layout)
    block = GPT(config).blocks[0].eval()
    theirs = nn.TransformerEncoderLayer(
        32, 4, 128, dropout=0.0, activation="gelu", batch_first=True, norm_first=layout == "pre"
    ).eval()
    w_q, w_k, w_v = theirs.self_attn.in_proj_weight.detach().chunk(3)
    b_q, b_k, b_v = theirs.self_attn.in_proj_bias.detach().chunk(3)
    attn, ff = block.self_attn, block.feed_forward
    pairs = [
        (attn.w_q, w_q, b_q),
        (attn.w_k, w_k, b_k),
        (attn.w_v, w_v, b_v),
        (attn.w_o, theirs.self_attn.out_proj.weight, theirs.self_attn.out_proj.bias),
        (ff.w_1, theirs.linear1.weight, theirs.linear1.bias),
        (ff.w_2, theirs.linear2.weight, theirs.linear2.bias),
        (block.sublayer[0].norm, theirs.norm1.weight, theirs.norm1.bias),
        (block.sublayer[1].norm, theirs.norm2.weight, theirs.norm2.bias),
    ]
    with torch.no_grad():
        for ours, weight, bias in pairs:
            ours.weight.copy_(weight)
            ours.bias.copy_(bias)
    x = torch.randn(2, 9, 32)
    causal = nn.Transformer.generate_square_subsequent_mask(9)
    assert_close(block(x), theirs(x, src_mask=causal, is_causal=True))


def test_gpt_trains_on_a_repeating_sequence() -> None:
    """A few AdamW steps on a periodic text drive the loss far below log V."""
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, max_len=16, N=1, h=2, d_model=16))
    data = torch.arange(17).remainder(5)[None]  # 0 1 2 3 4 0 1 ...
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(100):
        logits = model(data[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), data[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * math.log(11)


def test_dropout_acts_only_in_training() -> None:
    model = GPT(GPTConfig(vocab_size=11, max_len=8, N=1, h=2, d_model=8, dropout=0.5))
    x = tokens(2, 8, 0)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m(torch.tensor([[1.0, 2.0]])), "integer dtype"),
        (lambda m: m(torch.tensor([[11]])), r"token ids must be in \[0, 11\)"),
        (lambda m: m(torch.zeros(1, 9, dtype=torch.long)), "exceed max_len=8"),
        (lambda m: m(torch.tensor([[1]]), cache=[]), "one KVCache per block"),
    ],
)
def test_gpt_rejects(call: object, message: str) -> None:
    model = GPT(GPTConfig(vocab_size=11, max_len=8, N=1, h=2, d_model=8))
    with pytest.raises(ValueError, match=message):
        call(model)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"d_model": 30, "h": 4}, "divisible by h"),
        ({"norm": "batch"}, "norm must be one of"),
        ({"positions": "rope", "d_model": 12, "h": 4}, "d_k must be even"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"max_len": 0}, "max_len must be positive"),
    ],
)
def test_config_rejects(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GPTConfig(vocab_size=11, **options)  # type: ignore[arg-type]


def test_config_round_trips_and_rejects_unknown_fields() -> None:
    config = GPTConfig.nanogpt_shakespeare_char(norm="rms", activation="swiglu")
    assert GPTConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown GPTConfig fields"):
        GPTConfig.from_dict(config.to_dict() | {"n_embd": 128})
    assert GPTConfig.gpt2().N == 12
