"""KV cache: generate 256 new tokens at block size 256, cached vs uncached.

Both paths run in this one process, interleaved, so machine load affects them alike; the
figure is the ratio of their median wall times. Goal: cached at least 3x faster, with
identical tokens (the same seeded sampling on both paths).

Run: ``python benchmarks/bench_kv_cache.py`` (writes ``benchmarks/results/kv_cache.json``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import torch
from machine import save_result

from annotated import GPT, GPTConfig, generate

RESULTS = Path(__file__).parent / "results"


def timed_generate(model: GPT, prompt: torch.Tensor, n: int, use_cache: bool) -> tuple:
    """Seeded sampling of ``n`` tokens; returns (seconds, tokens)."""
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    out = generate(model, prompt, n, temperature=1.0, generator=generator, use_cache=use_cache)
    return time.perf_counter() - start, out


def measure(model: GPT, prompt: torch.Tensor, new_tokens: int, repeats: int) -> dict:
    """Median wall times of both paths, alternating run by run, and whether tokens agree."""
    timed_generate(model, prompt, 8, True)  # warm-up both paths
    timed_generate(model, prompt, 8, False)
    times: dict[str, list[float]] = {"cached": [], "uncached": []}
    outputs: dict[str, torch.Tensor] = {}
    for _ in range(repeats):  # alternating: load hits both paths alike
        for name, use_cache in (("cached", True), ("uncached", False)):
            seconds, outputs[name] = timed_generate(model, prompt, new_tokens, use_cache)
            times[name].append(seconds)
    median = {name: statistics.median(t) for name, t in times.items()}
    return {
        "seconds": times,
        "median_seconds": median,
        "tokens_per_second": {k: prompt.size(0) * new_tokens / v for k, v in median.items()},
        "speedup": median["uncached"] / median["cached"],
        "identical_tokens": torch.equal(outputs["cached"], outputs["uncached"]),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-tokens", type=int, default=256)
    parser.add_argument("--block-size", dest="max_len", type=int, default=256)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, torch.get_num_threads()])
    parser.add_argument("--out", type=Path, default=RESULTS / "kv_cache.json")
    args = parser.parse_args()
    torch.manual_seed(0)
    config = GPTConfig.nanogpt_shakespeare_char(vocab_size=65, max_len=args.max_len)
    model = GPT(config).eval()
    prompt = torch.zeros(args.batch, 1, dtype=torch.long)  # one token: every step fits the block
    runs = {}
    for threads in dict.fromkeys(args.threads):
        torch.set_num_threads(threads)
        runs[threads] = measure(model, prompt, args.new_tokens, args.repeats)

    result = {
        "benchmark": "kv_cache",
        "config": config.to_dict(),
        "batch": args.batch,
        "prompt_tokens": 1,
        "new_tokens": args.new_tokens,
        "repeats": args.repeats,
        "goal_speedup": 3.0,
        "by_threads": runs,
    }
    save_result(args.out, result)

    print(
        f"KV cache: {args.new_tokens} new tokens at block size {args.max_len}, "
        f"batch {args.batch}, median of {args.repeats} (goal: speed-up >= 3, same tokens)"
    )
    print(
        f"{'threads':>7} {'uncached s':>10} {'cached s':>9} {'speed-up':>8} {'same':>5} {'load':>5}"
    )
    for threads, run in runs.items():
        median = run["median_seconds"]
        print(
            f"{threads:>7} {median['uncached']:>10.3f} {median['cached']:>9.3f} "
            f"{run['speedup']:>7.2f}x {run['identical_tokens']!s:>5} {run['load_average'][0]:>5.2f}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
