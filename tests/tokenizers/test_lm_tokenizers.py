"""The three tokenizers as a language model uses them: one interface, exact round trips.

A language model's tokenizer must give back the text it read, byte for byte (a BPE trained
as ``--tokenizer bpe`` trains it, normalising nothing); the byte-level ones must encode every
string with ids below :math:`V`; the character one every string over its alphabet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated.tasks.language_model.tokenizer import build_tokenizer
from annotated.tokenizers import (
    CharTokenizer,
    SubwordTokenizer,
    TextTokenizer,
    TiktokenTokenizer,
)
from annotated.tokenizers.protocol import decode_stream
from annotated.tokenizers.subword import MIN_VOCAB
from tests.tokenizers.ranks_file import write_ranks

PLAY = (
    "ROMEO:\nBut soft, what light through yonder window breaks?\n\n"
    "JULIET:\nO Romeo, Romeo, wherefore art thou Romeo?\n\n"
    "HAMLET:\nTo be, or not to be, that is the question.\n\n"
) * 20
# any Unicode text: umlauts, combining marks (kept, not composed), emoji, whitespace runs
PIECES = st.characters(codec="utf-8") | st.sampled_from(
    [*"äöüß😀👍🏽 \n\t\r\u00a0\u0301", "u\u0308", "<s>"]
)
TEXT = st.lists(PIECES, max_size=60).map("".join)


@pytest.fixture(scope="module")
def bpe() -> TextTokenizer:
    """The tokenizer ``--tokenizer bpe --bpe-vocab 300`` builds from the training split."""
    return build_tokenizer("bpe", PLAY, PLAY[: len(PLAY) * 9 // 10], 300)


@pytest.fixture(scope="module")
def gpt2_like(tmp_path_factory: pytest.TempPathFactory) -> TextTokenizer:
    path = write_ranks(tmp_path_factory.mktemp("ranks") / "tiny.tiktoken")
    return build_tokenizer(f"tiktoken:{path}", PLAY, PLAY, 0)


@given(text=TEXT)
def test_byte_level_tokenizers_give_back_any_text_exactly(
    bpe: TextTokenizer, gpt2_like: TextTokenizer, text: str
) -> None:
    for tok in (bpe, gpt2_like):
        ids = tok.encode(text)
        assert tok.decode(ids) == text
        assert all(0 <= i < tok.vocab_size for i in ids)


@given(data=st.binary(max_size=80))
def test_every_byte_string_encodes_with_no_unknown_token(
    bpe: TextTokenizer, gpt2_like: TextTokenizer, data: bytes
) -> None:
    """Bytes as Latin-1 text (one character a byte) and, where valid, as UTF-8 text."""
    texts = [data.decode("latin-1"), data.decode("utf-8", errors="replace")]
    for tok in (bpe, gpt2_like):
        for text in texts:
            ids = tok.encode(text)
            assert tok.decode(ids) == text
            assert all(0 <= i < tok.vocab_size for i in ids)


def test_no_token_of_text_is_special(bpe: TextTokenizer) -> None:
    ids = bpe.encode(PLAY + "<pad><s></s>")
    assert min(ids) >= 3  # ids 0, 1, 2 never come from text, however it is spelled


@given(vocab=st.text(min_size=1, max_size=30).filter(lambda s: s.isprintable()), data=st.data())
def test_the_character_tokenizer_gives_back_text_over_its_alphabet(
    vocab: str, data: st.DataObject
) -> None:
    tok = build_tokenizer("char", vocab, vocab, 0)
    text = data.draw(st.text(st.sampled_from(sorted(set(vocab))), max_size=80), label="text")
    ids = tok.encode(text)
    assert tok.decode(ids) == text and all(0 <= i < tok.vocab_size for i in ids)


@given(vocab_size=st.integers(MIN_VOCAB, 600), repeats=st.integers(1, 8))
def test_the_bpe_vocabulary_is_at_most_what_was_asked(vocab_size: int, repeats: int) -> None:
    text = PLAY[: 150 * repeats]
    tok = build_tokenizer("bpe", text, text, vocab_size)
    assert MIN_VOCAB <= tok.vocab_size <= vocab_size
    assert len(tok.pieces) == tok.vocab_size


def test_bpe_is_trained_on_the_training_split_only() -> None:
    train, val = "ab ab ab ab ab ab\n", "zq zq zq zq zq zq\n"
    tok = build_tokenizer("bpe", train + val, train, 300)
    assert "ab" in tok.pieces and "zq" not in tok.pieces  # a merge seen only in validation
    assert tok.decode(tok.encode(val)) == val  # still encodes, byte by byte


def test_every_tokenizer_satisfies_the_interface(
    bpe: TextTokenizer, gpt2_like: TextTokenizer
) -> None:
    char = CharTokenizer.from_text(PLAY)
    for tok in (char, bpe, gpt2_like):
        assert isinstance(tok, TextTokenizer)
        assert len(tok.pieces) == tok.vocab_size
        ids = tok.encode("ROMEO:\nO Romeo")
        tensor = tok.encode_tensor("ROMEO:\nO Romeo")
        assert tensor.dtype == torch.int64 and tensor.tolist() == ids
        assert tok.decode(tensor) == tok.decode(ids) == "ROMEO:\nO Romeo"
        assert "".join(tok.pieces[i] for i in ids) == "ROMEO:\nO Romeo"  # ASCII: whole pieces
    assert isinstance(bpe, SubwordTokenizer) and isinstance(gpt2_like, TiktokenTokenizer)


@given(text=TEXT)
def test_a_stream_of_tokens_decodes_to_the_text_piece_by_piece(
    bpe: TextTokenizer, gpt2_like: TextTokenizer, text: str
) -> None:
    for tok in (bpe, gpt2_like):
        ids = tok.encode(text)
        pieces = list(decode_stream(tok, [torch.tensor([i]) for i in ids]))
        assert "".join(pieces) == text
        assert all(not p.endswith("\ufffd") for p in pieces if "\ufffd" not in text)


def test_a_stream_holds_a_split_character_until_it_is_whole(bpe: TextTokenizer) -> None:
    ids = bpe.encode("😀")  # four bytes no merge of the plays joins
    assert len(ids) > 1
    assert list(decode_stream(bpe, ids)) == ["😀"]
    assert list(decode_stream(bpe, ids[:2])) == [bpe.decode(ids[:2])]  # never completed


def test_a_run_directory_bpe_round_trips_through_its_file(
    bpe: TextTokenizer, tmp_path: Path
) -> None:
    assert isinstance(bpe, SubwordTokenizer)
    bpe.save(tmp_path / "tokenizer.json")
    loaded = SubwordTokenizer.load(tmp_path / "tokenizer.json")
    assert loaded.pieces == bpe.pieces and loaded.encode(PLAY) == bpe.encode(PLAY)
    assert loaded.decode(loaded.encode(" \u0301 u\u0308")) == " \u0301 u\u0308"  # no NFC
