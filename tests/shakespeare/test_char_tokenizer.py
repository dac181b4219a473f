"""The character tokenizer's table look-up: the same ids as a dictionary, and the same errors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated.tokenizers import CharTokenizer

VOCAB = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30)


@given(vocab=VOCAB, data=st.data())
def test_encoding_is_the_index_of_each_character(vocab: str, data: st.DataObject) -> None:
    tok = CharTokenizer.from_text(vocab)
    text = data.draw(st.text(st.sampled_from(sorted(set(vocab))), max_size=200), label="text")
    expected = [tok.chars.index(c) for c in text]  # the slow way, from the definition
    ids = tok.encode_tensor(text)
    assert ids.dtype == torch.int64 and ids.shape == (len(text),)
    assert ids.tolist() == tok.encode(text) == expected
    assert tok.decode(ids) == text


@given(vocab=VOCAB, data=st.data())
def test_unknown_characters_are_named_with_their_positions(vocab: str, data: st.DataObject) -> None:
    tok = CharTokenizer.from_text(vocab)
    text = data.draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])), label="text")
    unknown = [(i, c) for i, c in enumerate(text) if c not in tok.chars]
    if not unknown:
        assert tok.encode(text) == [tok.chars.index(c) for c in text]
        return
    shown = ", ".join(f"{c!r} (at {i})" for i, c in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    for encode in (tok.encode, tok.encode_tensor):
        with pytest.raises(ValueError) as error:
            encode(text)
        assert str(error.value) == f"characters not in the vocabulary: {shown}{more}"


def test_characters_past_the_largest_code_point_and_empty_text() -> None:
    tok = CharTokenizer.from_text("ab")
    with pytest.raises(ValueError, match=r"'€' \(at 1\), '😀' \(at 2\)$"):
        tok.encode_tensor("a€😀b")
    assert tok.encode("") == [] and tok.encode_tensor("").shape == (0,)
