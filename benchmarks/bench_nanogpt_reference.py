"""nanoGPT's CPU recipe in plain PyTorch, none of annotated's code: the control for its figure.

``bench_shakespeare.py`` trains nanoGPT's published CPU recipe with annotated's code and
misses the goal (validation loss <= 1.89; nanoGPT's README reports 1.88) by about 0.02. Is
that annotated's code, or what the recipe gives on this machine? This script answers by
training the same recipe with a second implementation, written here from the recipe alone
in plain PyTorch (``torch.nn`` layers and ``F.scaled_dot_product_attention``), over the same
seeds, and measuring the same two figures:

- the validation loss over the *whole* validation split (the last 10% of the file, every
  character predicted once, in windows of the block size), and
- nanoGPT's own ``estimate_loss``: the mean over 20 random batches of the split.

The recipe: characters as tokens; 4 pre-norm blocks (LayerNorm without bias, 4-head causal
self-attention, a GELU MLP 4x wide), learned positions, a final LayerNorm, the output layer
tied to the token embedding; no biases, dropout 0. Weights drawn from
:math:`\\mathcal{N}(0, 0.02^2)`, the two projections back into the residual stream from
:math:`\\mathcal{N}(0, (0.02/\\sqrt{2 n_\\text{layer}})^2)`. AdamW, betas (0.9, 0.99), weight
decay 0.1 on the matrices only, gradient norm clipped at 1.0; batch 12 of block 64; the
learning rate rises linearly to 1e-3 over 100 steps, then follows a cosine to 1e-4 at step
2,000. Batches start at uniformly random offsets of the first 90% of the file.

``run_all.py`` puts the ratio of the two implementations' medians in the headline
(annotated / this; at most 1.0 means annotated's code trains at least as well).

Run: ``python benchmarks/bench_nanogpt_reference.py [--seeds 0 1 2] [--threads 1]``; results
merge by seed into ``benchmarks/results/nanogpt_reference.json``, so two processes with one
thread each may split the seeds. The data file is ``../shared/data/tinyshakespeare.txt``;
without it the script says so and exits.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from typing import Any

import torch
import torch.nn.functional as F
from machine import load_average, merge_run
from tiny_shakespeare import NANOGPT_SEEDS, ROOT, add_options, ready
from torch import nn

RESULTS = ROOT / "benchmarks" / "results" / "nanogpt_reference.json"

N_LAYER, N_HEAD, D_MODEL, BLOCK, BATCH = 4, 4, 128, 64, 12
STEPS, WARMUP, LR, MIN_LR = 2000, 100, 1e-3, 1e-4
BETAS, WEIGHT_DECAY, GRAD_CLIP, EVAL_ITERS = (0.9, 0.99), 0.1, 1.0, 20


class Block(nn.Module):
    """``x + attn(ln(x))`` then ``x + mlp(ln(x))``, on ``(batch, seq, d_model)``."""

    def __init__(self) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL, bias=False)
        self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL, bias=False)
        self.out = nn.Linear(D_MODEL, D_MODEL, bias=False)
        self.ln2 = nn.LayerNorm(D_MODEL, bias=False)
        self.up = nn.Linear(D_MODEL, 4 * D_MODEL, bias=False)
        self.down = nn.Linear(4 * D_MODEL, D_MODEL, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        heads = self.qkv(self.ln1(x)).view(b, t, 3, N_HEAD, d // N_HEAD).transpose(1, 3)
        q, k, v = heads.unbind(2)  # each (batch, head, seq, d_head)
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.out(attended.transpose(1, 2).reshape(b, t, d))
        return x + self.down(F.gelu(self.up(self.ln2(x))))


class CharGPT(nn.Module):
    """Token ids ``(batch, seq)`` to next-character logits ``(batch, seq, vocab)``."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab, D_MODEL)
        self.positions = nn.Embedding(BLOCK, D_MODEL)
        self.blocks = nn.Sequential(*(Block() for _ in range(N_LAYER)))
        self.ln_f = nn.LayerNorm(D_MODEL, bias=False)
        self.head = nn.Linear(D_MODEL, vocab, bias=False)
        self.head.weight = self.tokens.weight
        for name, p in self.named_parameters():
            if p.dim() == 2:
                residual = name.endswith(("out.weight", "down.weight"))
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * N_LAYER) if residual else 0.02)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tokens(idx) + self.positions(torch.arange(idx.size(1)))
        return self.head(self.ln_f(self.blocks(x)))


def learning_rate(step: int) -> float:
    """Linear warm-up to ``LR``, then a cosine to ``MIN_LR`` at ``STEPS``."""
    if step < WARMUP:
        return LR * (step + 1) / (WARMUP + 1)
    progress = (step - WARMUP) / (STEPS - WARMUP)
    return MIN_LR + 0.5 * (1 + math.cos(math.pi * progress)) * (LR - MIN_LR)


def batch(data: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``BATCH`` windows at random offsets: inputs and the characters that follow them."""
    starts = torch.randint(len(data) - BLOCK, (BATCH,))
    x = torch.stack([data[s : s + BLOCK] for s in starts])
    y = torch.stack([data[s + 1 : s + 1 + BLOCK] for s in starts])
    return x, y


@torch.no_grad()
def whole_split_loss(model: CharGPT, data: torch.Tensor) -> float:
    """Mean cross-entropy over every character of ``data`` after the first, once each."""
    total, count = 0.0, 0
    for start in range(0, len(data) - 1, BLOCK):
        window = data[start : start + BLOCK + 1]
        logits = model(window[None, :-1])[0]
        total += F.cross_entropy(logits, window[1:], reduction="sum").item()
        count += len(window) - 1
    return total / count


@torch.no_grad()
def estimated_loss(model: CharGPT, data: torch.Tensor) -> float:
    """nanoGPT's ``estimate_loss``: the mean loss of ``EVAL_ITERS`` random batches."""
    losses = []
    for _ in range(EVAL_ITERS):
        x, y = batch(data)
        losses.append(F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item())
    return sum(losses) / len(losses)


def train(text: str, seed: int) -> dict[str, Any]:
    """Train the recipe once under ``seed``; its figures."""
    torch.manual_seed(seed)
    vocab = sorted(set(text))
    lookup = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([lookup[c] for c in text], dtype=torch.long)
    split = int(0.9 * len(data))
    train_data, val_data = data[:split], data[split:]
    model = CharGPT(len(vocab))
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": WEIGHT_DECAY}, {"params": others, "weight_decay": 0}],
        lr=LR,
        betas=BETAS,
    )
    load_before = load_average()
    started = time.perf_counter()
    for step in range(STEPS):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step)
        x, y = batch(train_data)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()
    seconds = time.perf_counter() - started
    model.eval()
    return {
        "seed": seed,
        "val_loss": round(whole_split_loss(model, val_data), 4),
        "val_loss_estimate": round(estimated_loss(model, val_data), 4),
        "final_train_loss": round(loss.item(), 4),
        "parameters": sum(p.numel() for p in model.parameters()),
        "tokens_per_s": round(STEPS * BATCH * BLOCK / seconds),
        "seconds": round(seconds, 1),
        "threads": torch.get_num_threads(),
        "load_before": load_before,
        "load_after": load_average(),
    }


def main() -> int:
    """Train the seeds asked for, merge them into the results file, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(NANOGPT_SEEDS)))
    add_options(parser)
    args = parser.parse_args()
    if not ready(args):
        return 0
    text = args.corpus.read_text(encoding="utf-8")
    for seed in args.seeds:
        run = train(text, seed)
        print(
            f"seed {seed}: val loss {run['val_loss']:.4f} (estimate "
            f"{run['val_loss_estimate']:.4f}), {run['tokens_per_s']:,} tokens/s",
            flush=True,
        )
        merge_run(RESULTS, str(seed), run)
    runs = json.loads(RESULTS.read_text())["runs"].values()
    for key in ("val_loss", "val_loss_estimate"):
        values = sorted(r[key] for r in runs)
        print(
            f"{key}: median {statistics.median(values):.4f} over {len(values)} seeds "
            f"(range {values[0]:.4f}-{values[-1]:.4f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
