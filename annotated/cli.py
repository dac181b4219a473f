"""The ``annotated`` command line."""

from __future__ import annotations

import argparse
import sys

import torch

from annotated.masks import padding_mask, target_mask
from annotated.model import make_model
from annotated.shapes import trace_shapes


def _shapes(args: argparse.Namespace) -> int:
    model = make_model(args.vocab, args.vocab, N=args.N, d_model=args.d_model, d_ff=args.d_ff, h=args.h)
    src = torch.randint(1, args.vocab, (args.batch, args.src_len))
    tgt = torch.randint(1, args.vocab, (args.batch, args.tgt_len))
    trace_shapes(model, src, tgt, padding_mask(src), target_mask(tgt), print_table=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="annotated", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    shapes = sub.add_parser("shapes", help="print every module's tensor shapes for one forward pass")
    shapes.add_argument("--vocab", type=int, default=11)
    shapes.add_argument("--N", type=int, default=2)
    shapes.add_argument("--d-model", type=int, default=512)
    shapes.add_argument("--d-ff", type=int, default=2048)
    shapes.add_argument("--h", type=int, default=8)
    shapes.add_argument("--batch", type=int, default=2)
    shapes.add_argument("--src-len", type=int, default=10)
    shapes.add_argument("--tgt-len", type=int, default=9)
    shapes.set_defaults(run=_shapes)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; bad arguments print one line and exit non-zero."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ValueError as error:
        print(f"annotated: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
