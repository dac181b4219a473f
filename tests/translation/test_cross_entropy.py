"""The validation loss: teacher-forced cross-entropy that padding and batching cannot change."""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from annotated import EncoderDecoder, TransformerConfig
from annotated.tasks.translation.data import evaluation_batches
from annotated.tasks.translation.evaluation import cross_entropy

VOCAB = 20
PAIR = st.tuples(
    st.lists(st.integers(3, VOCAB - 1), min_size=1, max_size=12),
    st.lists(st.integers(3, VOCAB - 1), min_size=1, max_size=12),
)
SPECIAL = {"pad": 0, "start": 1, "end": 2}


def small_model() -> EncoderDecoder:
    torch.manual_seed(0)
    config = TransformerConfig(
        src_vocab=VOCAB, tgt_vocab=VOCAB, N=1, d_model=16, d_ff=32, h=2, dropout=0.5
    )
    return EncoderDecoder.from_config(config).double()


MODEL = small_model()


@settings(max_examples=30, deadline=None)
@given(st.lists(PAIR, min_size=1, max_size=10), st.integers(1, 200))
def test_padding_and_batching_do_not_change_the_loss(pairs: list, max_tokens: int) -> None:
    alone = cross_entropy(MODEL, evaluation_batches(pairs, 1, **SPECIAL))  # no padding at all
    batched = cross_entropy(MODEL, evaluation_batches(pairs, max_tokens, **SPECIAL))
    assert math.isclose(alone, batched, rel_tol=1e-9)


def test_dropout_is_off_and_the_mode_comes_back() -> None:
    batches = evaluation_batches([([3, 4, 5], [6, 7]), ([8], [9, 10, 11])], 50, **SPECIAL)
    MODEL.train()
    first, second = cross_entropy(MODEL, batches), cross_entropy(MODEL, batches)
    assert first == second and MODEL.training
    MODEL.eval()
    assert cross_entropy(MODEL, batches) == first and not MODEL.training


def test_it_is_the_mean_negative_log_probability_of_the_reference_tokens() -> None:
    pair = ([3, 4], [5, 6, 7])  # targets in: <s> 5 6 7; out: 5 6 7 </s>
    (batch,) = evaluation_batches([pair], 50, **SPECIAL)
    MODEL.eval()
    with torch.no_grad():
        logp = MODEL.generator(MODEL(batch.src, batch.tgt, batch.src_mask, batch.tgt_mask))[0]
    by_hand = -sum(float(logp[t, y]) for t, y in enumerate([5, 6, 7, 2])) / 4
    assert math.isclose(cross_entropy(MODEL, [batch]), by_hand, rel_tol=1e-12)
