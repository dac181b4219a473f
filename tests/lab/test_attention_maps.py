"""Attention capture: one record per attention layer, equal to the weights the model used."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated import (
    GPT,
    EncoderDecoder,
    GPTConfig,
    attention_maps,
    get_task,
    record_attention,
)

from ..gpt.strategies import SEEDS, VOCAB, build, gpt_configs, tokens

NAMES = [chr(ord("a") + i) for i in range(VOCAB)]


@given(config=gpt_configs(), seed=SEEDS, data=st.data())
def test_gpt_maps_are_causal_distributions_over_the_input(
    config: GPTConfig, seed: int, data: st.DataObject
) -> None:
    model = build(config, seed, torch.float64)
    x = tokens(1, data.draw(st.integers(1, config.max_len), label="seq"), seed)
    maps = attention_maps(model, x, NAMES)
    assert [(m.stack, m.kind, m.layer) for m in maps] == [
        ("gpt", "self", i) for i in range(1, config.N + 1)
    ]
    for m in maps:
        assert m.weights.shape == (config.h, x.size(1), x.size(1))
        assert m.queries == m.keys == [NAMES[i] for i in x[0].tolist()]
        torch.testing.assert_close(m.weights.sum(-1), torch.ones(config.h, x.size(1)).double())
        assert (m.weights.triu(1) == 0).all()  # a query never reads a later position


def test_each_map_is_the_softmax_of_its_own_layers_queries_and_keys() -> None:
    """Recomputed from each layer's input and projections, without positions, by hand."""
    config = GPTConfig(vocab_size=VOCAB, max_len=8, N=2, h=2, d_model=8, positions="none")
    model = build(config, 0, torch.float64)
    x = tokens(1, 6, 0)
    inputs: list[torch.Tensor] = []
    hooks = [
        b.self_attn.register_forward_pre_hook(lambda _, args: inputs.append(args[0]))
        for b in model.blocks
    ]
    maps = attention_maps(model, x, NAMES)
    for hook in hooks:
        hook.remove()
    for m, h, block in zip(maps, inputs, model.blocks, strict=True):
        mha = block.self_attn
        q = mha.w_q(h).view(1, 6, 2, 4).transpose(1, 2)  # (batch, h, seq, d_k)
        k = mha.w_k(h).view(1, 6, 2, 4).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1) / 2.0).masked_fill(  # sqrt(d_k) = 2
            ~torch.ones(6, 6, dtype=torch.bool).tril(), float("-inf")
        )
        torch.testing.assert_close(m.weights, scores.softmax(-1)[0].detach())


def test_task_maps_label_source_and_decoder_input_and_leave_the_mode_alone() -> None:
    task = get_task("sort")
    v = task.vocab
    torch.manual_seed(0)
    model = EncoderDecoder.from_config(task.config(N=2)).train()
    src = task.source_tensor([["3", "1", "2"]])  # (1, 4) with </s>
    tgt = torch.tensor([[v.start, *v.encode(["1", "2"])]])  # (1, 3)
    maps = attention_maps(model, src, v.tokens, tgt, pad=v.pad)
    assert model.training, "the caller's mode comes back"
    assert [m.title for m in maps] == [
        "enc 1 self-attention", "enc 2 self-attention",
        "dec 1 self-attention", "dec 1 cross-attention",
        "dec 2 self-attention", "dec 2 cross-attention",
    ]  # fmt: skip
    source, read = ["3", "1", "2", "</s>"], ["<s>", "1", "2"]
    for m in maps:
        assert m.queries == (source if m.stack == "encoder" else read)
        assert m.keys == (read if (m.stack, m.kind) == ("decoder", "self") else source)
        assert m.weights.shape == (model.encoder.layers[0].self_attn.h, len(m.queries), len(m.keys))
        torch.testing.assert_close(m.weights.sum(-1), torch.ones(m.weights.shape[:2]))
    with record_attention(model), torch.no_grad():  # the same weights, read by hand
        model.eval()(src, tgt, None, None)
    # without masks the decoder self-attention would read later positions: the maps did not
    assert (maps[2].weights.triu(1) == 0).all()
    assert not (model.decoder.layers[0].self_attn.attn[0].triu(1) == 0).all()
    torch.testing.assert_close(maps[1].weights, model.encoder.layers[1].self_attn.attn[0])


def test_a_map_gives_one_head_and_refuses_others() -> None:
    (m,) = attention_maps(
        GPT(GPTConfig(vocab_size=3, max_len=4, N=1, h=2, d_model=8)), torch.tensor([[0, 1]]), "abc"
    )
    assert torch.equal(m.head(2), m.weights[1])
    with pytest.raises(ValueError, match="head must be from 1 to 2, got 3"):
        m.head(3)


@pytest.mark.parametrize(
    ("target", "tokens_", "message"),
    [
        (None, torch.zeros(2, 3, dtype=torch.long), r"one input \(1, seq\)"),
        (torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 3, dtype=torch.long), "no target"),
    ],
)
def test_gpt_capture_refuses(
    target: torch.Tensor | None, tokens_: torch.Tensor, message: str
) -> None:
    model = GPT(GPTConfig(vocab_size=3, max_len=4, N=1, h=2, d_model=8))
    with pytest.raises(ValueError, match=message):
        attention_maps(model, tokens_, "abc", target)


def test_an_encoder_decoder_needs_its_decoder_input() -> None:
    task = get_task("copy")
    model = EncoderDecoder.from_config(task.config())
    with pytest.raises(ValueError, match="needs its decoder input"):
        attention_maps(model, task.source_tensor([["1"]]), task.vocab.tokens)
