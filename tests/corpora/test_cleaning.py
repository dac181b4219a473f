"""Normalisation and cleaning: properties that hold for any text."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from annotated.corpora.de_en.cleaning import (
    LENGTH_RATIO,
    LENGTH_SLACK,
    clean,
    lengths_agree,
    normalise,
)

# text with the characters that normalisation touches: quotes, odd spaces, combining marks
TRICKY_CHARACTERS = st.sampled_from(
    list("aäA .\t\n\r\u00a0\u2009\u3000\u00ad\u200b\ufeff\u0308\u0301„“”‚‘’«»'\"")
)
TEXT = st.one_of(st.text(), st.text(TRICKY_CHARACTERS))
PAIRS = st.lists(st.tuples(TEXT, TEXT), max_size=30)
SENTENCE_PAIRS = st.lists(
    st.tuples(
        st.sampled_from(["Ja.", "Nein.", "Gut so.", "Ja. "]),
        st.sampled_from(["Yes.", "No.", "Fine."]),
    ),
    max_size=20,
)


@given(TEXT)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(TEXT)
@example("a\u200b\u0301")  # removing the zero-width space lets the accent compose
def test_normalised_text_is_nfc_with_single_spaces_and_straight_quotes(text: str) -> None:
    out = normalise(text)
    assert unicodedata.is_normalized("NFC", out)
    assert out == out.strip() and "  " not in out
    assert not any(c in out for c in "\t\n\r\u00a0\u200b\ufeff„“”‚‘’«»")


def test_normalise_merges_spellings_of_one_sentence() -> None:
    spellings = ["„Mädchen“ sagt’s.", '"Ma\u0308dchen"  sagt\'s.', "\ufeff«Mädchen» sagt‘s.\n"]
    assert {normalise(s) for s in spellings} == {'"Mädchen" sagt\'s.'}


@given(st.text(max_size=200), st.text(max_size=200))
def test_lengths_agree_is_symmetric_and_matches_its_formula(a: str, b: str) -> None:
    assert lengths_agree(a, b) == lengths_agree(b, a)
    short, long = sorted((len(a), len(b)))
    assert lengths_agree(a, b) == (long <= LENGTH_RATIO * short + LENGTH_SLACK)


@given(PAIRS)
def test_clean_keeps_each_german_once_normalised_and_is_idempotent(
    pairs: list[tuple[str, str]],
) -> None:
    kept = clean(pairs)
    germans = [german for german, _ in kept]
    assert len(germans) == len(set(germans))
    assert all(normalise(g) == g and normalise(e) == e and g and e and g != e for g, e in kept)
    assert clean(kept) == kept


@given(SENTENCE_PAIRS, SENTENCE_PAIRS)
def test_clean_with_seen_drops_what_an_earlier_source_had(
    first: list[tuple[str, str]], second: list[tuple[str, str]]
) -> None:
    seen: set[str] = set()
    earlier = clean(first, seen)
    later = clean(second, seen)
    assert not {g for g, _ in earlier} & {g for g, _ in later}
    assert earlier + later == clean(first + second)
