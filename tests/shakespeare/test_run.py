"""``annotated train shakespeare``: the run directory, the log, the card, determinism, resume."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from annotated import mean_cross_entropy
from annotated.tasks.language_model.corpus import split_corpus
from annotated.tasks.language_model.loading import load_language_model
from annotated.tokenizers.char import CharTokenizer

from .conftest import train
from .interrupt import interrupt_at

LOG_LINE = re.compile(r"^step (\d+): train loss (\d+\.\d{4}), val loss (\d+\.\d{4})$", re.M)


def test_run_writes_checkpoint_card_metrics_and_plots(run_dir: Path, corpus: Path) -> None:
    assert {p.name for p in run_dir.iterdir()} == {
        "model.safetensors", "model.json", "train_state.safetensors", "metrics.json",
        "loss.png", "perplexity.png", "tokens_per_s.png", "lr.png",
    }  # fmt: skip
    card = json.loads((run_dir / "model.json").read_text())
    text = corpus.read_text(encoding="utf-8")
    assert card["architecture"] == "gpt" and card["task"] == "shakespeare"
    assert card["vocab"] == sorted(set(text))  # the tokenizer travels with the weights
    assert card["command"].startswith("annotated train shakespeare --corpus")
    assert card["options"]["loop"]["max_steps"] == 8 and card["steps"]["optimizer_steps"] == 8
    assert set(card["metrics"]) >= {"val_loss", "tokens_per_s", "sample", "parameters"}


def test_final_val_loss_is_the_whole_validation_split(run_dir: Path, corpus: Path) -> None:
    model, tokenizer, card = load_language_model(run_dir)
    val = split_corpus(corpus.read_text(encoding="utf-8"))[1]
    expected = mean_cross_entropy(model, tokenizer.encode_tensor(val))
    assert card["metrics"]["val_loss"] == pytest.approx(expected, rel=1e-6)
    assert card["metrics"]["val_tokens"] == len(val) - 1


def test_eval_split_measures_the_whole_split_at_every_evaluation(
    corpus: Path, run_dir: Path, tmp_path: Path
) -> None:
    assert train(corpus, tmp_path / "run", "--eval-split") == 0
    exact = json.loads((tmp_path / "run" / "metrics.json").read_text())
    estimated = json.loads((run_dir / "metrics.json").read_text())
    last = exact["evals"][-1]
    assert last["step"] == 8
    assert last["val_loss"] == pytest.approx(exact["metrics"]["val_loss"], rel=1e-6)
    assert last["val_loss"] != pytest.approx(estimated["evals"][-1]["val_loss"], rel=1e-6)
    assert last["train_loss"] == estimated["evals"][-1]["train_loss"]  # still the estimate


def test_each_evaluation_logs_the_losses_and_a_sample(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train(corpus, tmp_path / "run") == 0
    out = capsys.readouterr().out
    assert [int(m[0]) for m in LOG_LINE.findall(out)] == [4, 8]
    assert "validation loss:" in out and "tokens/s" in out
    sample = out.split("step 4:")[1].splitlines()[1:3]
    assert all(line.startswith("    ") for line in sample)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [e["step"] for e in metrics["evals"]] == [4, 8]


def test_same_command_same_curve_and_weights(corpus: Path, run_dir: Path, tmp_path: Path) -> None:
    assert train(corpus, tmp_path / "again") == 0
    a = json.loads((run_dir / "metrics.json").read_text())["history"]
    b = json.loads((tmp_path / "again" / "metrics.json").read_text())["history"]
    assert [r["loss"] for r in a] == [r["loss"] for r in b]
    wa, wb = load_language_model(run_dir).model, load_language_model(tmp_path / "again").model
    assert all(torch.equal(p, q) for p, q in zip(wa.parameters(), wb.parameters(), strict=True))


def test_an_interrupted_run_resumes_to_the_same_weights(
    corpus: Path, run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "killed"
    interrupt_at(monkeypatch, 6)  # after the checkpoint of step 4, before that of step 8
    assert train(corpus, out) == 130
    assert json.loads((out / "model.json").read_text())["steps"]["optimizer_steps"] == 4
    assert train(corpus, out, "--resume") == 0
    resumed, whole = load_language_model(out).model, load_language_model(run_dir).model
    assert all(
        torch.equal(p, q) for p, q in zip(resumed.parameters(), whole.parameters(), strict=True)
    )


def test_resume_keeps_options_and_corpus(
    corpus: Path, run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train(corpus, run_dir, "--resume", "--lr", "0.5") == 2
    assert "--lr 0.5 differs from the run's" in capsys.readouterr().err
    text = tmp_path / "plays.txt"
    text.write_text(corpus.read_text(encoding="utf-8"), encoding="utf-8")
    assert train(text, tmp_path / "run", "--max-steps", "4") == 0
    text.write_text(corpus.read_text(encoding="utf-8") + "more", encoding="utf-8")
    capsys.readouterr()
    assert train(text, tmp_path / "run", "--max-steps", "4", "--resume") == 2
    assert "the corpus changed since this run started" in capsys.readouterr().err


def test_an_existing_run_directory_is_not_overwritten(
    corpus: Path, run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train(corpus, run_dir) == 2
    assert "already exists" in capsys.readouterr().err


def test_the_card_rebuilds_the_tokenizer(run_dir: Path) -> None:
    _, tokenizer, card = load_language_model(run_dir)
    assert isinstance(tokenizer, CharTokenizer) and tokenizer.chars == card["vocab"]
    assert tokenizer.decode(tokenizer.encode("ROMEO:")) == "ROMEO:"
