"""Export and load: config, curves and weights come back exactly; bad files are explained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from annotated import load_checkpoint
from annotated.lab import LabConfigError, LabRun, export_run, load_config
from annotated.lab.curves import Curves
from tests.lab.helpers import TINY_GPT, TINY_TASK, gpt_data, tiny


@pytest.mark.parametrize("which", ["task", "gpt"])
def test_export_round_trip(tmp_path: Path, which: str) -> None:
    if which == "task":
        run = LabRun(tiny(TINY_TASK, max_steps=4, positions="rope", norm="rms"))
    else:
        config = tiny(TINY_GPT, max_steps=4, positions="alibi", share_embeddings=False)
        run = LabRun(config, data=gpt_data(config))
    assert run.start().wait(120)
    files = export_run(run, tmp_path)
    assert {p.parent for p in files.values()} == {files["config"].parent}
    assert load_config(files["config"]) == run.config
    curves = Curves.from_csv(files["curves"].read_text())
    assert curves.step == [1, 2, 3, 4] and curves.train_loss == pytest.approx(run.curves.train_loss)
    loaded = load_checkpoint(files["weights"])
    assert loaded.card["lab_config"] == run.config.to_dict()
    assert loaded.card["vocab"] == run.data.tokens
    original = run.snapshot().state_dict()
    for name, tensor in loaded.model.state_dict().items():
        torch.testing.assert_close(tensor, original[name], rtol=0, atol=0)


@pytest.mark.parametrize(
    ("content", "explanation"),
    [
        ("not json", "not JSON"),
        (
            '{"format": "annotated-lab-config/1", "config": {"d_model": 100, "h": 3}}',
            r"divisible by h \(3\)",
        ),
        ('{"width": 64}', "unknown Lab config fields: width"),
        ("[]", "a Lab config is a JSON object"),
    ],
)
def test_a_bad_config_file_is_explained(tmp_path: Path, content: str, explanation: str) -> None:
    path = tmp_path / "bad.config.json"
    path.write_text(content)
    with pytest.raises(LabConfigError, match=explanation):
        load_config(path)


def test_missing_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(LabConfigError, match="no such file"):
        load_config(tmp_path / "absent.json")
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({"padding": "x" * 100_000}))
    with pytest.raises(LabConfigError, match="too large"):
        load_config(huge)
