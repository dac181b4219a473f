"""Character-level Shakespeare: nanoGPT's published CPU recipe, then modern variants of it.

nanoGPT's README trains a small character-level GPT on the 1.1 MB tiny-Shakespeare file on a
CPU and reports a validation loss of 1.88: 4 layers, 4 heads, d_model 128, block 64, batch 12,
2,000 steps, dropout 0, no bias, AdamW with betas (0.9, 0.99) and weight decay 0.1 on the
matrices, gradient clip 1.0, lr 1e-3 with 100 warmup steps and a cosine to 1e-4; pre-norm
LayerNorm, GELU, learned positions, tied weights. The ``nanogpt`` recipe below is exactly that,
run by ``annotated train shakespeare``'s own code; the others change one or more of the variant
switches (RMSNorm, SwiGLU, RoPE, ALiBi) or the learning rate, at the same size and the same
2,000 steps. Goals: ``nanogpt`` <= 1.89 (the median of its seeds 0-14), the best modern
recipe <= 1.80.

The figure is the validation loss over the *whole* validation split (the last 10% of the
file, every character predicted once, :func:`annotated.mean_cross_entropy`); nanoGPT's 1.88
is its ``estimate_loss`` on 20 random batches, an estimate of the same quantity. Throughput is
training tokens per second of optimizer steps (evaluations excluded). Runs go one after the
other in this process; the machine's load average is recorded beside each, since a busy
machine slows them (it does not change the losses: every run is deterministic under its seed).

Run: ``python benchmarks/bench_shakespeare.py [--only nanogpt rope ...]``; results are merged
into ``benchmarks/results/shakespeare.json`` by recipe and printed as a table. The data file is
``../shared/data/tinyshakespeare.txt`` from the repository root (never committed); without it
the script says so and exits.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from machine import load_average, merge_run
from tiny_shakespeare import NANOGPT_SEEDS, ROOT, add_options, ready

from annotated.tasks.language_model.run import run_shakespeare

RESULTS = ROOT / "benchmarks" / "results" / "shakespeare.json"

NANOGPT: dict[str, Any] = {
    "N": 4, "h": 4, "d_model": 128, "max_len": 64, "batch_size": 12,
    "max_steps": 2000, "dropout": 0.0, "bias": False, "beta2": 0.99, "weight_decay": 0.1,
    "grad_clip": 1.0, "lr": 1e-3, "min_lr": 1e-4, "warmup": 100, "norm": "layer",
    "layout": "pre", "activation": "gelu", "positions": "learned", "share_embeddings": True,
    "eval_interval": 250, "eval_iters": 20, "seed": 0,
}  # fmt: skip

CURVE_WINDOW = 50  # steps per point of the stored training-loss curve

MODERN: dict[str, Any] = {"positions": "rope", "norm": "rms", "activation": "swiglu"}

# each recipe: what it changes from nanoGPT's
RECIPES: dict[str, dict[str, Any]] = {
    "nanogpt": {},
    "rmsnorm": {"norm": "rms"},
    "swiglu": {"activation": "swiglu"},
    "rope": {"positions": "rope"},
    "alibi": {"positions": "alibi"},
    "rope+rms+swiglu": MODERN,
    "alibi+rms+swiglu": MODERN | {"positions": "alibi"},
    "rope lr2e-3": {"positions": "rope", "lr": 2e-3, "min_lr": 2e-4},
    "rope+rms+swiglu lr2e-3": MODERN | {"lr": 2e-3, "min_lr": 2e-4},
    "rope+rms+swiglu lr3e-3": MODERN | {"lr": 3e-3, "min_lr": 3e-4},
}


def run_recipe(name: str, corpus: Path, steps: int | None, seed: int = 0) -> dict[str, Any]:
    """Train recipe ``name`` once in a temporary directory; its figures."""
    overrides = NANOGPT | RECIPES[name] | {"corpus": str(corpus), "seed": seed}
    if steps is not None:
        overrides |= {"max_steps": steps, "warmup": min(overrides["warmup"], steps)}
    load_before = load_average()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_shakespeare(Path(tmp) / "run", overrides, progress=False, log=lambda s: None)
    m, state = result.metrics, result.state
    return {
        "recipe": name if seed == 0 else f"{name} seed{seed}",
        "changes": RECIPES[name],
        "seed": seed,
        "val_loss": round(m["val_loss"], 4),
        "val_loss_estimate": round(m["val_loss_estimate"], 4),
        "train_loss_estimate": round(m["train_loss_estimate"], 4),
        "tokens_per_s": round(m["tokens_per_s"]),
        "parameters": m["parameters"],
        "steps": m["optimizer_steps"],
        "seconds": round(time.perf_counter() - started, 1),
        "load_before": load_before,
        "load_after": load_average(),
        "threads": torch.get_num_threads(),
        "sample": m["sample"][:300],
        "curve": learning_curve(state.history),
        "evals": [
            {k: round(e[k], 4) if k != "step" else e[k] for k in ("step", "train_loss", "val_loss")}
            for e in state.evals
        ],
    }


def learning_curve(history: list[dict[str, Any]], window: int = CURVE_WINDOW) -> dict[str, list]:
    """The training loss averaged over each ``window`` consecutive steps (the plotted curve)."""
    steps, losses = [], []
    for i in range(0, len(history) - window + 1, window):
        chunk = history[i : i + window]
        steps.append(chunk[-1]["step"])
        losses.append(round(sum(r["loss"] for r in chunk) / window, 4))
    return {"step": steps, "train_loss": losses}


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a fixed-width table, best loss first."""
    lines = [
        f"{'recipe':<28} {'val loss':>8} {'est.':>7} {'params':>9} {'tokens/s':>9} "
        f"{'threads':>7} {'seconds':>8} {'load':>10}"
    ]
    for r in sorted(rows, key=lambda r: r["val_loss"]):
        load = f"{r['load_before']}-{r['load_after']}"
        lines.append(
            f"{r['recipe']:<28} {r['val_loss']:>8.4f} {r['val_loss_estimate']:>7.4f} "
            f"{r['parameters']:>9,} {r['tokens_per_s']:>9,} {r['threads']:>7} "
            f"{r['seconds']:>8.1f} {load:>10}"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the recipes asked for, merge them into the results file, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(RECIPES), help="these recipes only")
    add_options(parser)
    parser.add_argument("--steps", type=int, help="fewer steps, for a smoke test (not saved)")
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        help=f"seeds to run each recipe with (default: {NANOGPT_SEEDS} for nanogpt, 0 for others)",
    )
    args = parser.parse_args()
    if not ready(args):
        return 0
    runs = [
        (n, s)
        for n in args.only or list(RECIPES)
        for s in args.seeds or (range(NANOGPT_SEEDS) if n == "nanogpt" else [0])
    ]
    for name, seed in runs:
        row = run_recipe(name, args.corpus, args.steps, seed)
        print(
            f"{row['recipe']}: val loss {row['val_loss']:.4f}, {row['tokens_per_s']:,} tokens/s, "
            f"{row['seconds']:.0f} s, load {row['load_before']}-{row['load_after']}",
            flush=True,
        )
        if args.steps is None:
            merge_run(RESULTS, row["recipe"], row)
    rows = list(json.loads(RESULTS.read_text())["runs"].values()) if RESULTS.is_file() else []
    if rows:
        print(table(rows))
        print(f"goals: nanogpt <= 1.89 (published 1.88); best modern <= 1.80  ({RESULTS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
