"""A Lab run on BPE subwords: the LM task's tokenizer, its pieces everywhere, loss per character."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from annotated.lab import LabRun, export_run, respond, run_attention
from annotated.lab.data import make_data
from annotated.tasks import load_language_model
from annotated.tokenizers import SubwordTokenizer
from tests.lab.helpers import TINY_GPT, gpt_data, tiny

BPE = tiny(TINY_GPT, max_steps=3, tokenizer="bpe", bpe_vocab=512)
LINE = "To be, or not to be, that is the question"


@pytest.fixture(scope="module")
def run() -> LabRun:
    """Three steps on the default corpus read by a 512-token BPE (about 5 s to build)."""
    run = LabRun(BPE)
    assert run.start().wait(120) and run.status == "finished", run.error
    return run


def test_the_run_reads_a_bpe_of_the_training_split(run: LabRun) -> None:
    tokenizer = run.data.tokenizer  # type: ignore[attr-defined]
    assert isinstance(tokenizer, SubwordTokenizer) and tokenizer.vocab_size <= BPE.bpe_vocab
    assert run.data.tokens == tokenizer.pieces
    assert run.model.config.vocab_size == tokenizer.vocab_size  # type: ignore[union-attr]
    assert make_data(BPE).tokenizer is tokenizer  # trained once per vocabulary, then shared


def test_samples_decode_and_attention_is_labelled_with_the_pieces(run: LabRun) -> None:
    text = respond(run, "ROMEO:", length=30, seed=2)
    assert text.startswith("ROMEO:") and text == respond(run, "ROMEO:", length=30, seed=2)
    tokenizer = run.data.tokenizer  # type: ignore[attr-defined]
    pieces = [tokenizer.pieces[i] for i in tokenizer.encode(LINE)]
    assert "".join(pieces) == LINE and len(pieces) < len(LINE)  # some pieces span characters
    maps = run_attention(run, LINE)
    assert len(maps) == BPE.N
    assert all(m.queries == pieces and m.keys == pieces for m in maps)


def test_bits_per_character_compare_a_bpe_run_with_a_char_run(run: LabRun) -> None:
    bpe = run.summary()
    # a BPE token spells more than one character: fewer bits per character than per token
    assert 0 < bpe["val_bpc"] < bpe["val_loss"] / math.log(2)
    char_run = LabRun(tiny(TINY_GPT, max_steps=3), data=gpt_data(TINY_GPT))
    assert char_run.start().wait(120)
    char = char_run.summary()  # one token a character: bits per character = nats / ln 2
    assert char["val_bpc"] == pytest.approx(char["val_loss"] / math.log(2), abs=1e-3)
    task = LabRun(tiny(BPE, task="copy", max_steps=2, warmup=0))
    assert task.start().wait(120) and task.summary()["val_bpc"] is None  # symbols, not text


def test_an_export_loads_with_its_tokenizer(run: LabRun, tmp_path: Path) -> None:
    files = export_run(run, tmp_path)
    assert files["tokenizer"].name == "tokenizer.json"
    loaded = load_language_model(files["weights"])
    assert loaded.card["vocab"] is None and loaded.card["tokenizer"]["kind"] == "bpe"
    assert loaded.tokenizer.pieces == run.data.tokens
