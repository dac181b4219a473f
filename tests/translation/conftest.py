"""A tiny German-English corpus and a tiny translation run shared by the translation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated.cli import main

WORDS = {
    "der Hund": "the dog", "die Katze": "the cat", "das Haus": "the house",
    "ein Mann": "a man", "eine Frau": "a woman", "das Kind": "the child",
}  # fmt: skip
VERBS = {"sieht": "sees", "mag": "likes", "sucht": "looks for"}
TINY = [
    "--n-layer", "1", "--n-head", "2", "--d-model", "32", "--d-ff", "64", "--vocab-size", "300",
    "--max-tokens", "200", "--max-steps", "8", "--warmup", "4", "--eval-interval", "4",
    "--val-sentences", "8", "--device", "cpu", "--quiet",
]  # fmt: skip


def sentence_pairs() -> list[tuple[str, str]]:
    """Every ``subject verb object.`` sentence of the tiny grammar, German and English."""
    return [
        (_capitalised(f"{s} {v} {o}."), _capitalised(f"{es} {ev} {eo}."))
        for s, es in WORDS.items()
        for v, ev in VERBS.items()
        for o, eo in WORDS.items()
        if s != o
    ]


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus folder built by ``annotated data de-en --pairs`` from the tiny grammar."""
    root = tmp_path_factory.mktemp("de-en")
    tsv = root / "pairs.tsv"
    tsv.write_text("".join(f"{de}\t{en}\n" for de, en in sentence_pairs()), encoding="utf-8")
    assert (
        main(["data", "de-en", "--pairs", str(tsv), "--out", str(root / "corpus"), "--quiet"]) == 0
    )
    return root / "corpus"


def train(corpus: Path, out: Path, *extra: str) -> int:
    """``annotated train translate`` on the tiny corpus with a tiny model."""
    return main(["train", "translate", "--corpus", str(corpus), *TINY, "--out", str(out), *extra])


@pytest.fixture(scope="session")
def run_dir(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("translate") / "run"
    assert train(corpus, out) == 0
    return out
