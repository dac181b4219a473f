"""The translation recipe's step in float32 and under bfloat16 autocast, side by side.

``annotated train translate`` runs its forward passes under ``--dtype auto`` by default:
bfloat16 autocast where the CPU multiplies bfloat16 natively, float32 elsewhere
(:mod:`annotated.training.precision`); this script is the measurement behind that choice.
First it times one feed-forward-sized product, ``(2500, 256) @ (256, 1024)``, in each dtype:
with ``avx512_bf16`` the bfloat16 one is the faster, without it (bfloat16 emulated) a small
fraction of the float32 speed; on such a CPU give ``--steps`` a small number, as each bfloat16
step then takes seconds. Two copies of the recipe's encoder-decoder start
from the same weights, each with its own Adam; they see the same token-budget batches of the
de-en training split, and their steps alternate in this one process (the order turns every
step), through :class:`~annotated.training.step.ForwardLoss`, the code the loop runs. For each
thread count it reports the median step time of each, their ratio step pair by step pair
(median and range), and the mean training loss of each over the last steps, so a faster step
that learns worse would show.

Run: ``python benchmarks/bench_translation_dtype.py [--steps 120] [--thread-counts 1 2]``
(the corpus must be built: ``annotated data de-en``); writes
``benchmarks/results/translation_dtype.json``.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from machine import load_average, save_result

from annotated import EncoderDecoder, LabelSmoothing, paper_adam
from annotated.corpora.de_en.store import load_pairs
from annotated.tasks.translation.data import batches_from, encode_pairs
from annotated.tasks.translation.options import TranslationOptions
from annotated.tokenizers import SubwordTokenizer
from annotated.training import LossCompute
from annotated.training.batch import Batch
from annotated.training.precision import has_native_bf16
from annotated.training.step import ForwardLoss

RESULTS = Path(__file__).parent / "results"
DTYPES = ("fp32", "bf16")


def stepper(
    model: EncoderDecoder, loss: LossCompute, dtype: str, schedule: Callable[[int], float]
) -> Callable[[Batch, int], tuple[float, float]]:
    """One optimizer step of ``model`` in ``dtype``: returns (seconds, loss per token)."""
    optimizer = paper_adam(model.parameters())
    forward = ForwardLoss(model, loss, dtype=dtype)  # type: ignore[arg-type]

    def step(batch: Batch, s: int) -> tuple[float, float]:
        start = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = schedule(s)
        total, n = forward(batch)
        (total / n).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - start, float(total.detach()) / n

    return step


def matmul_rates(threads: int, rounds: int = 20) -> dict[str, Any]:
    """GFLOP/s of ``(2500, 256) @ (256, 1024)`` in float32 and in bfloat16, on ``threads``."""
    torch.set_num_threads(threads)
    rates = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(2500, 256, dtype=dtype), torch.randn(256, 1024, dtype=dtype)
        a @ b  # warm-up: the library picks its kernel
        start = time.perf_counter()
        for _ in range(rounds):
            a @ b
        rates[name] = 2 * 2500 * 256 * 1024 * rounds / (time.perf_counter() - start) / 1e9
    result = {
        "threads": threads,
        "gflops": rates,
        "bf16_over_fp32": rates["bf16"] / rates["fp32"],
        "native_bf16": has_native_bf16("cpu"),
    }
    print(
        f"{threads} thread(s): (2500, 256) @ (256, 1024) fp32 {rates['fp32']:.0f} GFLOP/s, "
        f"bf16 {rates['bf16']:.0f} GFLOP/s ({result['bf16_over_fp32']:.2f}x; native bf16: "
        f"{result['native_bf16']})"
    )
    return result


def measure(
    threads: int, steps: int, ids: list[tuple[list[int], list[int]]], tokenizer: SubwordTokenizer
) -> dict[str, Any]:
    """Alternate the fp32 and bf16 steps for ``steps`` steps on ``threads`` threads."""
    torch.set_num_threads(threads)
    options = TranslationOptions.for_run({"dropout": 0.1}).with_vocab_size(tokenizer.vocab_size)
    torch.manual_seed(0)
    first = EncoderDecoder.from_config(options.model)
    models = {"fp32": first, "bf16": copy.deepcopy(first)}
    criterion = LabelSmoothing(tokenizer.vocab_size, tokenizer.pad, options.smoothing)
    steps_of = {d: stepper(models[d], LossCompute(criterion), d, options.schedule) for d in DTYPES}
    batches = batches_from(
        ids, options.max_tokens, 0, 0, pad=tokenizer.pad, start=tokenizer.start, end=tokenizer.end
    )
    times: dict[str, list[float]] = {d: [] for d in DTYPES}
    losses: dict[str, list[float]] = {d: [] for d in DTYPES}
    for s in range(1, steps + 1):
        batch = next(batches)
        for d in DTYPES if s % 2 else reversed(DTYPES):
            seconds, loss = steps_of[d](batch, s)
            times[d].append(seconds)
            losses[d].append(loss)
    warm = steps // 10  # the first steps allocate and warm the caches
    ratios = [f / b for f, b in zip(times["fp32"][warm:], times["bf16"][warm:], strict=True)]
    tail = max(1, steps // 5)
    result: dict[str, Any] = {
        "threads": threads,
        "steps": steps,
        "median_step_seconds": {d: statistics.median(times[d][warm:]) for d in DTYPES},
        "speedup_median": statistics.median(ratios),
        "speedup_range": [min(ratios), max(ratios)],
        "mean_loss_last_steps": {d: statistics.fmean(losses[d][-tail:]) for d in DTYPES},
        "last_steps": tail,
        "load_average": load_average(),
    }
    ms = {d: round(1000 * t, 1) for d, t in result["median_step_seconds"].items()}
    print(
        f"{threads} thread(s): fp32 {ms['fp32']} ms, bf16 {ms['bf16']} ms per step; "
        f"bf16 {result['speedup_median']:.2f}x faster (pairs {min(ratios):.2f}-{max(ratios):.2f}); "
        f"mean loss of the last {tail} steps: "
        + ", ".join(f"{d} {v:.4f}" for d, v in result["mean_loss_last_steps"].items())
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--thread-counts", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--vocab-size", type=int, default=4000)
    args = parser.parse_args()
    train_pairs = load_pairs("train")
    tokenizer = SubwordTokenizer.train([t for p in train_pairs for t in p], args.vocab_size)
    ids = encode_pairs(tokenizer, train_pairs, TranslationOptions().model.max_len)
    matmuls = [matmul_rates(n) for n in args.thread_counts]
    runs = [measure(n, args.steps, ids, tokenizer) for n in args.thread_counts]
    save_result(
        RESULTS / "translation_dtype.json",
        {"vocab_size": tokenizer.vocab_size, "matmul": matmuls, "runs": runs},
    )


if __name__ == "__main__":
    main()
