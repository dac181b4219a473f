"""Training under ``torchrun`` with DDP follows the single-process curve of the same global batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from annotated.tasks.language_model.loading import load_language_model
from annotated.training.distributed import DistributedContext, init_distributed, unwrap

TORCHRUN = shutil.which("torchrun", path=str(Path(sys.executable).parent))
STEPS = 16
COMMON = [
    "train", "shakespeare", "--n-layer", "2", "--n-head", "2", "--d-model", "32",
    "--block-size", "32", "--max-steps", str(STEPS), "--warmup", "4", "--dropout", "0",
    "--eval-interval", "8", "--eval-iters", "2", "--device", "cpu", "--quiet",
]  # fmt: skip


def test_one_process_is_a_no_op() -> None:
    ctx = init_distributed(torch.device("cpu"))
    model = torch.nn.Linear(2, 2)
    assert ctx == DistributedContext() and not ctx.enabled and ctx.is_main
    assert ctx.wrap(model) is model and unwrap(model) is model
    assert ctx.mean(3.0) == 3.0


def run(command: list[str], out: Path) -> dict[str, object]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.skipif(TORCHRUN is None, reason="torchrun is not installed beside this Python")
def test_two_ranks_match_one_process_with_the_same_global_batch(tmp_path: Path) -> None:
    corpus = tmp_path / "text.txt"
    corpus.write_text(
        "".join(f"SPEAKER {i % 7}:\nline {i} of the play, and more words.\n" for i in range(400))
    )
    common = [*COMMON, "--corpus", str(corpus)]
    assert TORCHRUN is not None
    ddp = run(
        [TORCHRUN, "--standalone", "--nproc_per_node", "2", "-m", "annotated.cli", *common,
         "--batch-size", "4", "--out", str(tmp_path / "ddp")],
        tmp_path / "ddp",
    )  # fmt: skip
    single = run(
        [sys.executable, "-m", "annotated.cli", *common, "--batch-size", "8", "--out",
         str(tmp_path / "single")],
        tmp_path / "single",
    )  # fmt: skip
    a = [r["loss"] for r in ddp["history"]]  # type: ignore[index,union-attr]
    b = [r["loss"] for r in single["history"]]  # type: ignore[index,union-attr]
    assert len(a) == len(b) == STEPS
    assert a[-1] < a[0] - 0.3  # it learns
    gap = max(abs(x - y) for x, y in zip(a, b, strict=True))
    print(f"largest loss difference, DDP vs one process: {gap:.2e}")
    assert gap < 1e-4, (a, b)
    card = json.loads((tmp_path / "ddp" / "model.json").read_text())
    assert card["steps"]["world_size"] == 2
    assert card["steps"]["tokens"] == STEPS * 8 * 32  # the global batch: 2 ranks x 4 x 32
    assert card["command"].startswith("torchrun --nproc_per_node 2 -m annotated.cli train")
    m1 = load_language_model(tmp_path / "ddp").model
    m2 = load_language_model(tmp_path / "single").model
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-4, rtol=1e-3)
