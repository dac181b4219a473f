"""``--tokenizer bpe`` and ``--tokenizer tiktoken:PATH``: the file beside the checkpoint, the
card's record of it, resume, generation, and the one-line errors."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest
import torch

from annotated import mean_cross_entropy
from annotated.cli import main
from annotated.tasks.language_model.corpus import split_corpus
from annotated.tasks.language_model.loading import load_language_model
from annotated.tokenizers import SubwordTokenizer, TiktokenTokenizer
from annotated.training.files import CheckpointError
from tests.tokenizers.ranks_file import write_ranks

from .conftest import TINY, train
from .interrupt import interrupt_at

BPE = ("--tokenizer", "bpe", "--bpe-vocab", "300")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bpe_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bpe") / "run"
    assert train(corpus, out, *BPE) == 0
    return out


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("tiktoken")
    return write_ranks(tmp_path_factory.mktemp("ranks") / "gpt2.tiktoken")


def test_a_bpe_run_keeps_its_tokenizer_beside_the_checkpoint(bpe_run: Path, corpus: Path) -> None:
    assert (bpe_run / "tokenizer.json").is_file()
    card = json.loads((bpe_run / "model.json").read_text())
    assert card["tokenizer"] == {
        "kind": "bpe", "file": "tokenizer.json", "sha256": sha256(bpe_run / "tokenizer.json"),
    }  # fmt: skip
    assert card["vocab"] is None and card["options"]["tokenizer"] == "bpe"
    model, tokenizer, _ = load_language_model(bpe_run)
    assert isinstance(tokenizer, SubwordTokenizer)
    assert model.config.vocab_size == tokenizer.vocab_size <= 300
    train_text, _ = split_corpus(corpus.read_text(encoding="utf-8"))
    trained_on_train = SubwordTokenizer.train(
        [train_text], 300, collapse_whitespace=False, nfc=False
    )
    assert tokenizer.backend.to_str() == trained_on_train.backend.to_str()


def test_bits_per_character_is_the_whole_validation_split_per_character(
    bpe_run: Path, run_dir: Path, corpus: Path
) -> None:
    val = split_corpus(corpus.read_text(encoding="utf-8"))[1]
    for run in (bpe_run, run_dir):
        model, tokenizer, _ = load_language_model(run)
        ids = tokenizer.encode_tensor(val)
        nats = mean_cross_entropy(model, ids) * (ids.numel() - 1)
        chars = len(val) - len(tokenizer.decode(ids[:1]))  # the first token is only read
        metrics = json.loads((run / "metrics.json").read_text())["metrics"]
        assert metrics["val_characters"] == chars and metrics["val_tokens"] == ids.numel() - 1
        assert metrics["val_bpc"] == pytest.approx(nats / (math.log(2) * chars), rel=1e-9)
    char = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert char["val_bpc"] == pytest.approx(char["val_loss"] / math.log(2), rel=1e-12)
    bpe = json.loads((bpe_run / "metrics.json").read_text())["metrics"]
    assert bpe["val_characters"] > bpe["val_tokens"]  # subwords: several characters a token


def test_any_prompt_encodes_and_generates_with_bpe(
    bpe_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = "Zounds ☃ 😀 {ROMEO}"
    capsys.readouterr()
    assert main(["generate", str(bpe_run), "--prompt", prompt, "--max-new-tokens", "30"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(prompt) and len(out) > len(prompt) + 1


def test_a_prompt_outside_the_characters_stays_an_error(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["generate", str(run_dir), "--prompt", "ROMEO{"]) == 2
    err = capsys.readouterr().err
    assert "characters not in the vocabulary: '{' (at 5)" in err and err.count("\n") == 1


def test_an_interrupted_bpe_run_resumes_with_its_tokenizer_to_the_same_weights(
    corpus: Path, bpe_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "killed"
    interrupt_at(monkeypatch, 6)
    assert train(corpus, out, *BPE) == 130
    before = (out / "tokenizer.json").read_bytes()
    trains = []
    monkeypatch.setattr(SubwordTokenizer, "train", lambda *a, **k: trains.append(a))
    assert train(corpus, out, "--resume") == 0
    assert trains == [] and (out / "tokenizer.json").read_bytes() == before  # loaded, kept
    resumed, whole = load_language_model(out).model, load_language_model(bpe_run).model
    assert all(
        torch.equal(p, q) for p, q in zip(resumed.parameters(), whole.parameters(), strict=True)
    )


def test_a_replaced_or_missing_tokenizer_file_is_a_one_line_error(
    corpus: Path, bpe_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    for f in bpe_run.iterdir():
        (run / f.name).write_bytes(f.read_bytes())
    other = SubwordTokenizer.train(["something else entirely"] * 5, 300, collapse_whitespace=False)
    other.save(run / "tokenizer.json")
    with pytest.raises(CheckpointError, match=r"tokenizer.json: does not match the SHA-256"):
        load_language_model(run)
    capsys.readouterr()
    assert train(corpus, run, "--resume") == 2
    assert "does not match the SHA-256" in capsys.readouterr().err
    (run / "tokenizer.json").unlink()
    with pytest.raises(CheckpointError, match=r"model.json: its bpe tokenizer .* is missing"):
        load_language_model(run)


def test_a_tiktoken_run_copies_the_ranks_file_and_records_where_it_came_from(
    corpus: Path, ranks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert train(corpus, out, "--tokenizer", f"tiktoken:{ranks}") == 0
    card = json.loads((out / "model.json").read_text())
    assert card["tokenizer"] == {
        "kind": "tiktoken", "file": "tokenizer.tiktoken", "sha256": sha256(ranks),
        "path": str(ranks.resolve()), "source_sha256": sha256(ranks),
    }  # fmt: skip
    model, tokenizer, _ = load_language_model(out)
    assert isinstance(tokenizer, TiktokenTokenizer) and model.config.vocab_size == 278
    ranks.rename(ranks.with_suffix(".moved"))  # the run directory alone generates text
    try:
        capsys.readouterr()
        assert main(["generate", str(out), "--prompt", "Romeo ☃", "--max-new-tokens", "9"]) == 0
        assert capsys.readouterr().out.startswith("Romeo ☃")
    finally:
        ranks.with_suffix(".moved").rename(ranks)


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("tiktoken:{missing}", "gpt2.tiktoken: no such file (a tiktoken ranks file"),
        ("tiktoken:{bad}", "bad.tiktoken: not a tiktoken ranks file (line 1 is not"),
        ("tiktoken:", "--tokenizer 'tiktoken:': choose char, bpe or tiktoken:PATH"),
        ("words", "--tokenizer 'words': choose char, bpe or tiktoken:PATH"),
    ],
)
def test_a_bad_tokenizer_is_a_one_line_error_and_no_run(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], choice: str, message: str
) -> None:
    pytest.importorskip("tiktoken")
    (tmp_path / "bad.tiktoken").write_text("hello world\n", encoding="utf-8")
    choice = choice.format(missing=tmp_path / "gpt2.tiktoken", bad=tmp_path / "bad.tiktoken")
    status = main(["train", "shakespeare", "--corpus", str(corpus), *TINY,
                   "--out", str(tmp_path / "r"), "--tokenizer", choice])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and message in err and err.count("\n") == 1, err
    assert err.startswith("annotated train: error: ")
    assert not (tmp_path / "r").exists()


def test_a_bpe_vocabulary_below_the_bytes_is_an_error(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train(corpus, tmp_path / "r", "--tokenizer", "bpe", "--bpe-vocab", "100") == 2
    assert "--bpe-vocab 100 is below 259" in capsys.readouterr().err


def test_resume_keeps_the_tokenizer(
    corpus: Path, bpe_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert train(corpus, bpe_run, "--resume", "--tokenizer", "char") == 2
    assert "--tokenizer char differs from the run's bpe" in capsys.readouterr().err
