"""``annotated decode RUN_DIR|CHECKPOINT|NAME "3 1 4"``: the model's answer to one input."""

from __future__ import annotations

import argparse
from typing import Any

import torch

from annotated.cli.argtypes import THREADS_HELP, checkpoint, positive_int
from annotated.tasks.seq2seq.evaluation import predict
from annotated.tasks.seq2seq.loading import load_task_model
from annotated.training.device import pick_device


def run(args: argparse.Namespace) -> int:
    """Load, decode ``args.text`` greedily or by beam search, print the answer."""
    torch.set_num_threads(args.threads)
    model, task, _ = load_task_model(args.checkpoint, pick_device(args.device))
    task.parse(args.text)  # a malformed input fails before any decoding
    print(predict(model, task, [args.text], beam=args.beam, alpha=args.alpha)[0])
    return 0


def register(sub: Any) -> None:
    """Add the ``decode`` subcommand."""
    p = sub.add_parser("decode", help="answer one input with a trained task model")
    p.add_argument(
        "checkpoint",
        type=checkpoint,
        help="a run directory, its model.safetensors, or a shipped model: copy, sort or add",
    )
    p.add_argument("text", help="the input, e.g. '3 1 4 1 5' or '123+456'")
    p.add_argument("--beam", type=positive_int, default=1, help="beam size (1 = greedy)")
    p.add_argument("--alpha", type=float, default=0.0, help="beam length penalty exponent (0)")
    p.add_argument("--threads", type=positive_int, default=1, help=THREADS_HELP)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.set_defaults(run=run)
