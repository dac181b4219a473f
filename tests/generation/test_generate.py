"""Generation: the cached path equals the uncached one at every length, past max_len too."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from annotated import (
    GPT,
    GPTConfig,
    KVCache,
    generate,
    generate_stream,
    next_token_logits,
)

from ..gpt.strategies import SEEDS, build, gpt_configs, tokens


class RollingCache(KVCache):
    """A sliding-window cache (Longformer, Mistral): only the latest ``window`` tokens stay.

    Meaningful with relative positions (RoPE, ALiBi), whose scores depend on distances
    alone; here only to show why generation re-encodes the window instead of rolling.
    """

    def __init__(self, window: int) -> None:
        super().__init__()
        self.window = window

    def append(self, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keys, values = super().append(keys, values)
        self.keys, self.values = keys[..., -self.window :, :], values[..., -self.window :, :]
        return self.keys, self.values


SAMPLING = st.fixed_dictionaries(
    {
        "temperature": st.sampled_from([0.0, 0.7, 1.0, 1.5]),
        "top_k": st.none() | st.integers(1, 6),
        "top_p": st.none() | st.floats(0.3, 1.0),
    }
)


@given(config=gpt_configs(), sampling=SAMPLING, seed=SEEDS, data=st.data())
def test_float64_cached_and_uncached_generate_the_same_tokens(
    config: GPTConfig, sampling: dict, seed: int, data: st.DataObject
) -> None:
    model = build(config, seed, torch.float64)
    prompt = tokens(2, data.draw(st.integers(1, config.max_len + 2), label="prompt"), seed)
    n = config.max_len + 4  # runs past max_len

    def run(use_cache: bool) -> torch.Tensor:
        g = torch.Generator().manual_seed(seed)
        return generate(model, prompt, n, generator=g, use_cache=use_cache, **sampling)

    assert torch.equal(run(True), run(False))


@given(config=gpt_configs(), seed=SEEDS, data=st.data())
def test_float32_cached_logits_agree_at_every_length(
    config: GPTConfig, seed: int, data: st.DataObject
) -> None:
    model = build(config, seed)
    prompt = data.draw(st.integers(1, config.max_len), label="prompt")
    x = tokens(2, config.max_len + 3, seed)
    cache = model.make_cache()
    for t in range(prompt, x.size(1) + 1):
        cached = next_token_logits(model, x[:, :t], cache)
        full = model(x[:, max(0, t - config.max_len) : t])[:, -1]
        # A one-row and a whole-block matmul sum in different orders; without a norm the
        # rounding grows with the logits, so the tolerance is relative to their scale.
        scale = max(1.0, full.abs().max().item())
        assert_close(cached, full, rtol=1e-5, atol=1e-5 * scale)


def test_streaming_yields_what_generate_returns_and_leaves_the_caller_alone() -> None:
    model = build(GPTConfig(vocab_size=11, max_len=6, N=2, h=2, d_model=8), 0)
    model.train()
    prompt = tokens(3, 2, 0)
    stream = generate_stream(model, prompt, 9, generator=torch.Generator().manual_seed(1))
    streamed = []
    for token in stream:
        assert token.shape == (3,) and token.dtype == torch.int64
        assert model.training and torch.is_grad_enabled()  # between two tokens: as before
        streamed.append(token)
    expected = generate(model, prompt, 9, generator=torch.Generator().manual_seed(1))
    assert torch.equal(torch.cat([prompt, torch.stack(streamed, 1)], 1), expected)


def test_batched_greedy_equals_each_row_alone() -> None:
    model = build(GPTConfig(vocab_size=11, max_len=8, N=2, h=2, d_model=8), 0)
    prompts = tokens(4, 3, 0)
    batched = generate(model, prompts, 12, temperature=0)
    for row in range(4):
        assert torch.equal(
            batched[row], generate(model, prompts[row : row + 1], 12, temperature=0)[0]
        )


@pytest.mark.parametrize("positions", ["rope", "alibi", "none"])
def test_a_rolled_cache_is_exact_for_one_layer_only(positions: str) -> None:
    """Why the cache re-encodes past max_len: rolling it is exact for one layer, not two."""
    block, length = 4, 10
    x = tokens(1, length, 0)
    errors = []
    for N in (1, 2):
        config = GPTConfig(11, block, N, h=2, d_model=8, positions=positions)
        model = build(config, 0, torch.float64)
        rolled: list[KVCache] = [RollingCache(block) for _ in range(N)]
        logits = torch.cat([model(x[:, t : t + 1], cache=rolled) for t in range(length)], dim=1)
        cropped = torch.stack(
            [model(x[:, max(0, t - block + 1) : t + 1])[:, -1] for t in range(length)], 1
        )
        errors.append((logits - cropped).abs().max().item())
        assert_close(logits[:, :block], cropped[:, :block])  # identical until the window slides
    assert errors[0] < 1e-12 < errors[1]


def test_a_prompt_longer_than_block_size_is_cropped() -> None:
    model = build(GPTConfig(vocab_size=11, max_len=4, N=1, h=2, d_model=8), 0)
    prompt = tokens(1, 9, 0)
    out = generate(model, prompt, 1, temperature=0)
    assert torch.equal(out[:, :9], prompt)
    assert out[0, -1] == model(prompt[:, -4:])[0, -1].argmax()
    assert torch.equal(generate(model, prompt, 0), prompt)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda m: list(generate_stream(m, torch.zeros(1, 0, dtype=torch.long), 1)),
            "at least one",
        ),
        (lambda m: list(generate_stream(m, torch.zeros(1, 1, dtype=torch.long), -1)), ">= 0"),
        (lambda m: generate(m, torch.zeros(2, dtype=torch.long), 1), r"\(batch, seq\)"),
    ],
)
def test_generation_rejects(call: object, message: str) -> None:
    model = GPT(GPTConfig(vocab_size=11, max_len=4, N=1, h=2, d_model=8))
    with pytest.raises(ValueError, match=message):
        call(model)  # type: ignore[operator]


def test_next_token_logits_needs_new_tokens_for_its_cache() -> None:
    model = GPT(GPTConfig(vocab_size=11, max_len=4, N=1, h=2, d_model=8))
    cache = model.make_cache()
    next_token_logits(model, tokens(1, 2, 0), cache)
    with pytest.raises(ValueError, match="must add at least one"):
        next_token_logits(model, tokens(1, 2, 0), cache)
