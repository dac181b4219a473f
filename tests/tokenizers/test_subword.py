"""Properties of the byte-level BPE tokenizer: round trips, no unknown token, fixed specials."""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, pre_tokenizers

from annotated.tokenizers import SubwordTokenizer
from annotated.tokenizers.subword import BYTE_OF_SYMBOL, MIN_VOCAB
from annotated.training.files import CheckpointError

V = 400
GERMAN = "Wählen Sie eine Linienfarbe aus Grüße für Köln Straße über Mädchen schön".split()
ENGLISH = "Choose a line colour from the menu greetings for the street over girl nice".split()
# any text, with umlauts, emoji, flags, whitespace runs and the specials' spellings mixed in
PIECES = st.characters(codec="utf-8") | st.sampled_from(
    [*"äöüÄÖÜß😀👍🏽🇩🇪 \n\t\u00a0\u0301", "<s>", "</s>"]
)
TEXT = st.lists(PIECES, max_size=40).map("".join)


def corpus(lines: int = 300, seed: int = 0) -> list[str]:
    """Sentences of 3-10 words, half German, half English: a tiny training split."""
    rng = random.Random(seed)
    words = [GERMAN, ENGLISH]
    return [" ".join(rng.choices(words[i % 2], k=rng.randint(3, 10))) + "." for i in range(lines)]


@pytest.fixture(scope="module")
def sentences() -> SubwordTokenizer:
    return SubwordTokenizer.train(corpus(), vocab_size=V)


@pytest.fixture(scope="module")
def verbatim() -> SubwordTokenizer:
    """A language model's tokenizer: whitespace kept as it is."""
    return SubwordTokenizer.train(corpus(), vocab_size=V, collapse_whitespace=False)


@given(text=TEXT)
def test_decode_of_encode_is_the_normalised_text(
    sentences: SubwordTokenizer, verbatim: SubwordTokenizer, text: str
) -> None:
    for tok in (sentences, verbatim):
        normal = tok.normalize(text)
        assert tok.normalize(normal) == normal  # normalising is idempotent
        assert tok.decode(tok.encode(text)) == normal
        assert tok.decode(tok.encode(normal)) == normal


@given(text=TEXT)
def test_no_unknown_or_special_token_for_any_string(sentences: SubwordTokenizer, text: str) -> None:
    ids = sentences.encode(text)
    assert all(3 <= i < sentences.vocab_size for i in ids)  # "<s>" typed is text, not id 1
    assert all(sentences.backend.id_to_token(i) is not None for i in ids)


@pytest.mark.parametrize("call", ["encode", "tokens", "normalize"])
def test_a_lone_surrogate_is_a_one_line_error(sentences: SubwordTokenizer, call: str) -> None:
    with pytest.raises(ValueError, match=r"lone surrogate '\\ud800' at 2, which is not Unicode"):
        getattr(sentences, call)("ab\ud800c")
    with pytest.raises(ValueError, match="lone surrogate"):
        sentences.encode_batch(["fine", "\udfff"])


def test_normalisation_is_nfc_and_collapses_whitespace_or_keeps_it(
    sentences: SubwordTokenizer, verbatim: SubwordTokenizer
) -> None:
    decomposed = "  Gru\u0308\u00dfe\n\n aus\tKo\u0308ln "
    assert sentences.normalize(decomposed) == "Grüße aus Köln"
    assert verbatim.normalize(decomposed) == "  Grüße\n\n aus\tKöln "
    assert verbatim.decode(verbatim.encode("a\n\nb ")) == "a\n\nb "


@given(vocab_size=st.integers(MIN_VOCAB, 700), lines=st.integers(20, 200))
def test_vocabulary_size_is_at_most_v(vocab_size: int, lines: int) -> None:
    tok = SubwordTokenizer.train(corpus(lines, seed=lines), vocab_size=vocab_size)
    assert MIN_VOCAB <= tok.vocab_size <= vocab_size
    assert tok.vocab_size == len(tok.backend.get_vocab())


def test_a_corpus_with_enough_pairs_fills_the_vocabulary() -> None:
    assert SubwordTokenizer.train(corpus(), vocab_size=320).vocab_size == 320


def test_vocabulary_below_the_bytes_is_an_error() -> None:
    with pytest.raises(ValueError, match="vocab_size must be at least 259"):
        SubwordTokenizer.train(corpus(), vocab_size=100)


def test_special_ids_are_fixed_and_dropped_by_decode(sentences: SubwordTokenizer) -> None:
    assert (sentences.pad, sentences.start, sentences.end) == (0, 1, 2)
    assert [sentences.backend.id_to_token(i) for i in range(3)] == ["<pad>", "<s>", "</s>"]
    ids = sentences.encode("Grüße aus Köln.")
    assert sentences.decode([1, *ids, 2, 0, 0]) == "Grüße aus Köln."
    size = sentences.vocab_size
    with pytest.raises(ValueError, match=f"token id {size} is out of range"):
        sentences.decode([*ids, size])
    with pytest.raises(ValueError, match="token id -1 is out of range"):
        sentences.decode([-1])


def test_first_merge_is_the_most_frequent_pair() -> None:
    """The BPE rule: the pair with the highest count is merged first."""
    lines = corpus()
    tok = SubwordTokenizer.train(lines, vocab_size=MIN_VOCAB + 1)
    (merge,) = json.loads(tok.backend.to_str())["model"]["merges"]
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False)
    counts: Counter[tuple[str, str]] = Counter()
    for line in lines:
        for word, _ in pre.pre_tokenize_str(tok.normalize(line)):
            counts.update(pairwise(word))
    assert counts[tuple(merge)] == max(counts.values())


def test_training_is_deterministic() -> None:
    first, second = (SubwordTokenizer.train(corpus(), vocab_size=V) for _ in range(2))
    assert first.backend.to_str() == second.backend.to_str()


@given(texts=st.lists(TEXT, max_size=8))
def test_encode_batch_is_encode_of_each(sentences: SubwordTokenizer, texts: list[str]) -> None:
    assert sentences.encode_batch(texts) == [sentences.encode(t) for t in texts]


@given(text=TEXT)
def test_readable_tokens_join_to_the_normalised_text(
    sentences: SubwordTokenizer, text: str
) -> None:
    pieces = sentences.tokens(text)
    assert len(pieces) == len(sentences.encode(text))
    assert "".join(pieces) == sentences.normalize(text)


def test_readable_tokens_show_spaces_and_umlauts(sentences: SubwordTokenizer) -> None:
    pieces = sentences.tokens("Grüße aus Köln 😀")
    assert "Ġ" not in "".join(pieces) and "Ã" not in "".join(pieces)
    assert any(p.startswith(" ") for p in pieces)
    assert pieces[-1].endswith("😀")  # the emoji's four bytes show once, on its last token


def test_byte_alphabet_is_gpt2s() -> None:
    assert sorted(BYTE_OF_SYMBOL.values()) == list(range(256))
    assert set(BYTE_OF_SYMBOL) == set(pre_tokenizers.ByteLevel.alphabet())
    assert BYTE_OF_SYMBOL["Ġ"] == ord(" ")


@given(text=TEXT)
def test_save_then_load_encodes_identically(
    sentences: SubwordTokenizer, tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    sentences.save(path)
    loaded = SubwordTokenizer.load(path)
    assert loaded.vocab_size == sentences.vocab_size
    assert loaded.encode(text) == sentences.encode(text)
    assert loaded.decode(loaded.encode(text)) == sentences.normalize(text)
    assert [p.name for p in path.parent.iterdir()] == ["tokenizer.json"]  # no temporary left


def test_load_of_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"tokenizer.json: no such file") as error:
        SubwordTokenizer.load(tmp_path / "tokenizer.json")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x80\x04garbage", b'{"version": "1.0"}', b"[1, 2, 3]", "{ä".encode("latin-1")],
)
def test_load_of_a_corrupt_file_is_a_one_line_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=r"tokenizer.json: not a tokenizer.json") as error:
        SubwordTokenizer.load(path)
    assert "\n" not in str(error.value)


def test_load_of_another_kind_of_tokenizer_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_text(Tokenizer(models.WordLevel({"a": 0, "b": 1}, unk_token="b")).to_str())
    with pytest.raises(CheckpointError, match=r"not a byte-level BPE with <pad>, <s>, </s>"):
        SubwordTokenizer.load(path)


def test_a_bpe_that_is_not_byte_level_is_an_error() -> None:
    backend = Tokenizer(models.BPE())
    backend.add_special_tokens(["<pad>", "<s>", "</s>"])
    with pytest.raises(ValueError, match=r"not a byte-level BPE"):
        SubwordTokenizer(backend)


def test_save_into_a_directory_names_the_file(sentences: SubwordTokenizer, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"is a directory; give the file, e.g. .*tokenizer.json"):
        sentences.save(tmp_path)
