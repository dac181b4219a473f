"""``annotated train shakespeare --optimizer muon``: it trains, and resumes to the same weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from annotated.tasks.language_model.loading import load_language_model

from .conftest import train
from .interrupt import interrupt_at

MUON = (
    "--optimizer", "muon", "--lr", "0.01", "--muon-lr", "0.1",
    "--max-steps", "12", "--eval-interval", "6",
)  # fmt: skip


def test_a_muon_run_lowers_the_loss_and_resumes_exactly(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert train(corpus, whole, *MUON) == 0
    metrics = json.loads((whole / "metrics.json").read_text())
    losses = [r["loss"] for r in metrics["history"]]
    assert sum(losses[-3:]) / 3 < losses[0] - 0.2, losses
    assert json.loads((whole / "model.json").read_text())["options"]["optimizer"] == "muon"
    interrupt_at(monkeypatch, 9)  # after the checkpoint of step 6, before that of step 12
    assert train(corpus, killed, *MUON) == 130
    assert train(corpus, killed, *MUON, "--resume") == 0
    a, b = load_language_model(whole).model, load_language_model(killed).model
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
