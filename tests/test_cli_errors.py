"""Bad arguments: one line on standard error, a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from annotated.cli import main

TINY = [
    "--max-steps",
    "2",
    "--batch-size",
    "4",
    "--n-layer",
    "1",
    "--d-model",
    "16",
    "--d-ff",
    "32",
    "--n-head",
    "2",
    "--val-examples",
    "20",
    "--test-examples",
    "20",
    "--quiet",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "copy", *TINY, "--out", str(out)]) == 0
    return out


CASES = {
    "no command": ([], "required"),
    "unknown command": (["fly"], "invalid choice"),
    "unknown task": (["train", "reverse"], "invalid choice: 'reverse'"),
    "negative steps": (
        ["train", "copy", "--max-steps", "-3"],
        "expected a positive integer, got '-3'",
    ),
    "zero batch": (["train", "copy", "--batch-size", "0"], "expected a positive integer"),
    "text lr": (["train", "copy", "--lr", "fast"], "expected a positive number"),
    "infinite lr": (["train", "copy", "--lr", "inf"], "expected a positive number"),
    "dropout above 1": (["train", "copy", "--dropout", "1.5"], "from 0 to 1"),
    "text dropout": (["train", "copy", "--dropout", "half"], "from 0 to 1"),
    "text steps": (["train", "copy", "--max-steps", "many"], "expected a positive integer"),
    "negative seed": (["train", "copy", "--seed", "-1"], "expected an integer >= 0"),
    "text seed": (["train", "copy", "--seed", "x"], "expected an integer >= 0"),
    "unknown positions": (["train", "copy", "--positions", "spiral"], "invalid choice"),
    "unknown option": (["train", "copy", "--colour", "red"], "unrecognized arguments"),
    "heads do not divide": (["train", "copy", *TINY, "--n-head", "3"], "must be divisible by h"),
    "warmup longer than run": (
        ["train", "copy", "--max-steps", "5", "--warmup", "9"],
        "longer than --max-steps",
    ),
    "bad device": (["train", "copy", *TINY, "--device", "tpu"], "unknown device 'tpu'"),
    "cuda absent": (["train", "copy", *TINY, "--device", "cuda"], "CUDA is not available"),
    "resume without out": (["train", "copy", "--resume"], "--resume needs --out"),
    "eval missing": (["eval", "no/such/run"], "no/such/run: no such file or directory"),
    "decode missing": (["decode", "no/such/run", "3 1"], "no such file or directory"),
    "eval zero examples": (["eval", "x", "--examples", "0"], "expected a positive integer"),
    "decode without text": (["decode", "x"], "required: text"),
    "zero threads": (["train", "copy", "--threads", "0"], "expected a positive integer"),
    "shapes vocab 1": (["shapes", "--vocab", "1"], "--vocab 1: need at least 2"),
    "shapes zero layers": (["shapes", "--n-layer", "0"], "expected a positive integer"),
    "decode shipped gpt": (["decode", "shakespeare", "3 1"], "not a task model"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_arguments_give_one_line_and_a_non_zero_exit(
    case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv, problem = CASES[case]
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert status != 0 and problem in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def cases_with_a_run(run: Path, tmp: Path) -> dict[str, tuple[list[str], str]]:
    (tmp / "empty").mkdir()
    (tmp / "junk.safetensors").write_bytes(b"\x80\x04junk")
    return {
        "out exists": (["train", "copy", *TINY, "--out", str(run)], "already exists"),
        "resume other task": (["train", "sort", "--out", str(run), "--resume"], "is a 'copy' run"),
        "resume changed option": (
            ["train", "copy", "--out", str(run), "--resume", "--lr", "0.5"],
            "differs from the run's",
        ),
        "resume nothing": (
            ["train", "copy", "--out", str(tmp / "empty"), "--resume"],
            "nothing to resume",
        ),
        "eval empty dir": (["eval", str(tmp / "empty")], "no checkpoint in this directory"),
        "eval pickle": (
            ["eval", str(tmp / "junk.safetensors")],
            "card of junk.safetensors is missing",
        ),
        "decode malformed": (["decode", str(run), "3 x 1"], "'x' is not a single digit"),
        "decode too long": (["decode", str(run), " ".join("12345678901")], "11 digits is too many"),
    }


def test_bad_runs_and_inputs_give_one_line(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for case, (argv, problem) in cases_with_a_run(run_dir, tmp_path).items():
        status = main(argv)
        err = capsys.readouterr().err
        assert status != 0 and problem in err, case
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, case


def test_a_real_process_shows_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "annotated.cli", "eval", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr.strip()
        == f"annotated eval: error: {tmp_path / 'nope'}: no such file or directory"
    )


def test_eval_and_decode_print_results(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(run_dir), "--examples", "20"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("exact match: ") and line.split()[2].endswith("%")
    assert "20 held-out copy inputs (test, greedy)" in line
    assert (
        main(
            [
                "eval",
                str(run_dir / "model.safetensors"),
                "--examples",
                "5",
                "--beam",
                "3",
                "--split",
                "val",
            ]
        )
        == 0
    )
    assert "(val, beam 3)" in capsys.readouterr().out
    assert (
        main(["decode", str(run_dir / "model.json"), "3 1 4", "--beam", "2", "--alpha", "0.6"]) == 0
    )
    answer = capsys.readouterr().out.strip()
    assert torch.get_num_threads() == 1  # the default --threads
    assert all(part in "0123456789" for part in answer.split())


def test_a_diverging_run_stops_with_one_line_and_keeps_its_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    argv = [
        "train",
        "sort",
        *TINY,
        "--max-steps",
        "30",
        "--lr",
        "1e30",
        "--checkpoint-interval",
        "1",
    ]
    assert main([*argv, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "loss is nan at optimizer step" in err
    assert f"the checkpoint of step 1 is kept in {out}" in err
    assert main(["eval", str(out), "--examples", "3"]) == 0  # the kept checkpoint loads


def test_eval_and_decode_take_a_shipped_models_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "sort", "3 1 2 1"]) == 0
    assert capsys.readouterr().out.strip() == "1 1 2 3"
    assert main(["eval", "add", "--examples", "20"]) == 0
    assert "exact match: 100.0% on 20 held-out add inputs" in capsys.readouterr().out
