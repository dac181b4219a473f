"""BLEU and chrF: sacrebleu's scores against the formulas computed by hand, in the right order."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotated.tasks.translation.scoring import corpus_scores

WORDS = st.sampled_from("the cat sat on a mat dog Katze saß auf der Matte".split())
SENTENCE = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
LONG_SENTENCE = st.lists(WORDS, min_size=4, max_size=12).map(" ".join)  # has a 4-gram


def ngrams(items: list[str] | str, n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(items[i : i + n]) for i in range(len(items) - n + 1))


def bleu_by_hand(hypotheses: list[str], references: list[str]) -> float:
    """BP times the geometric mean of the pooled clipped precisions, n = 1..4 (no smoothing)."""
    matches, totals = [0] * 4, [0] * 4
    for hyp, ref in zip(hypotheses, references, strict=True):
        for n in range(1, 5):
            h, r = ngrams(hyp.split(), n), ngrams(ref.split(), n)
            matches[n - 1] += sum(min(count, r[g]) for g, count in h.items())
            totals[n - 1] += sum(h.values())
    c = sum(len(h.split()) for h in hypotheses)
    r = sum(len(ref.split()) for ref in references)
    bp = min(1.0, math.exp(1 - r / c))
    logs = [math.log(m / t) for m, t in zip(matches, totals, strict=True)]
    return 100 * bp * math.exp(sum(logs) / 4)


def chrf_by_hand(hypotheses: list[str], references: list[str], beta: float = 2.0) -> float:
    """F_beta of character 1..6-gram precision and recall, averaged over the orders present.

    As sacrebleu (and chrF++.py) do, a hypothesis's n-grams do not count where its reference
    has no n-gram of that order (a reference shorter than n characters).
    """
    precisions, recalls = [], []
    for n in range(1, 7):
        match = hyp_total = ref_total = 0
        for hyp, ref in zip(hypotheses, references, strict=True):
            h, r = ngrams(hyp.replace(" ", ""), n), ngrams(ref.replace(" ", ""), n)
            match += sum((h & r).values())
            hyp_total += sum(h.values()) if r else 0
            ref_total += sum(r.values())
        if hyp_total and ref_total:
            precisions.append(match / hyp_total)
            recalls.append(match / ref_total)
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    return 100 * (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0


def test_bleu_of_a_hand_made_pair() -> None:
    # shared n-grams: 5 of 6 unigrams ("the" clipped to one), 3 of 5 bigrams, 2 of 4
    # trigrams, 1 of 3 four-grams; equal lengths, so BP = 1
    scores = corpus_scores(["the cat sat on the mat"], ["the cat sat on a mat"])
    expected = 100 * (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** (1 / 4)
    assert scores.bleu == pytest.approx(expected) == pytest.approx(53.728, abs=1e-3)
    assert scores.chrf == pytest.approx(
        chrf_by_hand(["the cat sat on the mat"], ["the cat sat on a mat"])
    )


def test_brevity_penalty_and_the_order_of_the_arguments() -> None:
    """BLEU is not symmetric: swapping hypothesis and reference must change the score."""
    short, full = "the cat sat on the", "the cat sat on the mat"
    # every n-gram of the short hypothesis matches; it is one word short: BP = e^(1 - 6/5)
    assert corpus_scores([short], [full]).bleu == pytest.approx(100 * math.exp(1 - 6 / 5))
    # swapped: BP = 1, precisions 5/6 ("the" twice in both), 4/5, 3/4, 2/3
    swapped = 100 * (5 / 6 * 4 / 5 * 3 / 4 * 2 / 3) ** (1 / 4)
    assert corpus_scores([full], [short]).bleu == pytest.approx(swapped)
    assert abs(swapped - 100 * math.exp(1 - 6 / 5)) > 5


def test_bleu_pools_counts_over_the_corpus() -> None:
    hypotheses = ["the cat sat on the mat", "the dog sat on a mat today"]
    references = ["the cat sat on the mat", "the dog sat on a red mat"]
    pooled = corpus_scores(hypotheses, references).bleu
    assert pooled == pytest.approx(bleu_by_hand(hypotheses, references))
    pairs = zip(hypotheses, references, strict=True)
    mean = sum(corpus_scores([h], [r]).bleu for h, r in pairs) / 2
    assert abs(pooled - mean) > 1  # not the mean of the sentence BLEUs (100 and 64.3)


@given(pairs=st.lists(st.tuples(SENTENCE, SENTENCE), min_size=1, max_size=6))
def test_chrf_is_the_formula(pairs: list[tuple[str, str]]) -> None:
    hypotheses, references = [h for h, _ in pairs], [r for _, r in pairs]
    chrf = corpus_scores(hypotheses, references).chrf
    assert chrf == pytest.approx(chrf_by_hand(hypotheses, references))
    assert 0 <= chrf <= 100


@given(sentences=st.lists(LONG_SENTENCE, min_size=1, max_size=6))
def test_identical_sentences_score_100(sentences: list[str]) -> None:
    scores = corpus_scores(sentences, list(sentences))
    assert scores.bleu == pytest.approx(100) and scores.chrf == pytest.approx(100)


def test_empty_hypotheses_score_zero_and_lower_a_corpus() -> None:
    references = ["the cat sat on a mat", "the dog sat on the mat"]
    nothing = corpus_scores(["", ""], references)
    assert (nothing.bleu, nothing.chrf) == (0.0, 0.0)
    one_empty = corpus_scores(["the cat sat on a mat", ""], references)
    assert 0 < one_empty.bleu < 100 and 0 < one_empty.chrf < 100
    # half the words are missing: the brevity penalty e^(1 - 12/6) scales perfect precision
    assert one_empty.bleu == pytest.approx(100 * math.exp(1 - 12 / 6))


def test_scores_are_frozen_and_signatures_name_13a_and_the_chrf_settings() -> None:
    scores = corpus_scores(["the cat sat on the mat"], ["the cat sat on a mat"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        scores.bleu = 100.0  # type: ignore[misc]
    assert "nrefs:1" in scores.bleu_signature and "tok:13a" in scores.bleu_signature
    assert "nc:6" in scores.chrf_signature and "nw:0" in scores.chrf_signature


@pytest.mark.parametrize(
    ("hypotheses", "references", "message"),
    [
        (["a", "b"], ["a"], "2 hypotheses for 1 references: give one reference per hypothesis"),
        ([], [], "no sentences to score"),
        ("the cat", ["the cat"], "hypotheses must be a list of sentences, not one string"),
        (["the cat"], "the cat", "references must be a list of sentences, not one string"),
        ([None], ["the cat"], "hypotheses must all be strings"),
    ],
)
def test_bad_input_is_a_one_line_value_error(
    hypotheses: list[str], references: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as error:
        corpus_scores(hypotheses, references)
    assert "\n" not in str(error.value)
