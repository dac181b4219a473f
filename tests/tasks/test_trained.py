"""A real training run with the defaults: copy reaches 100% on held-out inputs (slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated import exact_match, load_task_model, predict
from annotated.cli import main


@pytest.mark.slow
def test_default_copy_run_is_perfect_on_held_out_inputs_greedy_and_beam(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "copy", "--out", str(tmp_path), "--quiet"]) == 0
    assert "exact match: 100.0% on 1000 held-out test inputs" in capsys.readouterr().out
    model, task, card = load_task_model(tmp_path)
    assert card["metrics"]["test_exact_match"] == 1.0
    texts = task.held_out(200)
    assert exact_match(model, task, texts, beam=4) == 1.0
    assert predict(model, task, ["3 1 4 1 5 9 2 6 5 3"], beam=3) == ["3 1 4 1 5 9 2 6 5 3"]
