"""``annotated generate``: streamed, seeded text; bad requests get one line and a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotated.cli import main

from .conftest import TINY


def generate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["generate", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_text_is_the_prompt_then_the_new_characters(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = generate(capsys, str(run_dir), "--prompt", "ROMEO:", "--max-new-tokens", "40")
    assert status == 0 and out.startswith("ROMEO:") and len(out) == len("ROMEO:") + 40 + 1


def test_same_seed_same_text_with_or_without_the_cache(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [str(run_dir), "--prompt", "To be", "--max-new-tokens", "60", "--top-k", "5"]
    texts = {
        generate(capsys, *args, "--seed", "7")[1],
        generate(capsys, *args, "--seed", "7")[1],
        generate(capsys, *args, "--seed", "7", "--no-cache")[1],
    }
    assert len(texts) == 1
    greedy = generate(capsys, *args, "--temperature", "0", "--seed", "1")[1]
    assert greedy == generate(capsys, *args, "--temperature", "0", "--seed", "2")[1]


def test_the_text_streams(run_dir: Path) -> None:
    """The first characters arrive before the last are generated: read them one at a time."""
    command = [sys.executable, "-m", "annotated.cli", "generate", str(run_dir), "--prompt", "A",
               "--max-new-tokens", "3000", "--no-cache"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, env={"OMP_NUM_THREADS": "1"}) as proc:
        assert proc.stdout is not None
        first = proc.stdout.read(5)
        still_running = proc.poll() is None
        proc.kill()
    assert first.startswith(b"A") and still_running


def test_a_reader_that_stops_early_gets_no_error(run_dir: Path) -> None:
    """``annotated generate ... | head``: the closed pipe ends the command without a message."""
    command = [sys.executable, "-m", "annotated.cli", "generate", str(run_dir), "--prompt", "A",
               "--max-new-tokens", "3000", "--no-cache"]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={"OMP_NUM_THREADS": "1"}
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(5)
        proc.stdout.close()
        err = proc.stderr.read().decode()
    assert proc.returncode == 141 and err == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prompt", "ROMEO\u20ac"], "characters not in the vocabulary: '\u20ac' (at 5)"),
        (["--max-new-tokens", "10000000"], "--max-new-tokens 10000000 is over 100000"),
        (["--max-new-tokens", "-5"], "expected a positive integer"),
        (["--max-new-tokens", "0"], "expected a positive integer"),
        (["--prompt", ""], "--prompt is empty"),
        (["--prompt", "a" * 100_001], "over 100000"),
        (["--temperature", "1e9"], "expected a temperature from 0 to 100"),
        (["--top-k", "0"], "expected a positive integer"),
        (["--top-p", "0"], "--top-p must be above 0"),
        (["--top-p", "2"], "expected a number from 0 to 1"),
    ],
)
def test_bad_requests_get_one_line(
    run_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    try:
        status, out, err = generate(capsys, str(run_dir), *args)
    except SystemExit as exit_:  # argparse's own checks
        status, err = int(exit_.code or 0), capsys.readouterr().err
        out = ""
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1, err


def test_not_a_language_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(capsys, str(tmp_path / "missing"))[0] == 2
    run = tmp_path / "copy"
    tiny = ["--max-steps", "1", "--batch-size", "4", "--n-layer", "1", "--d-model", "16", "--d-ff", "32",
            "--n-head", "2", "--val-examples", "5", "--test-examples", "5", "--quiet"]  # fmt: skip
    assert main(["train", "copy", *tiny, "--out", str(run)]) == 0
    capsys.readouterr()
    status, _, err = generate(capsys, str(run))
    assert status == 2 and "not a language model" in err


def test_train_errors_are_one_line(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = tmp_path / "short.txt"
    short.write_text("ROMEO:\nBut soft!\n" * 3, encoding="utf-8")
    cases = [
        (["--corpus", str(tmp_path / "none.txt")], "no such file"),
        (
            ["--corpus", str(short)],
            "its validation split holds 6 characters, and a window needs 17",
        ),
        (["--corpus", str(corpus), "--warmup", "50"], "longer than --max-steps"),
        (["--corpus", str(corpus), "--d-model", "15"], "divisible by h"),
        (["--corpus", str(corpus), "--resume"], "nothing to resume"),
    ]
    for extra, message in cases:
        status = main(["train", "shakespeare", *TINY, "--out", str(tmp_path / "r"), *extra])
        err = capsys.readouterr().err
        assert status == 2 and message in err and err.count("\n") == 1, (extra, err)
        assert not (tmp_path / "r").exists(), "a refused run leaves no folder behind"


def test_a_run_shorter_than_the_default_warmup_warms_up_for_the_same_part(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default 100 warmup steps of 2,000 become 2 of a 40-step run, not a refusal."""
    at = TINY.index("--warmup")
    no_warmup = TINY[:at] + TINY[at + 2 :]
    args = ["train", "shakespeare", "--corpus", str(corpus), *no_warmup, "--max-steps", "40"]
    assert main([*args, "--out", str(tmp_path / "r")]) == 0
    card = json.loads((tmp_path / "r" / "model.json").read_text())
    assert card["options"]["warmup"] == 2 and card["options"]["loop"]["max_steps"] == 40
    assert "measuring the loss on the whole validation split" in capsys.readouterr().out


def test_traceback_shows_the_error_behind_the_one_line(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--traceback``, before or after the subcommand, prints the traceback, then the line."""
    args = [str(run_dir), "--prompt", "ROMEO\u20ac"]
    status, _, line = generate(capsys, *args)
    assert status == 2 and line.count("\n") == 1 and "Traceback" not in line
    for argv in (["--traceback", "generate", *args], ["generate", *args, "--traceback"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("Traceback (most recent call last):\n") and err.endswith(line)
        assert "ValueError: characters not in the vocabulary: '\u20ac' (at 5)\n" in err
        assert 'annotated/tokenizers/char.py", line' in err  # where it was raised
    with pytest.raises(SystemExit) as exit_:
        main(["generate", *args, "--traceback", "--bogus"])
    assert exit_.value.code == 2 and "unrecognized arguments: --bogus" in capsys.readouterr().err
