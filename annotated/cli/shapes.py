"""``annotated shapes``: print every module's tensor shapes for one forward pass."""

from __future__ import annotations

import argparse
from typing import Any

import torch

from annotated.masks import padding_mask, target_mask
from annotated.model import make_model
from annotated.shapes import trace_shapes


def run(args: argparse.Namespace) -> int:
    """Build the model, run it once on random tokens, print the table."""
    model = make_model(
        args.vocab, args.vocab, N=args.N, d_model=args.d_model, d_ff=args.d_ff, h=args.h
    )
    src = torch.randint(1, args.vocab, (args.batch, args.src_len))
    tgt = torch.randint(1, args.vocab, (args.batch, args.tgt_len))
    trace_shapes(model, src, tgt, padding_mask(src), target_mask(tgt), print_table=True)
    return 0


def register(sub: Any) -> None:
    """Add the ``shapes`` subcommand."""
    shapes = sub.add_parser(
        "shapes", help="print every module's tensor shapes for one forward pass"
    )
    shapes.add_argument("--vocab", type=int, default=11)
    shapes.add_argument("--N", type=int, default=2)
    shapes.add_argument("--d-model", type=int, default=512)
    shapes.add_argument("--d-ff", type=int, default=2048)
    shapes.add_argument("--h", type=int, default=8)
    shapes.add_argument("--batch", type=int, default=2)
    shapes.add_argument("--src-len", type=int, default=10)
    shapes.add_argument("--tgt-len", type=int, default=9)
    shapes.set_defaults(run=run)
