"""GPT-2's tokenizer from a ranks file: the merge rule, GPT-2's pattern, and one-line errors.

The ranks file is written by the tests (:mod:`tests.tokenizers.ranks_file`); nothing is
downloaded, and no real ``gpt2.tiktoken`` is needed.
"""

from __future__ import annotations

import base64
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotated.tokenizers import TiktokenTokenizer
from annotated.tokenizers.tiktoken_ranks import read_ranks
from tests.tokenizers.ranks_file import MERGES, TOKENS, write_ranks

pytest.importorskip("tiktoken")


@pytest.fixture(scope="module")
def ranks_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ranks(tmp_path_factory.mktemp("ranks") / "tiny.tiktoken")


@pytest.fixture(scope="module")
def tok(ranks_path: Path) -> TiktokenTokenizer:
    return TiktokenTokenizer.load(ranks_path)


def merge_by_rank(word: bytes, rank: dict[bytes, int]) -> list[bytes]:
    """The rule from its definition: merge the adjacent pair of lowest rank until none is a token."""
    parts = [bytes([b]) for b in word]
    while True:
        pairs = [(rank[a + b], i) for i, (a, b) in enumerate(pairwise(parts)) if a + b in rank]
        if not pairs:
            return parts
        _, i = min(pairs)
        parts[i : i + 2] = [parts[i] + parts[i + 1]]


@given(word=st.text("theoRmwrigadn", min_size=1, max_size=12))
def test_a_word_is_its_bytes_merged_in_rank_order(tok: TiktokenTokenizer, word: str) -> None:
    rank = {t: r for r, t in enumerate(TOKENS)}
    expected = [rank[p] for p in merge_by_rank(word.encode(), rank)]
    assert tok.encode(word) == expected  # letters only: one pre-token of GPT-2's pattern


def test_gpt2s_pattern_cuts_words_spaces_and_punctuation(tok: TiktokenTokenizer) -> None:
    pieces = [tok.pieces[i] for i in tok.encode("O Romeo, the  thing!")]
    assert pieces[:5] == ["O", " ", "Romeo", ",", " the"]  # "O " is a token, but not a word
    assert "".join(pieces) == "O Romeo, the  thing!"


def test_vocabulary_is_the_ranks_and_endoftext(tok: TiktokenTokenizer) -> None:
    assert tok.vocab_size == len(TOKENS) + 1
    assert tok.pieces[len(TOKENS)] == "<|endoftext|>"
    assert len(tok.encode("<|endoftext|>")) > 1  # typed, it is text
    assert tok.decode([len(TOKENS)]) == "<|endoftext|>"
    with pytest.raises(ValueError, match=f"token id {len(TOKENS) + 1} is out of range"):
        tok.decode([len(TOKENS) + 1])


def test_save_writes_the_ranks_file_format(
    tok: TiktokenTokenizer, ranks_path: Path, tmp_path: Path
) -> None:
    tok.save(tmp_path / "copy.tiktoken")
    assert (tmp_path / "copy.tiktoken").read_bytes() == ranks_path.read_bytes()
    assert read_ranks(tmp_path / "copy.tiktoken") == tok.ranks


def test_a_lone_surrogate_is_a_one_line_error(tok: TiktokenTokenizer) -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        tok.encode("ab\ud800")


def line(token: bytes, rank: int | str) -> bytes:
    return base64.b64encode(token) + f" {rank}\n".encode()


BYTES = b"".join(line(bytes([b]), b) for b in range(256))
BAD_FILES = [
    (b"", "256 of the 256 bytes have no token"),
    (b"not a ranks file\n", "line 1 is not 'BASE64-TOKEN RANK'"),
    (BYTES + b"@@@ 256\n", "line 257 is not 'BASE64-TOKEN RANK'"),
    (BYTES + line(b"th", "x"), "line 257 is not 'BASE64-TOKEN RANK'"),
    (BYTES + line(b"a", 256), "line 257: empty or repeated token"),
    (BYTES + line(b"th", 300), "the ranks are not 0 to n - 1, each once"),
    (b"".join(line(bytes([b]), b) for b in range(255)), "1 of the 256 bytes have no token"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "line 1 is not 'BASE64-TOKEN RANK'"),
]


@pytest.mark.parametrize(("content", "problem"), BAD_FILES)
def test_a_malformed_file_is_a_one_line_error_naming_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "gpt2.tiktoken"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=problem) as error:
        TiktokenTokenizer.load(path)
    assert str(error.value).startswith(f"{path}: ") and "\n" not in str(error.value)


def test_a_missing_file_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"gpt2.tiktoken: no such file \(a tiktoken ranks file"):
        TiktokenTokenizer.load(tmp_path / "gpt2.tiktoken")


def test_the_tiny_file_merges_words_of_the_plays(tok: TiktokenTokenizer) -> None:
    assert [tok.pieces[i] for i in tok.encode("Romeo and the")] == ["Romeo", " and", " the"]
    assert set(MERGES) <= set(tok.ranks)
