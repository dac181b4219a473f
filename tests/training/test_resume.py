"""Resuming: a run interrupted and resumed ends with exactly the weights of one never stopped."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from annotated import (
    Batch,
    EncoderDecoder,
    LabelSmoothing,
    LoopOptions,
    LossCompute,
    TrainState,
    get_task,
    train,
)
from annotated.training import CheckpointError, load_train_state, paper_adam, save_train_state

TASK = get_task("sort")


class Killed(Exception):
    """Stands in for the process dying right after a checkpoint."""


def fresh() -> tuple[EncoderDecoder, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = EncoderDecoder.from_config(TASK.config(N=1, d_model=16, d_ff=32, h=2, dropout=0.2))
    return model, paper_adam(model.parameters(), lr=1e-3)


def batches(start: int) -> Iterator[Batch]:
    i = start
    while True:
        yield TASK.batch(seed=1, index=i, batch_size=8)
        i += 1


def run(
    model: EncoderDecoder, opt: torch.optim.Optimizer, state: TrainState | None, save=None
) -> TrainState:  # type: ignore[no-untyped-def]
    loss = LossCompute(LabelSmoothing(len(TASK.vocab), 0, 0.1))
    options = LoopOptions(max_steps=12, grad_accum=2, grad_clip=1.0, checkpoint_interval=5)
    return train(
        model, batches, loss, opt, lambda s: 1e-3 * min(1.0, s / 4), options, state=state, save=save
    )


def test_resume_from_a_checkpoint_is_bitwise_identical(tmp_path: Path) -> None:
    model, opt = fresh()
    reference = run(model, opt, None)
    path = tmp_path / "train_state.safetensors"

    def save_then_die(state: TrainState) -> None:
        save_train_state(path, model2, opt2, state, {"note": "x"})
        raise Killed

    model2, opt2 = fresh()
    with pytest.raises(Killed):
        run(model2, opt2, None, save=save_then_die)
    torch.manual_seed(1234)  # whatever the process did since, the saved RNG state wins
    model3, opt3 = fresh()
    state, extra = load_train_state(path, model3, opt3)
    assert state.optimizer_steps == 5 and state.steps == 10 and extra == {"note": "x"}
    final = run(model3, opt3, state)
    for a, b in zip(model.state_dict().values(), model3.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert [r["loss"] for r in final.history] == [r["loss"] for r in reference.history]


def test_a_train_state_of_another_model_is_refused(tmp_path: Path) -> None:
    model, opt = fresh()
    save_train_state(tmp_path / "s.safetensors", model, opt, TrainState(), {})
    other = EncoderDecoder.from_config(TASK.config(N=2, d_model=16, d_ff=32, h=2))
    with pytest.raises(CheckpointError, match="weights do not fit"):
        load_train_state(tmp_path / "s.safetensors", other, paper_adam(other.parameters()))
    with pytest.raises(CheckpointError, match="not an annotated train-state file"):
        from annotated import save_checkpoint

        save_checkpoint(tmp_path / "ck", model, vocab=None)
        load_train_state(tmp_path / "ck" / "model.safetensors", model, opt)


STEPS = 80


def test_non_tensor_optimizer_state_round_trips(tmp_path: Path) -> None:
    model, opt = fresh()
    model(*_example()).sum().backward()
    opt.step()
    opt.state[next(iter(model.parameters()))]["note"] = 3  # an optimizer may keep plain values
    save_train_state(tmp_path / "s.safetensors", model, opt, TrainState(steps=1), {})
    model2, opt2 = fresh()
    load_train_state(tmp_path / "s.safetensors", model2, opt2)
    assert opt2.state[next(iter(model2.parameters()))]["note"] == 3
    other = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))])
    with pytest.raises(CheckpointError, match="optimizer state does not fit"):
        load_train_state(tmp_path / "s.safetensors", model2, other)


def test_corrupted_train_state_metadata_is_refused(tmp_path: Path) -> None:
    from annotated.training.files import save_safetensors

    model, opt = fresh()
    path = tmp_path / "s.safetensors"
    save_safetensors(
        path,
        {"rng.torch": torch.get_rng_state()},
        {"format": "annotated-train-state/1", "state": "{"},
    )
    with pytest.raises(CheckpointError, match="corrupted train-state metadata"):
        load_train_state(path, model, opt)


def _example() -> tuple[torch.Tensor, ...]:
    batch = TASK.batch(0, 0, 2)
    return batch.src, batch.tgt, batch.src_mask, batch.tgt_mask


TRAIN = [
    "train",
    "sort",
    "--max-steps",
    str(STEPS),
    "--batch-size",
    "16",
    "--eval-interval",
    "20",
    "--stop-at",
    "0",
    "--checkpoint-interval",
    "1",
    "--dropout",
    "0.1",
    "--n-layer",
    "1",
    "--d-model",
    "32",
    "--d-ff",
    "64",
    "--quiet",
]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def cli(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """``annotated *args`` in a subprocess whose standard error is appended to ``log``."""
    with log.open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "annotated.cli", *args],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def optimizer_steps(run_dir: Path) -> int:
    """The optimizer steps of the train state in ``run_dir``; 0 before the first is written.

    A state file that exists must read: it is only ever replaced whole (an atomic rename).
    """
    from annotated.training.resume import STATE, _read

    if not (run_dir / STATE).is_file():
        return 0
    return int(json.loads(_read(run_dir / STATE)[1]["state"])["optimizer_steps"])


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_gives_the_uninterrupted_weights(
    tmp_path: Path,
) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    log = tmp_path / "stderr.log"
    assert cli(*TRAIN, "--out", str(whole), log=log).wait() == 0, log.read_text()
    rng, kills, last = random.Random(0), [], 0
    proc = cli(*TRAIN, "--out", str(killed), log=log)
    while len(kills) < 3 and proc.poll() is None:
        if optimizer_steps(killed) > last:  # this process is training: kill it at a random moment
            time.sleep(rng.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            last = optimizer_steps(killed)
            kills.append(last)
            proc = cli(*TRAIN, "--out", str(killed), "--resume", log=log)
        time.sleep(0.005)
    assert proc.wait() == 0, log.read_text()
    assert len(kills) == 3 and kills[-1] < STEPS, kills
    a, b = load_file(whole / "model.safetensors"), load_file(killed / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def default_sigint() -> None:
    """In the child, before it starts: Ctrl-C raises KeyboardInterrupt, as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_says_how_to_resume_the_run(tmp_path: Path) -> None:
    """Ctrl-C after a checkpoint names the run directory (here the default one) and --resume."""
    log = tmp_path / "stderr.log"
    at = TRAIN.index("--max-steps")  # long enough that the signal lands while it trains
    long_run = [*TRAIN[: at + 1], "100000", *TRAIN[at + 2 :]]
    without_out = [sys.executable, "-m", "annotated.cli", *long_run]
    with log.open("wb") as errors:
        proc = subprocess.Popen(  # a pytest-xdist worker ignores SIGINT, and children inherit that
            without_out, env=ENV, cwd=tmp_path, stderr=errors, preexec_fn=default_sigint
        )
    deadline = time.monotonic() + 300
    while not any(optimizer_steps(d) for d in tmp_path.glob("runs/*")):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(timeout=60) == 130, log.read_text()
    finally:
        proc.kill()
    (run,) = (d.relative_to(tmp_path) for d in tmp_path.glob("runs/sort-*"))
    assert log.read_text().strip().splitlines()[-1] == (
        f"annotated train: interrupted; {run} keeps the last checkpoint: "
        f"add --out {run} --resume to continue"
    )
