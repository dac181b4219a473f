"""``annotated shapes``: print every module's tensor shapes for one forward pass."""

from __future__ import annotations

import argparse
from typing import Any

import torch

from annotated.cli.argtypes import positive_int
from annotated.fields import flag
from annotated.masks import padding_mask, target_mask
from annotated.model import make_model
from annotated.shapes import trace_shapes


def run(args: argparse.Namespace) -> int:
    """Build the model, run it once on random tokens, print the table."""
    if args.vocab < 2:
        raise ValueError(f"--vocab {args.vocab}: need at least 2 (index 0 is padding)")
    model = make_model(
        args.vocab, args.vocab, N=args.N, d_model=args.d_model, d_ff=args.d_ff, h=args.h
    )
    src = torch.randint(1, args.vocab, (args.batch, args.src_len))  # (batch, src_len), no pad
    tgt = torch.randint(1, args.vocab, (args.batch, args.tgt_len))  # (batch, tgt_len)
    trace_shapes(model, src, tgt, padding_mask(src), target_mask(tgt), print_table=True)
    return 0


def register(sub: Any) -> None:
    """Add the ``shapes`` subcommand; the defaults are the paper's base model."""
    shapes = sub.add_parser(
        "shapes",
        help="print every module's tensor shapes for one forward pass",
        description="Print every module's tensor shapes for one forward pass of the "
        "encoder-decoder on random tokens. The defaults are the paper's base model.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = shapes.add_argument
    add("--vocab", type=positive_int, default=11, help="source and target vocabulary size")
    add(flag("N"), dest="N", type=positive_int, default=6, help="layers N in encoder and decoder")
    add("--d-model", type=positive_int, default=512, help="model width d_model")
    add("--d-ff", type=positive_int, default=2048, help="feed-forward width d_ff")
    add(flag("h"), dest="h", type=positive_int, default=8, help="attention heads h")
    add("--batch", type=positive_int, default=2, help="sequences")
    add("--src-len", type=positive_int, default=10, help="source tokens per sequence")
    add("--tgt-len", type=positive_int, default=9, help="target tokens per sequence")
    shapes.set_defaults(run=run)
