"""Training-step speed side by side: annotated's nanoGPT recipe and the plain-PyTorch reference.

Step speeds measured in separate runs at different moments cannot be compared on these
shared machines (the nanoGPT recipe's tokens/s ranged 5,158-17,786 between runs). Here both
implementations train in one process on the same batches: annotated's GPT built from the
recipe's options (``bench_shakespeare.py``'s ``NANOGPT``) with annotated's AdamW, and the
reference of ``bench_nanogpt_reference.py`` (plain ``torch.nn``) with the same AdamW groups.
For each thread count, each *pair* runs a block of steps of one then a block of the other
(which one goes first alternates), so the machine's load hits both alike; the figure is the
ratio of their tokens/s pair by pair, with its median and range.

Both train at the rate they would, ``6 N`` FLOPs per token (forward and backward of
:math:`N` weights; attention's own FLOPs are small at block 64), which gives the FLOP/s each
reaches. The machine's peak is measured in the same script with a square float32 matmul (and
a bfloat16 one, for what ``--dtype bf16`` could reach).

Run: ``python benchmarks/bench_step_speed.py [--pairs 5] [--steps 30] [--threads 1 2]``;
writes ``benchmarks/results/step_speed.json``. The data file is
``../shared/data/tinyshakespeare.txt``; without it the script says so and exits.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from bench_nanogpt_reference import BETAS, GRAD_CLIP, LR, WEIGHT_DECAY, CharGPT
from bench_shakespeare import NANOGPT
from machine import load_average, save_result
from tiny_shakespeare import ROOT, add_options, ready
from torch import nn

from annotated import GPT
from annotated.tasks.language_model.options import LanguageModelOptions
from annotated.training.adamw import adamw

RESULTS = ROOT / "benchmarks" / "results" / "step_speed.json"
BATCH, BLOCK = NANOGPT["batch_size"], NANOGPT["max_len"]

Step = Callable[[torch.Tensor, torch.Tensor], None]


def training_step(model: nn.Module, optimizer: torch.optim.Optimizer) -> Step:
    """One update of ``model`` on ``(x, y)``: cross-entropy, backward, clip, AdamW."""

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()

    return step


def models(vocab: int) -> dict[str, tuple[nn.Module, Step]]:
    """Both implementations of the recipe, each with its training step, seeded alike."""
    options = LanguageModelOptions.for_run(
        {k: v for k, v in NANOGPT.items() if k != "seed"}
    ).with_vocab_size(vocab)
    torch.manual_seed(0)
    ours = GPT(options.model)
    ours_opt = adamw(ours, lr=LR, weight_decay=WEIGHT_DECAY, betas=BETAS)
    torch.manual_seed(0)
    reference = CharGPT(vocab)
    matrices = [p for p in reference.parameters() if p.dim() >= 2]
    vectors = [p for p in reference.parameters() if p.dim() < 2]
    ref_opt = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": WEIGHT_DECAY}, {"params": vectors, "weight_decay": 0}],
        lr=LR, betas=BETAS,
    )  # fmt: skip
    return {
        "annotated": (ours, training_step(ours, ours_opt)),
        "reference": (reference, training_step(reference, ref_opt)),
    }


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
) -> dict[str, list[float]]:
    """Tokens/s of each implementation in ``pairs`` alternating blocks of ``block`` steps."""
    speeds: dict[str, list[float]] = {name: [] for name in steps}
    for pair in range(pairs):
        order = list(steps) if pair % 2 == 0 else list(reversed(steps))
        chunk = batches[(pair * block) % len(batches) :][:block]
        for name in order:
            start = time.perf_counter()
            for x, y in chunk:
                steps[name](x, y)
            speeds[name].append(len(chunk) * BATCH * BLOCK / (time.perf_counter() - start))
    return speeds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser)
    parser.add_argument("--pairs", type=int, default=5, help="alternating blocks per thread count")
    parser.add_argument("--steps", type=int, default=30, help="steps per block")
    parser.add_argument("--thread-counts", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not ready(args):
        return 1
    text = args.corpus.read_text(encoding="utf-8")
    lookup = {c: i for i, c in enumerate(sorted(set(text)))}
    data = torch.tensor([lookup[c] for c in text[: int(0.9 * len(text))]])
    g = torch.Generator().manual_seed(0)
    starts = torch.randint(len(data) - BLOCK - 1, (args.steps * args.pairs, BATCH), generator=g)
    batches = [
        (torch.stack([data[s : s + BLOCK] for s in row]), torch.stack([data[s + 1 : s + 1 + BLOCK] for s in row]))
        for row in starts.tolist()
    ]  # fmt: skip
    result: dict = {
        "batch": BATCH,
        "block": BLOCK,
        "pairs": args.pairs,
        "steps_per_block": args.steps,
        "by_threads": {},
    }
    for threads in args.thread_counts:
        torch.set_num_threads(threads)
        built = models(len(lookup))
        params = {name: sum(p.numel() for p in m.parameters()) for name, (m, _) in built.items()}
        steps = {name: step for name, (_, step) in built.items()}
        measure(steps, batches, 1, 3)  # warm-up both
        speeds = measure(steps, batches, args.pairs, args.steps)
        ratios = [a / r for a, r in zip(speeds["annotated"], speeds["reference"], strict=True)]
        peak = {"float32": matmul_flops(torch.float32), "bfloat16": matmul_flops(torch.bfloat16)}
        median = {name: statistics.median(s) for name, s in speeds.items()}
        flops = {name: 6 * params[name] * median[name] for name in speeds}
        result["by_threads"][threads] = {
            "parameters": params,
            "tokens_per_s": speeds,
            "median_tokens_per_s": median,
            "ratio_by_pair": ratios,
            "ratio_median": statistics.median(ratios),
            "ratio_range": [min(ratios), max(ratios)],
            "training_flops_per_s": flops,
            "matmul_peak_flops_per_s": peak,
            "fraction_of_float32_peak": {n: f / peak["float32"] for n, f in flops.items()},
            "load_average": load_average(),
        }
        print(
            f"{threads} thread(s): annotated {median['annotated']:,.0f} tokens/s, reference "
            f"{median['reference']:,.0f}; ratio median {statistics.median(ratios):.3f} "
            f"(range {min(ratios):.3f}-{max(ratios):.3f}, {args.pairs} pairs); training "
            f"{flops['annotated'] / 1e9:.1f} GFLOP/s vs matmul peak {peak['float32'] / 1e9:.0f} "
            f"(fp32), {peak['bfloat16'] / 1e9:.0f} (bf16) GFLOP/s"
        )
    save_result(RESULTS, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
