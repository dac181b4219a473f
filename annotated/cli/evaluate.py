"""``annotated eval RUN_DIR|CHECKPOINT|NAME``: exact match on held-out inputs."""

from __future__ import annotations

import argparse
from typing import Any

import torch

from annotated.cli.argtypes import THREADS_HELP, checkpoint, positive_int
from annotated.tasks.seq2seq.evaluation import exact_match
from annotated.tasks.seq2seq.loading import load_task_model
from annotated.training.device import pick_device


def run(args: argparse.Namespace) -> int:
    """Load, decode the held-out inputs, print ``exact match: X%``."""
    torch.set_num_threads(args.threads)
    model, task, _ = load_task_model(args.checkpoint, pick_device(args.device))
    texts = task.held_out(args.examples, args.split)
    em = exact_match(model, task, texts, beam=args.beam, alpha=args.alpha)
    how = "greedy" if args.beam == 1 else f"beam {args.beam}"
    print(
        f"exact match: {100 * em:.1f}% on {len(texts)} held-out {task.name} inputs ({args.split}, {how})"
    )
    return 0


def register(sub: Any) -> None:
    """Add the ``eval`` subcommand."""
    p = sub.add_parser("eval", help="exact match of a trained task model on held-out inputs")
    p.add_argument(
        "checkpoint",
        type=checkpoint,
        help="a run directory, its model.safetensors, or a shipped model: copy, sort or add",
    )
    p.add_argument("--examples", type=positive_int, default=1000, help="held-out inputs (1000)")
    p.add_argument("--split", choices=("test", "val"), default="test", help="held-out split")
    p.add_argument("--beam", type=positive_int, default=1, help="beam size (1 = greedy)")
    p.add_argument("--alpha", type=float, default=0.0, help="beam length penalty exponent (0)")
    p.add_argument("--threads", type=positive_int, default=1, help=THREADS_HELP)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.set_defaults(run=run)
