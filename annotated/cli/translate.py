"""``annotated translate RUN_OR_NAME "Ein Satz."``: German in, English out."""

from __future__ import annotations

import argparse
from typing import Any

import torch

from annotated.cli.argtypes import THREADS_HELP, checkpoint, positive_int
from annotated.tasks.translation.evaluation import translate
from annotated.tasks.translation.loading import load_translation_model
from annotated.training.device import pick_device


def run(args: argparse.Namespace) -> int:
    """Load the model and print the translation of each sentence, one per line."""
    torch.set_num_threads(args.threads)
    if not all(s.strip() for s in args.sentences):
        raise ValueError("give German sentences to translate, not empty text")
    model, tokenizer, _ = load_translation_model(args.checkpoint, pick_device(args.device))
    for line in translate(model, tokenizer, args.sentences, beam=args.beam, alpha=args.alpha):
        print(line)
    return 0


def register(sub: Any) -> None:
    """Add the ``translate`` subcommand."""
    p = sub.add_parser(
        "translate",
        help="translate German sentences into English with a trained model",
        description="Translate each SENTENCE from German into English with a translation run "
        "or the shipped translate-de-en model.",
    )
    p.add_argument(
        "checkpoint", type=checkpoint, help="a translation run directory, or translate-de-en"
    )
    p.add_argument("sentences", nargs="+", metavar="SENTENCE", help="German text")
    p.add_argument("--beam", type=positive_int, default=4, help="beam size (1 = greedy; 4)")
    p.add_argument("--alpha", type=float, default=0.6, help="beam length penalty (0.6)")
    p.add_argument("--threads", type=positive_int, default=1, help=THREADS_HELP)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.set_defaults(run=run)
