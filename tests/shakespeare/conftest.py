"""A tiny corpus and a tiny run shared by the Shakespeare tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated.cli import main

LINES = [
    "ROMEO:\nBut soft, what light through yonder window breaks?\n",
    "JULIET:\nO Romeo, Romeo, wherefore art thou Romeo?\n",
    "HAMLET:\nTo be, or not to be, that is the question.\n",
    "MACBETH:\nTomorrow, and tomorrow, and tomorrow.\n",
]
TINY = [
    "--n-layer", "1", "--n-head", "2", "--d-model", "16", "--block-size", "16",
    "--batch-size", "4", "--max-steps", "8", "--warmup", "2", "--eval-interval", "4",
    "--eval-iters", "2", "--device", "cpu", "--quiet",
]  # fmt: skip


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "plays.txt"
    path.write_text("\n".join(LINES[i % 3 + (i % 7 == 0)] for i in range(60)), encoding="utf-8")
    return path


def train(corpus: Path, out: Path, *extra: str) -> int:
    """``annotated train shakespeare`` on the tiny corpus with a tiny model."""
    return main(["train", "shakespeare", "--corpus", str(corpus), *TINY, "--out", str(out), *extra])


@pytest.fixture(scope="session")
def run_dir(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shakespeare") / "run"
    assert train(corpus, out) == 0
    return out
