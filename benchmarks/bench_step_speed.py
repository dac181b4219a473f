"""Training-step speed side by side: annotated's nanoGPT recipe and the plain-PyTorch reference.

Step speeds measured in separate runs at different moments cannot be compared on these
shared machines (the nanoGPT recipe's tokens/s ranged 5,158-17,786 between runs). Here both
implementations train in one process on the same batches: annotated's GPT built from the
recipe's options (``bench_shakespeare.py``'s ``NANOGPT``) with annotated's AdamW, and the
reference of ``bench_nanogpt_reference.py`` (plain ``torch.nn``) with the same AdamW groups.
For each thread count, each *pair* runs a block of steps of one then a block of the other
(the order turns from pair to pair), so the machine's load hits both alike; the figure is the
ratio of their tokens/s pair by pair, with its median and range.

Past the reference, the same script times annotated's step in the loop's faster settings
(``LoopOptions.dtype`` and ``compile``, through :class:`~annotated.training.step.ForwardLoss`,
the code the loop runs): ``bf16`` (autocast), ``compile`` (``torch.compile``, inductor) and
``compile+bf16``, each in every pair beside the fp32 reference, so each has its own ratio
pair by pair. annotated's AdamW is PyTorch's fused one (``annotated.training.adamw``); the
reference keeps PyTorch's default, as nanoGPT's code does on the CPU. Besides wall-clock
tokens/s the script records tokens per second of the process's CPU time, which another
process on a shared core slows less.

Both train at the rate they would, ``6 N`` FLOPs per token (forward and backward of
:math:`N` weights; attention's own FLOPs are small at block 64), which gives the FLOP/s each
reaches. The machine's peak is measured in the same script with a square float32 matmul (and
a bfloat16 one, for what ``--dtype bf16`` could reach).

``--parity`` trains the whole recipe (2,000 steps, ``run_shakespeare``) in fp32 and in the
fastest setting over the same seeds, and records each run's validation loss over the whole
validation split: a faster step is only worth having if the loss it reaches is fp32's, i.e.
inside the fp32 seeds' range.

Run: ``python benchmarks/bench_step_speed.py [--pairs 5] [--steps 30] [--thread-counts 1 2]``
and ``python benchmarks/bench_step_speed.py --parity [--seeds 0 1 2]``; each writes its part of
``benchmarks/results/step_speed.json`` (keeping the other's). The data file is
``../shared/data/tinyshakespeare.txt``; without it the script says so and exits.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from bench_nanogpt_reference import BETAS, GRAD_CLIP, LR, WEIGHT_DECAY, CharGPT
from bench_shakespeare import NANOGPT
from machine import load_average, save_result
from tiny_shakespeare import ROOT, add_options, ready
from torch import nn

from annotated import GPT
from annotated.tasks.language_model.data import LMBatch, lm_loss
from annotated.tasks.language_model.options import LanguageModelOptions
from annotated.tasks.language_model.run import run_shakespeare
from annotated.training.adamw import adamw
from annotated.training.step import ForwardLoss

RESULTS = ROOT / "benchmarks" / "results" / "step_speed.json"
BATCH, BLOCK = NANOGPT["batch_size"], NANOGPT["max_len"]

Step = Callable[[torch.Tensor, torch.Tensor], None]

# annotated's settings timed beside the reference: LoopOptions' (dtype, compile)
SETTINGS: dict[str, dict[str, Any]] = {
    "annotated": {"dtype": "fp32", "compile": False},
    "bf16": {"dtype": "bf16", "compile": False},
    "compile": {"dtype": "fp32", "compile": True},
    "compile+bf16": {"dtype": "bf16", "compile": True},
}
FASTEST = "compile+bf16"  # the setting --parity trains beside fp32


def training_step(model: nn.Module, optimizer: torch.optim.Optimizer) -> Step:
    """One update of ``model`` on ``(x, y)``: cross-entropy, backward, clip, AdamW."""

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()

    return step


def annotated_step(model: GPT, optimizer: torch.optim.Optimizer, dtype: str, compile: bool) -> Step:
    """The same update through the loop's :class:`ForwardLoss` in one of :data:`SETTINGS`."""
    forward = ForwardLoss(model, lm_loss, dtype=dtype, compile=compile)  # type: ignore[arg-type]

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        loss, n = forward(LMBatch(x, y))
        optimizer.zero_grad(set_to_none=True)
        (loss / n).backward()
        nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()

    return step


def models(vocab: int) -> dict[str, tuple[nn.Module, Step]]:
    """Both implementations of the recipe, annotated in each setting, seeded alike."""
    options = LanguageModelOptions.for_run(
        {k: v for k, v in NANOGPT.items() if k != "seed"}
    ).with_vocab_size(vocab)
    built: dict[str, tuple[nn.Module, Step]] = {}
    for name, setting in SETTINGS.items():
        torch.manual_seed(0)
        ours = GPT(options.model)
        ours_opt = adamw(ours, lr=LR, weight_decay=WEIGHT_DECAY, betas=BETAS)
        built[name] = (ours, annotated_step(ours, ours_opt, **setting))
    torch.manual_seed(0)
    reference = CharGPT(vocab)
    matrices = [p for p in reference.parameters() if p.dim() >= 2]
    vectors = [p for p in reference.parameters() if p.dim() < 2]
    ref_opt = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": WEIGHT_DECAY}, {"params": vectors, "weight_decay": 0}],
        lr=LR, betas=BETAS,
    )  # fmt: skip
    return built | {"reference": (reference, training_step(reference, ref_opt))}


def matmul_flops(dtype: torch.dtype, n: int = 1024, repeats: int = 20) -> float:
    """FLOP/s of an ``(n, n) @ (n, n)`` matmul in ``dtype``: :math:`2 n^3` per product."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - start)


def measure(
    steps: dict[str, Step], batches: list[tuple[torch.Tensor, torch.Tensor]], pairs: int, block: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Tokens/s of each in ``pairs`` rounds of ``block`` steps, the order turning each round:
    per second of wall-clock time, and per second of the process's CPU time."""
    wall: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for pair in range(pairs):
        order = names[pair % len(names) :] + names[: pair % len(names)]
        order = order if pair % 2 == 0 else list(reversed(order))
        chunk = batches[(pair * block) % len(batches) :][:block]
        for name in order:
            start, start_cpu = time.perf_counter(), time.process_time()
            for x, y in chunk:
                steps[name](x, y)
            tokens = len(chunk) * BATCH * BLOCK
            wall[name].append(tokens / (time.perf_counter() - start))
            cpu[name].append(tokens / (time.process_time() - start_cpu))
    return wall, cpu


def ratios(speeds: dict[str, list[float]], name: str) -> dict[str, Any]:
    """``name``'s tokens/s over the reference's, pair by pair, with the median and range."""
    by_pair = [a / r for a, r in zip(speeds[name], speeds["reference"], strict=True)]
    return {
        "by_pair": by_pair,
        "median": statistics.median(by_pair),
        "range": [min(by_pair), max(by_pair)],
    }


def parity(corpus: Path, seeds: list[int]) -> dict[str, Any]:
    """The recipe's whole-split validation loss at 2,000 steps, fp32 and :data:`FASTEST`."""
    runs: dict[str, dict[str, Any]] = {}
    for seed in seeds:
        for name in ("annotated", FASTEST):
            overrides = NANOGPT | SETTINGS[name] | {"corpus": str(corpus), "seed": seed}
            overrides |= {"eval_interval": 0}  # evaluate after the last step only
            load_before = load_average()
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                run = run_shakespeare(Path(tmp) / "run", overrides, progress=False, log=print)
            runs[f"{name} seed {seed}"] = {
                "setting": name,
                "seed": seed,
                "val_loss": round(run.metrics["val_loss"], 4),
                "tokens_per_s": round(run.metrics["tokens_per_s"]),
                "seconds": round(time.perf_counter() - started, 1),
                "load_before": load_before,
                "load_after": load_average(),
            }
            print(runs[f"{name} seed {seed}"], flush=True)
    fp32 = [r["val_loss"] for r in runs.values() if r["setting"] == "annotated"]
    fast = [r["val_loss"] for r in runs.values() if r["setting"] == FASTEST]
    return {
        "fastest": FASTEST,
        "seeds": seeds,
        "threads": torch.get_num_threads(),
        "runs": runs,
        "fp32_range": [min(fp32), max(fp32)],
        "fastest_median": statistics.median(fast),
        "fastest_within_fp32_range": min(fp32) <= statistics.median(fast) <= max(fp32),
    }


def saved() -> dict[str, Any]:
    """The results file as it stands (the other mode's part is kept), without its machine."""
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data.pop("machine", None)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser)
    parser.add_argument("--pairs", type=int, default=5, help="alternating rounds per thread count")
    parser.add_argument("--steps", type=int, default=30, help="steps per block")
    parser.add_argument("--thread-counts", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--parity", action="store_true", help="train fp32 and the fastest setting")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="with --parity")
    args = parser.parse_args()
    if not ready(args):
        return 1
    if args.parity:
        result = parity(args.corpus, args.seeds)
        print(
            f"validation loss at 2,000 steps: fp32 {result['fp32_range'][0]:.4f}-"
            f"{result['fp32_range'][1]:.4f} over seeds {args.seeds}; {FASTEST} median "
            f"{result['fastest_median']:.4f}"
        )
        save_result(RESULTS, saved() | {"parity": result})
        return 0
    text = args.corpus.read_text(encoding="utf-8")
    lookup = {c: i for i, c in enumerate(sorted(set(text)))}
    data = torch.tensor([lookup[c] for c in text[: int(0.9 * len(text))]])
    g = torch.Generator().manual_seed(0)
    starts = torch.randint(len(data) - BLOCK - 1, (args.steps * args.pairs, BATCH), generator=g)
    batches = [
        (torch.stack([data[s : s + BLOCK] for s in row]), torch.stack([data[s + 1 : s + 1 + BLOCK] for s in row]))
        for row in starts.tolist()
    ]  # fmt: skip
    result: dict = saved() | {
        "batch": BATCH,
        "block": BLOCK,
        "pairs": args.pairs,
        "steps_per_block": args.steps,
        "settings": SETTINGS,
        "by_threads": {},
    }
    for threads in args.thread_counts:
        torch.set_num_threads(threads)
        built = models(len(lookup))
        params = {name: sum(p.numel() for p in m.parameters()) for name, (m, _) in built.items()}
        steps = {name: step for name, (_, step) in built.items()}
        load_before = load_average()
        measure(steps, batches, 1, 3)  # warm-up all (and compile)
        speeds, cpu_speeds = measure(steps, batches, args.pairs, args.steps)
        peak = {"float32": matmul_flops(torch.float32), "bfloat16": matmul_flops(torch.bfloat16)}
        median = {name: statistics.median(s) for name, s in speeds.items()}
        flops = {name: 6 * params[name] * median[name] for name in speeds}
        by_setting = {name: ratios(speeds, name) for name in SETTINGS}
        run = {
            "parameters": params,
            "tokens_per_s": speeds,
            "median_tokens_per_s": median,
            "ratio_by_pair": by_setting["annotated"]["by_pair"],
            "ratio_median": by_setting["annotated"]["median"],
            "ratio_range": by_setting["annotated"]["range"],
            "ratio_vs_reference": by_setting,
            "cpu_time_tokens_per_s": cpu_speeds,
            "cpu_time_ratio_vs_reference": {n: ratios(cpu_speeds, n) for n in SETTINGS},
            "training_flops_per_s": flops,
            "matmul_peak_flops_per_s": peak,
            "fraction_of_float32_peak": {n: f / peak["float32"] for n, f in flops.items()},
            "fraction_of_bfloat16_peak": {n: f / peak["bfloat16"] for n, f in flops.items()},
            "load_average_before": load_before,
            "load_average": load_average(),
        }
        result["by_threads"][threads] = run
        print(
            f"{threads} thread(s), reference {median['reference']:,.0f} tokens/s "
            f"({flops['reference'] / 1e9:.1f} GFLOP/s); matmul peak {peak['float32'] / 1e9:.0f} "
            f"(fp32), {peak['bfloat16'] / 1e9:.0f} (bf16) GFLOP/s; load {load_before}-"
            f"{run['load_average']}"
        )
        for name, r in by_setting.items():
            print(
                f"  {name:13s} {median[name]:8,.0f} tokens/s, {flops[name] / 1e9:5.1f} GFLOP/s; "
                f"/ reference: median {r['median']:.3f} (range {r['range'][0]:.3f}-"
                f"{r['range'][1]:.3f}, {args.pairs} pairs); by CPU time "
                f"{run['cpu_time_ratio_vs_reference'][name]['median']:.3f}"
            )
    save_result(RESULTS, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
