"""GPT training step vs the same model built from ``torch.nn.TransformerEncoderLayer``.

Both models have nanoGPT's character-level Shakespeare size (4 layers, 4 heads, d_model 128,
block 64, batch 12, no bias, pre-norm LayerNorm, GELU, learned positions, tied weights) and
the same parameter count; PyTorch's is given the causal mask with ``is_causal=True``, its
fastest documented path. One step is forward, cross-entropy, backward and an AdamW update.
The two alternate step by step in this one process, so load affects them alike; the figure
is the ratio of median step times. Goal: ratio <= 1.0.

Run: ``python benchmarks/bench_gpt_step.py`` (writes ``benchmarks/results/gpt_step.json``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from machine import save_result
from torch import nn

from annotated import GPT, GPTConfig

RESULTS = Path(__file__).parent / "results"
OURS, THEIRS = "annotated.GPT", "nn.TransformerEncoder"


class TorchGPT(nn.Module):
    """The same GPT from PyTorch's own modules: ``nn.TransformerEncoder`` with a causal mask."""

    causal: torch.Tensor

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        c = config
        self.tok_embed = nn.Embedding(c.vocab_size, c.d_model)
        self.pos_embed = nn.Embedding(c.max_len, c.d_model)
        layer = nn.TransformerEncoderLayer(
            c.d_model,
            c.h,
            c.d_ff,
            dropout=c.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
            bias=c.bias,
        )
        self.encoder = nn.TransformerEncoder(layer, c.N, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(c.d_model, bias=c.bias)
        self.lm_head = nn.Linear(c.d_model, c.vocab_size, bias=False)
        self.lm_head.weight = self.tok_embed.weight
        mask = nn.Transformer.generate_square_subsequent_mask(c.max_len)
        self.register_buffer("causal", mask, persistent=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        seq = idx.size(1)
        x = self.tok_embed(idx) + self.pos_embed(torch.arange(seq, device=idx.device))
        x = self.encoder(x, mask=self.causal[:seq, :seq], is_causal=True)
        return self.lm_head(self.norm(x))


def training_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], float]:
    """A closure running one full AdamW step on the fixed batch ``(x, y)``."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.99))

    def step() -> float:
        logits = model(x)  # (batch, seq, vocab)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def measure(steps: dict[str, Callable[[], float]], repeats: int) -> dict:
    """Median step times, the two models alternating step by step."""
    for step in steps.values():  # warm-up
        for _ in range(3):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):  # alternating: load hits both alike
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(t) for name, t in times.items()}
    return {
        "step_seconds": times,
        "median_step_seconds": median,
        "ratio": median[OURS] / median[THEIRS],
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=80, help="timed steps per model")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, torch.get_num_threads()])
    parser.add_argument("--out", type=Path, default=RESULTS / "gpt_step.json")
    args = parser.parse_args()
    config = GPTConfig.nanogpt_shakespeare_char(vocab_size=65)
    torch.manual_seed(0)
    models = {OURS: GPT(config).train(), THEIRS: TorchGPT(config)}
    counts = {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()}
    if len(set(counts.values())) != 1:
        raise RuntimeError(f"the two models differ in size: {counts}")
    data = torch.randint(config.vocab_size, (args.batch, config.max_len + 1))
    x, y = data[:, :-1], data[:, 1:]  # (batch, max_len) each
    steps = {name: training_step(m, x, y) for name, m in models.items()}
    runs = {}
    for threads in dict.fromkeys(args.threads):
        torch.set_num_threads(threads)
        runs[threads] = measure(steps, args.repeats)

    tokens = args.batch * config.max_len
    result = {
        "benchmark": "gpt_step",
        "config": config.to_dict(),
        "batch": args.batch,
        "parameters": counts[OURS],
        "repeats": args.repeats,
        "goal_ratio": 1.0,
        "by_threads": runs,
    }
    save_result(args.out, result)

    print(
        f"Training step, {counts[OURS]:,} parameters, batch {args.batch} x {config.max_len}, "
        f"median of {args.repeats} (goal: ratio <= 1.0)"
    )
    print(f"{'threads':>7} {'GPT ms':>8} {'torch ms':>8} {'GPT tok/s':>9} {'ratio':>6} {'load':>5}")
    for threads, run in runs.items():
        ours, theirs = (1e3 * run["median_step_seconds"][k] for k in (OURS, THEIRS))
        print(
            f"{threads:>7} {ours:>8.2f} {theirs:>8.2f} {1e3 * tokens / ours:>9.0f} "
            f"{run['ratio']:>6.3f} {run['load_average'][0]:>5.2f}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
