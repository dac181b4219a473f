"""What the two benchmarks of nanoGPT's CPU recipe share: its data file, its seeds, its options.

``bench_shakespeare.py`` (annotated's code) and ``bench_nanogpt_reference.py`` (plain
PyTorch) train on the same file over the same seeds, so their medians compare.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"
NANOGPT_SEEDS = 15  # the published recipe's figure is the median over this many seeds


def add_options(parser: argparse.ArgumentParser) -> None:
    """``--corpus`` (default :data:`DATA`) and ``--threads``."""
    parser.add_argument("--corpus", type=Path, default=DATA, help=f"the text file ({DATA})")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")


def ready(args: argparse.Namespace) -> bool:
    """Set the torch threads asked for; ``False`` (and say so) if the corpus is absent."""
    if not args.corpus.is_file():
        print(f"skipped: {args.corpus} is absent (nanoGPT's tiny-Shakespeare file; not committed)")
        return False
    if args.threads:
        torch.set_num_threads(args.threads)
    return True
