"""Incremental decoding of the encoder-decoder: the cache changes the cost, never the result."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from annotated import (
    EncoderDecoder,
    MultiHeadedAttention,
    beam_search,
    greedy_decode,
    make_model,
    padding_mask,
    subsequent_mask,
)
from annotated._checks import check_token_range
from annotated.decoding import beam
from annotated.decoding.beam import length_penalty

V, START, END, PAD = 7, 1, 2, 0
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
VARIANTS = st.fixed_dictionaries(
    {
        "layout": st.sampled_from(["pre", "post", "sandwich"]),
        "positions": st.sampled_from(["sinusoidal", "learned", "rope", "alibi", "none"]),
        "N": st.integers(1, 2),
    },
)


def random_model(
    seed: int, variant: dict, dtype: torch.dtype = torch.float32, sharpen: float = 4.0
) -> EncoderDecoder:
    """A small random model whose output is sharpened, so that ties are impossible."""
    torch.manual_seed(seed)
    model = make_model(V, V, d_model=16, d_ff=32, h=2, dropout=0.0, max_len=64, **variant)
    model = model.to(dtype).eval()
    with torch.no_grad():
        model.generator.proj.weight.mul_(sharpen)
    return model


def padded_src(seed: int, batch: int = 3, length: int = 6) -> torch.Tensor:
    """Random sources ``(batch, length)`` whose first row is padded at the end."""
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(3, V, (batch, length), generator=g)
    src[0, length // 2 :] = PAD
    return src


def score_of(model: EncoderDecoder, src: torch.Tensor, row: list[int], alpha: float) -> float:
    """Teacher-forced, length-penalised log-probability of one hypothesis (until its end)."""
    seq = row[: row.index(END) + 1] if END in row else row
    tgt = torch.tensor([seq])
    with torch.no_grad():
        out = model(src, tgt[:, :-1], padding_mask(src), subsequent_mask(len(seq) - 1))
        logp = model.generator(out)[0]
    total = float(sum(logp[i, t] for i, t in enumerate(seq[1:])))
    return total / float(length_penalty(torch.tensor(len(seq) - 1), alpha))


@settings(max_examples=12, deadline=None)
@given(variant=VARIANTS, seed=SEEDS, steps=st.integers(1, 9))
def test_decoding_token_by_token_gives_the_full_pass_states(
    variant: dict, seed: int, steps: int
) -> None:
    """Per position, the cached decoder's states equal the full pass's (float64)."""
    model = random_model(seed, variant, torch.float64)
    src = padded_src(seed)
    g = torch.Generator().manual_seed(seed + 1)
    tgt = torch.randint(0, V, (3, steps), generator=g)
    memory = model.encode(src, padding_mask(src))
    with torch.no_grad():
        full = model.decode(memory, padding_mask(src), tgt, subsequent_mask(steps))
        cache = model.make_cache(memory)
        chunks, t = [], 0
        while t < steps:  # uneven chunks: the first may be several tokens (a prompt)
            size = 1 if t else min(2, steps)
            chunks.append(
                model.decode(memory, padding_mask(src), tgt[:, t : t + size], None, cache=cache)
            )
            t += size
    assert_close(torch.cat(chunks, dim=1), full)
    assert all(len(past) == steps for past, _ in cache)
    assert all(len(mem) == src.size(1) for _, mem in cache)  # the memory is never appended


@settings(max_examples=12, deadline=None)
@given(variant=VARIANTS, seed=SEEDS, end=st.booleans())
def test_cached_and_uncached_greedy_give_the_same_tokens(
    variant: dict, seed: int, end: bool
) -> None:
    model, src = random_model(seed, variant), padded_src(seed)
    args = (model, src, padding_mask(src), 12, START, END if end else None, PAD)
    cached = greedy_decode(*args)
    uncached = greedy_decode(*args, cache=False)
    assert torch.equal(cached, uncached)


@settings(max_examples=10, deadline=None)
@given(variant=VARIANTS, seed=SEEDS, k=st.integers(1, 5), alpha=st.sampled_from([0.0, 0.6]))
def test_cached_and_uncached_beam_search_give_the_same_hypotheses(
    variant: dict, seed: int, k: int, alpha: float
) -> None:
    model, src = random_model(seed, variant), padded_src(seed)
    args = (model, src, padding_mask(src), 10, START, END)
    cached = beam_search(*args, beam_size=k, alpha=alpha, pad=PAD)
    uncached = beam_search(*args, beam_size=k, alpha=alpha, pad=PAD, cache=False)
    assert torch.equal(cached.sequences, uncached.sequences)
    assert_close(cached.scores, uncached.scores)


@settings(max_examples=15, deadline=None)
@given(
    variant=VARIANTS,
    seed=SEEDS,
    k=st.integers(2, 5),
    alpha=st.sampled_from([0.0, 0.6, 1.0]),
    max_len=st.integers(2, 10),
)
def test_the_beams_best_never_scores_below_greedy(
    variant: dict, seed: int, k: int, alpha: float, max_len: int
) -> None:
    """Under the beam's own score, its best hypothesis is at least as good as greedy's."""
    model, src = random_model(seed, variant, sharpen=2.0), padded_src(seed)  # close calls
    mask = padding_mask(src)
    greedy = greedy_decode(model, src, mask, max_len, START, END, PAD)
    beams = beam_search(model, src, mask, max_len, START, END, beam_size=k, alpha=alpha, pad=PAD)
    for b in range(src.size(0)):
        s = src[b : b + 1]
        best = score_of(model, s, beams.best[b].tolist(), alpha)
        assert float(beams.scores[b, 0]) == pytest.approx(best, abs=1e-4)
        assert best >= score_of(model, s, greedy[b].tolist(), alpha) - 1e-4


def test_plain_beam_search_can_fall_below_greedy_and_this_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A known case: greedy's prefix is pruned by two that look better, then turn bad."""
    model = random_model(1, {"layout": "pre", "positions": "sinusoidal", "N": 1}, sharpen=2.0)
    src = padded_src(1)[2:]  # (1, src_len), unpadded
    mask = padding_mask(src)
    greedy = score_of(model, src, greedy_decode(model, src, mask, 8, START, END)[0].tolist(), 0)
    ours = beam_search(model, src, mask, 8, START, END, beam_size=2)
    monkeypatch.setattr(beam, "_keep_greedy", lambda c, scores, index, g, lp, f: (scores, index, g))
    plain = beam_search(model, src, mask, 8, START, END, beam_size=2)
    assert float(plain.scores[0, 0]) < greedy - 0.1 < greedy - 1e-4 <= float(ours.scores[0, 0])


@settings(max_examples=10, deadline=None)
@given(variant=VARIANTS, seed=SEEDS, k=st.integers(1, 4), alpha=st.sampled_from([0.0, 0.6]))
def test_batched_beam_search_equals_each_sentence_alone(
    variant: dict, seed: int, k: int, alpha: float
) -> None:
    model, src = random_model(seed, variant), padded_src(seed)
    beams = beam_search(model, src, padding_mask(src), 9, START, END, beam_size=k, alpha=alpha)
    for b in range(src.size(0)):
        alone = src[b : b + 1, src[b] != PAD]  # unpadded: (1, its own length)
        one = beam_search(
            model, alone, padding_mask(alone), 9, START, END, beam_size=k, alpha=alpha
        )
        width = one.sequences.size(-1)  # the batch ran as long as its slowest sentence
        assert torch.equal(beams.sequences[b, :, :width], one.sequences[0])
        assert set(beams.sequences[b, :, width:].flatten().tolist()) <= {PAD}
        assert_close(beams.scores[b], one.scores[0])


def test_cross_attention_reads_its_memory_once() -> None:
    """With a memory cache the key and value projections are not run again."""
    mha = MultiHeadedAttention(2, 8, dropout=0.0)
    memory, y = torch.randn(2, 5, 8), torch.randn(2, 1, 8)
    cache = mha.cache_memory(memory)
    calls = []
    for proj in (mha.w_k, mha.w_v):
        proj.register_forward_hook(lambda *_: calls.append(1))
    for _ in range(3):
        assert_close(mha(y, None, None, cache=cache), mha.eval()(y, memory, memory))
    assert len(calls) == 2 * 3  # the uncached calls only
    assert cache.seen == 5


def test_bad_cache_use_is_rejected() -> None:
    mha = MultiHeadedAttention(2, 8)
    y = torch.randn(1, 1, 8)
    with pytest.raises(ValueError, match="key and value may be None only together"):
        mha(y, None, None)
    with pytest.raises(ValueError, match="without positions or a causal mask"):
        mha(y, None, None, cache=mha.cache_memory(torch.randn(1, 3, 8)), is_causal=True)
    model = random_model(0, {"layout": "pre", "positions": "sinusoidal", "N": 1})
    model.tgt_embed = nn.Embedding(V, 16)  # not the Sequential(Embeddings, positions) it needs
    src = padded_src(0)
    memory = model.encode(src, padding_mask(src))
    cache = model.make_cache(memory)
    model.decode(memory, padding_mask(src), torch.ones(3, 1, dtype=torch.long), None, cache=cache)
    with pytest.raises(ValueError, match="decoding with a cache needs tgt_embed"):
        model.decode(
            memory, padding_mask(src), torch.ones(3, 1, dtype=torch.long), None, cache=cache
        )


def test_token_ids_are_checked_on_the_cpu_only() -> None:
    """The range check reads the ids back, which is free on the CPU and a stall elsewhere."""
    with pytest.raises(ValueError, match=r"token index 10 is out of range: .*\[0, 10\)"):
        check_token_range(torch.tensor([[1, 10]]), 10)
    check_token_range(torch.tensor([[1, 10]], device="meta"), 10)  # not read, so no error
