"""Greedy decoding and beam search against independent computations."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from annotated import (
    EncoderDecoder,
    beam_search,
    greedy_decode,
    make_model,
    padding_mask,
    subsequent_mask,
)
from annotated.decoding.beam import length_penalty

V, START, END, PAD = 6, 1, 2, 0
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


def random_model(seed: int, vocab: int = V) -> EncoderDecoder:
    torch.manual_seed(seed)
    model = make_model(vocab, vocab, N=1, d_model=16, d_ff=32, h=2, dropout=0.0).eval()
    with torch.no_grad():  # sharpen the output so that ties are impossible and search matters
        model.generator.proj.weight.mul_(4.0)
    return model


def random_src(seed: int, batch: int = 3, length: int = 5) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(3, V, (batch, length), generator=g)
    src[0, length - 2 :] = PAD  # one row padded
    return src


def one_by_one(model: EncoderDecoder, src: torch.Tensor, max_len: int) -> list[int]:
    """The original Annotated Transformer's greedy loop, for one unpadded sequence."""
    memory = model.encode(src, padding_mask(src))
    ys = torch.tensor([[START]])
    for _ in range(max_len - 1):
        out = model.decode(memory, padding_mask(src), ys, subsequent_mask(ys.size(1)))
        ys = torch.cat([ys, model.generator(out[:, -1]).argmax(-1, keepdim=True)], dim=1)
    return ys[0].tolist()


def log_prob(model: EncoderDecoder, src: torch.Tensor, seq: list[int]) -> float:
    """Teacher-forced log-probability of ``seq`` (after the start symbol) given ``src``."""
    tgt = torch.tensor([seq])
    with torch.no_grad():
        out = model(src, tgt[:, :-1], padding_mask(src), subsequent_mask(len(seq) - 1))
        logp = model.generator(out)[0]
    return float(sum(logp[i, t] for i, t in enumerate(seq[1:])))


@settings(max_examples=10)
@given(SEEDS)
def test_batched_greedy_matches_decoding_each_row_alone(seed: int) -> None:
    model, src = random_model(seed), random_src(seed)
    ys = greedy_decode(model, src, padding_mask(src), max_len=6, start_symbol=START)
    for row, s in zip(ys.tolist(), src, strict=True):
        assert row == one_by_one(model, s[s != PAD].unsqueeze(0), 6)


@settings(max_examples=10)
@given(SEEDS)
def test_greedy_stops_at_the_end_symbol_and_pads_after(seed: int) -> None:
    model, src = random_model(seed), random_src(seed)
    free = greedy_decode(model, src, padding_mask(src), 7, START)
    ys = greedy_decode(model, src, padding_mask(src), 7, START, end_symbol=END, pad=PAD)
    for full, row in zip(free.tolist(), ys.tolist(), strict=True):
        cut = full.index(END) + 1 if END in full else len(full)
        assert row[:cut] == full[:cut] and set(row[cut:]) <= {PAD}


@settings(max_examples=10)
@given(SEEDS)
def test_beam_size_one_is_greedy(seed: int) -> None:
    model, src = random_model(seed), random_src(seed)
    greedy = greedy_decode(model, src, padding_mask(src), 7, START, end_symbol=END)
    beams = beam_search(model, src, padding_mask(src), 7, START, END, beam_size=1)
    assert torch.equal(beams.best, greedy)


def until_end(row: list[int]) -> list[int]:
    """A hypothesis without the padding after its end (a pad *before* it is a real token)."""
    return row[: row.index(END) + 1] if END in row else row


def exhaustive_best(
    model: EncoderDecoder, src: torch.Tensor, max_len: int, alpha: float
) -> tuple[list[int], float]:
    """The best hypothesis by enumeration: every sequence that ends with END, or is max_len long."""
    best, score = None, -math.inf
    for n in range(1, max_len):
        for tail in itertools.product(range(V), repeat=n):
            if END in tail[:-1] or (tail[-1] != END and n < max_len - 1):
                continue
            seq = [START, *tail]
            s = log_prob(model, src, seq) / float(length_penalty(torch.tensor(n), alpha))
            if s > score:
                best, score = seq, s
    assert best is not None
    return best, score


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_beam_as_wide_as_the_search_space_finds_the_best_sequence(
    seed: int, alpha: float
) -> None:
    # with V = 6 tokens and 3 steps, 6 ** 3 beams keep every hypothesis
    model, src = random_model(seed), random_src(seed, batch=1)
    beams = beam_search(model, src, padding_mask(src), 4, START, END, beam_size=V**3, alpha=alpha)
    seq, score = exhaustive_best(model, src, 4, alpha)
    found = until_end(beams.best[0].tolist())
    assert found == seq and float(beams.scores[0, 0]) == pytest.approx(score, abs=1e-4)


@settings(max_examples=10)
@given(SEEDS, st.integers(min_value=2, max_value=5), st.sampled_from([0.0, 0.6]))
def test_beam_scores_are_the_sequences_penalised_log_probabilities(
    seed: int, k: int, alpha: float
) -> None:
    model, src = random_model(seed), random_src(seed)
    beams = beam_search(model, src, padding_mask(src), 6, START, END, beam_size=k, alpha=alpha)
    assert beams.sequences.shape[:2] == (3, k)
    assert (beams.scores[:, :-1] >= beams.scores[:, 1:]).all()  # best first
    for b in range(3):
        s = src[b][src[b] != PAD].unsqueeze(0)
        for j in range(k):
            seq = until_end(beams.sequences[b, j].tolist())
            expected = log_prob(model, s, seq) / float(
                length_penalty(torch.tensor(len(seq) - 1), alpha)
            )
            assert float(beams.scores[b, j]) == pytest.approx(expected, abs=1e-4)


def test_search_rejects_bad_arguments() -> None:
    model, src = random_model(0), random_src(0)
    with pytest.raises(ValueError, match="max_len"):
        greedy_decode(model, src, padding_mask(src), 0, START)
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(model, src, padding_mask(src), 5, START, END, beam_size=0)
