"""``annotated train``: the run directory, its card, metrics and plots, determinism, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotated import load_task_model
from annotated.cli import build_parser, main

TINY = [
    "--max-steps",
    "6",
    "--batch-size",
    "16",
    "--eval-interval",
    "3",
    "--n-layer",
    "1",
    "--d-model",
    "16",
    "--d-ff",
    "32",
    "--n-head",
    "2",
    "--val-examples",
    "50",
    "--test-examples",
    "50",
    "--quiet",
]


def train(out: Path, *extra: str, task: str = "copy") -> int:
    return main(["train", task, *TINY, "--out", str(out), *extra])


def test_train_writes_checkpoint_card_metrics_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert train(out, "--seed", "3") == 0
    printed = capsys.readouterr().out
    assert "exact match:" in printed and str(out) in printed
    names = {p.name for p in out.iterdir()}
    assert names == {
        "model.safetensors",
        "model.json",
        "train_state.safetensors",
        "metrics.json",
        "loss.png",
        "perplexity.png",
        "tokens_per_s.png",
        "lr.png",
    }
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = json.loads((out / "model.json").read_text())
    assert (
        card["architecture"] == "encoder-decoder" and card["task"] == "copy" and card["seed"] == 3
    )
    assert card["config"]["d_model"] == 16 and card["vocab"][:3] == ["<pad>", "<s>", "</s>"]
    assert card["steps"]["optimizer_steps"] == 6 and card["steps"]["tokens"] > 0
    assert (
        card["command"].startswith("annotated train copy --max-steps 6")
        and "--seed 3" in card["command"]
    )
    assert 0 <= card["metrics"]["test_exact_match"] <= 1 and card["metrics"]["test_examples"] == 50
    metrics = json.loads((out / "metrics.json").read_text())
    assert [r["step"] for r in metrics["history"]] == [1, 2, 3, 4, 5, 6]
    assert {"loss", "lr", "tokens_per_s"} <= set(metrics["history"][0])
    assert [e["step"] for e in metrics["evals"]] == [3, 6] and "perplexity" in metrics["evals"][0]
    assert load_task_model(out).task.name == "copy"


def test_the_same_command_twice_gives_the_same_loss_curve(tmp_path: Path) -> None:
    curves = []
    for name in ("a", "b"):
        assert train(tmp_path / name, "--dropout", "0.1", task="add") == 0
        history = json.loads((tmp_path / name / "metrics.json").read_text())["history"]
        curves.append([r["loss"] for r in history])
    assert curves[0] == curves[1]
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (
        tmp_path / "b" / "model.safetensors"
    ).read_bytes()


def test_resume_of_a_finished_run_changes_nothing_and_keeps_options(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert train(out) == 0
    before = (out / "model.safetensors").read_bytes()
    assert main(["train", "copy", "--out", str(out), "--resume", "--quiet"]) == 0
    assert (out / "model.safetensors").read_bytes() == before


@pytest.mark.filterwarnings("ignore:this cpu has no bfloat16:RuntimeWarning")
def test_a_bf16_run_saves_its_dtype_and_resumes_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert train(out, "--dtype", "bf16") == 0
    card = json.loads((out / "model.json").read_text())
    assert card["options"]["loop"]["dtype"] == "bf16"
    resume = ["train", "copy", "--out", str(out), "--resume", "--quiet"]
    assert main([*resume, "--dtype", "bf16"]) == 0
    assert main([*resume, "--dtype", "fp32"]) == 2
    assert "--dtype fp32 differs from the run's bf16" in capsys.readouterr().err


def test_accumulation_option_runs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert train(out, "--grad-accum", "2", "--batch-size", "8", task="sort") == 0
    card = json.loads((out / "model.json").read_text())
    assert card["steps"]["steps"] == 12 and card["steps"]["optimizer_steps"] == 6


def test_one_spelling_trains_any_task() -> None:
    """The options both families share have one flag each, spelled alike; old names are gone."""
    parser = build_parser()
    flags = ["--max-steps", "6", "--grad-accum", "2", "--grad-clip", "0.5", "--eval-interval", "3"]
    flags += ["--n-layer", "2", "--n-head", "2", "--d-model", "16", "--seed", "4"]
    a = vars(parser.parse_args(["train", "sort", *flags]))
    b = vars(parser.parse_args(["train", "shakespeare", *flags]))
    names = ("max_steps", "grad_accum", "grad_clip", "eval_interval", "N", "h", "d_model", "seed")
    assert [a[n] for n in names] == [b[n] for n in names] == [6, 2, 0.5, 3, 2, 2, 16, 4]
    for old in ("--steps", "--accumulate", "--clip-norm", "--eval-every", "--N", "--h"):
        with pytest.raises(SystemExit):
            parser.parse_args(["train", "sort", old, "1"])
