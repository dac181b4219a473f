"""Training benchmarks: time to accuracy on the tasks, and the training step vs ``nn.Transformer``.

**Time to accuracy.** ``annotated train TASK`` with default options, run by the real command
line in a fresh process; the figure is the wall clock of the whole command (start-up,
training, evaluations, the final test, checkpoint and plots) and the test exact match it
reports on 1,000 held-out inputs, for seeds 0 (the default), 1 and 2: the median time with its
range, and the worst accuracy of the three. A task whose defaults train on to 100% (add) passes its
target earlier; the step its validation first reached it is recorded beside the figure, which
stays the whole command's time, an upper bound. Targets on a 2-core CPU: copy 100% within 30 s, sort >= 99%
within 2 min, add >= 99% within 5 min. The defaults include one CPU thread (``--threads 1``):
measured here, a second thread on a machine with any other load multiplied the CPU time of a
run by five or more. ``cpu s`` (user + system time) is what the wall clock is when idle.

**Training step.** The encoder-decoder against the same architecture built from
``torch.nn.Transformer`` (pre-norm, ReLU, the same embeddings, sinusoidal positions and
generator, hence the same parameter count), at the paper's base size and at the small size the
tasks use. One step is forward, loss and backward on a fixed batch with padding masks and the
causal mask (``tgt_is_causal=True`` for PyTorch). The two alternate step by step in one
process, so load affects them alike; the figure is the ratio of median step times. Goal:
ratio <= 1.1.

Run: ``python benchmarks/bench_training.py`` (writes ``benchmarks/results/training.json``);
``--part step`` or ``--part tasks`` runs one half.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from machine import save_result
from torch import nn

from annotated import EncoderDecoder, TransformerConfig, padding_mask, target_mask
from annotated.cli import build_parser

RESULTS = Path(__file__).parent / "results"
OURS, THEIRS = "annotated", "nn.Transformer"
TARGETS = {"copy": (1.0, 30.0), "sort": (0.99, 120.0), "add": (0.99, 300.0)}
SIZES = {  # name: (config fields, batch, source length, target length)
    "base": ({"N": 6, "d_model": 512, "d_ff": 2048, "h": 8, "dropout": 0.1}, 32, 32, 32),
    "small": ({"N": 2, "d_model": 64, "d_ff": 128, "h": 4, "dropout": 0.0}, 256, 11, 11),
}
VOCAB = {"base": 1000, "small": 14}


class TorchSeq2Seq(nn.Module):
    """The encoder-decoder from PyTorch's modules, with this package's embeddings and generator."""

    def __init__(self, ours: EncoderDecoder, config: TransformerConfig) -> None:
        super().__init__()
        c = config
        self.src_embed, self.tgt_embed = ours.src_embed, ours.tgt_embed  # (embedding, positions)
        self.generator = ours.generator
        with warnings.catch_warnings():  # "nested tensors are off with norm_first": as intended
            warnings.simplefilter("ignore", UserWarning)
            self.transformer = nn.Transformer(
                c.d_model, c.h, c.N, c.N, c.d_ff, c.dropout, batch_first=True, norm_first=True
            )

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        causal = nn.Transformer.generate_square_subsequent_mask(tgt.size(1), dtype=torch.bool)
        out = self.transformer(
            self.src_embed(src),
            self.tgt_embed(tgt),
            tgt_mask=causal,
            src_key_padding_mask=src == 0,
            tgt_key_padding_mask=tgt == 0,
            memory_key_padding_mask=src == 0,
            tgt_is_causal=True,
        )  # (batch, tgt_len, d_model)
        return self.generator(out)


def step_closure(
    model: nn.Module, src: torch.Tensor, tgt: torch.Tensor, ours: bool
) -> Callable[[], None]:
    """One forward + loss + backward on the fixed batch."""
    tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]

    def step() -> None:
        if ours:
            out = model(src, tgt_in, padding_mask(src), target_mask(tgt_in))
            logp = model.generator(out)  # (batch, tgt_len, vocab)
        else:
            logp = model(src, tgt_in)
        loss = F.nll_loss(logp.flatten(0, 1), tgt_out.flatten(), ignore_index=0, reduction="sum")
        model.zero_grad(set_to_none=True)
        loss.backward()

    return step


def measure_step(size: str, repeats: int, threads: list[int]) -> dict[str, Any]:
    """Median step times of both models at ``size``, for each thread count."""
    fields, batch, src_len, tgt_len = SIZES[size]
    config = TransformerConfig(VOCAB[size], VOCAB[size], **fields)
    torch.manual_seed(0)
    ours = EncoderDecoder.from_config(config).train()
    theirs = TorchSeq2Seq(EncoderDecoder.from_config(config), config).train()
    counts = {OURS: sum(p.numel() for p in ours.parameters())}
    counts[THEIRS] = sum(p.numel() for p in theirs.parameters())
    if counts[OURS] != counts[THEIRS]:
        raise RuntimeError(f"the two models differ in size: {counts}")
    src = torch.randint(3, VOCAB[size], (batch, src_len))
    tgt = torch.randint(3, VOCAB[size], (batch, tgt_len + 1))
    src[: batch // 4, -3:] = 0  # a quarter of the rows padded, as in real batches
    tgt[: batch // 4, -3:] = 0
    steps = {
        OURS: step_closure(ours, src, tgt, True),
        THEIRS: step_closure(theirs, src, tgt, False),
    }
    runs = {}
    for n in dict.fromkeys(threads):
        torch.set_num_threads(n)
        for step in steps.values():  # warm-up
            for _ in range(2):
                step()
        times: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(repeats):
            for name, step in steps.items():
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
        median = {name: statistics.median(t) for name, t in times.items()}
        runs[n] = {
            "median_step_seconds": median,
            "ratio": median[OURS] / median[THEIRS],
            "load_average": os.getloadavg(),
        }
    return {"config": config.to_dict(), "batch": batch, "src_len": src_len, "tgt_len": tgt_len,
            "parameters": counts, "repeats": repeats, "by_threads": runs}  # fmt: skip


def train_once(task: str, seed: int) -> dict[str, Any]:
    """Run ``annotated train TASK`` (``--seed`` unless 0, the default); time and metrics."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / task
        command = [sys.executable, "-m", "annotated.cli", "train", task, "--out", str(out)]
        load_before = os.getloadavg()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            command + (["--seed", str(seed)] if seed else []),
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
        if done.returncode != 0:
            raise RuntimeError(f"annotated train {task} failed: {done.stderr.strip()[-500:]}")
        card = json.loads((out / "model.json").read_text())
        evals = json.loads((out / "metrics.json").read_text())["evals"]
    metrics = card["metrics"]
    target = TARGETS[task][0]
    at_target = [e["step"] for e in evals if e.get("val_exact_match", 0.0) >= target]
    return {
        "seed": seed,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # user + system: what the wall clock is on an idle machine
        "test_exact_match": metrics["test_exact_match"],
        "test_examples": metrics["test_examples"],
        "val_exact_match": metrics.get("val_exact_match"),
        "optimizer_steps": metrics["optimizer_steps"],
        "first_step_at_target": at_target[0] if at_target else None,  # validation, in training
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "stdout": done.stdout.strip().splitlines(),
    }


def time_to_accuracy(task: str, seeds: list[int]) -> dict[str, Any]:
    """The task trained once per seed: the median time with its range, the worst accuracy."""
    runs = [train_once(task, seed) for seed in seeds]
    seconds = [r["seconds"] for r in runs]
    worst = min(r["test_exact_match"] for r in runs)
    target, limit = TARGETS[task]
    return {
        "seconds": statistics.median(seconds),
        "seconds_range": [min(seconds), max(seconds)],
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "test_exact_match": worst,
        "optimizer_steps": statistics.median(r["optimizer_steps"] for r in runs),
        "threads": build_parser().parse_args(["train", task]).threads,  # the CLI's default
        "seeds": seeds,
        "target_exact_match": target,
        "target_seconds": limit,
        "met": worst >= target and statistics.median(seconds) <= limit,
        "load_average_before": runs[0]["load_average_before"],
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "tasks", "step"), default="all")
    parser.add_argument("--tasks", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="one training run per seed"
    )
    parser.add_argument("--repeats", type=int, nargs=2, default=[10, 40], metavar=("BASE", "SMALL"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, torch.get_num_threads()])
    parser.add_argument("--out", type=Path, default=RESULTS / "training.json")
    args = parser.parse_args()
    result: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    result["benchmark"] = "training"
    if args.part in ("all", "tasks"):
        result.setdefault("time_to_accuracy", {})
        for task in args.tasks:
            result["time_to_accuracy"][task] = time_to_accuracy(task, args.seeds)
    if args.part in ("all", "step"):
        result["step"] = {
            size: measure_step(size, repeats, args.threads)
            for size, repeats in zip(SIZES, args.repeats, strict=True)
        }
    save_result(args.out, result)
    report(result)
    print(f"wrote {args.out}")


def report(result: dict[str, Any]) -> None:
    """Print the tables."""
    if "time_to_accuracy" in result:
        print("annotated train TASK, default options, whole command (targets on a 2-core CPU)")
        print(f"{'task':<5} {'seconds':>8} {'cpu s':>7} {'target s':>8} {'test EM':>8} {'target':>7} "
              f"{'steps':>6} {'threads':>7} {'load':>5} {'met':>4}")  # fmt: skip
        for task, r in result["time_to_accuracy"].items():
            print(
                f"{task:<5} {r['seconds']:>8.1f} {r['cpu_seconds']:>7.1f} {r['target_seconds']:>8.0f} "
                f"{100 * r['test_exact_match']:>7.1f}% {100 * r['target_exact_match']:>6.0f}% "
                f"{r['optimizer_steps']:>6} {r['threads']!s:>7} {r['load_average_before'][0]:>5.2f} "
                f"{'yes' if r['met'] else 'NO':>4}"
            )
    if "step" in result:
        print("training step (forward + loss + backward), median; goal: ratio <= 1.1")
        print(f"{'size':<6} {'params':>11} {'batch':>10} {'threads':>7} {'ours ms':>9} "
              f"{'torch ms':>9} {'ratio':>6} {'load':>5}")  # fmt: skip
        for size, r in result["step"].items():
            shape = f"{r['batch']}x{r['src_len']}"
            for threads, run in r["by_threads"].items():
                ours, theirs = (1e3 * run["median_step_seconds"][k] for k in (OURS, THEIRS))
                print(
                    f"{size:<6} {r['parameters'][OURS]:>11,} {shape:>10} {threads:>7} "
                    f"{ours:>9.1f} {theirs:>9.1f} {run['ratio']:>6.3f} {run['load_average'][0]:>5.2f}"
                )


if __name__ == "__main__":
    main()
