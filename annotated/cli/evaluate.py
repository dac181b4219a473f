"""``annotated eval RUN_DIR|CHECKPOINT|NAME``: a trained model's score on held-out data.

Exact match on held-out inputs for copy, sort and add; for a translation model, BLEU and
chrF on the test split (greedy and beam search, overall and per source).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch

from annotated.cli.argtypes import THREADS_HELP, checkpoint, positive_int
from annotated.tasks.seq2seq.evaluation import exact_match
from annotated.tasks.seq2seq.loading import load_task_model
from annotated.tasks.translation.evaluation import score_test_split
from annotated.tasks.translation.loading import held_out_test_pairs, load_translation_model
from annotated.training.checkpoint import read_card, resolve
from annotated.training.device import pick_device


def run(args: argparse.Namespace) -> int:
    """Load, decode the held-out inputs, print ``exact match: X%``."""
    torch.set_num_threads(args.threads)
    if read_card(resolve(args.checkpoint)).get("task") == "translate":
        return _translation(args)
    model, task, _ = load_task_model(args.checkpoint, pick_device(args.device))
    texts = task.held_out(args.examples, args.split)
    alpha = 0.0 if args.alpha is None else args.alpha
    em = exact_match(model, task, texts, beam=args.beam, alpha=alpha)
    how = "greedy" if args.beam == 1 else f"beam {args.beam}"
    print(
        f"exact match: {100 * em:.1f}% on {len(texts)} held-out {task.name} inputs ({args.split}, {how})"
    )
    return 0


def _translation(args: argparse.Namespace) -> int:
    """Score a translation model on the test split; print BLEU, chrF and the signatures."""
    model, tokenizer, card = load_translation_model(args.checkpoint, pick_device(args.device))
    test = held_out_test_pairs(card, args.corpus)
    beam = args.beam if args.beam > 1 else card["options"]["beam"]
    alpha = card["options"]["alpha"] if args.alpha is None else args.alpha
    m = score_test_split(model, tokenizer, test, beam=beam, alpha=alpha)
    print(f"test split: {m['test_sentences']} sentences ({', '.join(test)})")
    for name, how in (("greedy", "greedy"), ("beam", f"beam {beam}, alpha {alpha}")):
        per_source = ", ".join(f"{s} {m[f'test_bleu_{name}_{s}']:.2f}" for s in test)
        print(
            f"BLEU {m[f'test_bleu_{name}']:.2f}, chrF {m[f'test_chrf_{name}']:.2f} ({how}); "
            f"BLEU by source: {per_source}"
        )
    print(f"  {m['bleu_signature']}\n  {m['chrf_signature']}")
    return 0


def register(sub: Any) -> None:
    """Add the ``eval`` subcommand."""
    p = sub.add_parser(
        "eval",
        help="score a trained model on held-out data: exact match (tasks), BLEU (translation)",
    )
    p.add_argument(
        "checkpoint",
        type=checkpoint,
        help="a run directory, its model.safetensors, or a shipped model: copy, sort or add",
    )
    p.add_argument("--examples", type=positive_int, default=1000, help="held-out inputs (1000)")
    p.add_argument("--split", choices=("test", "val"), default="test", help="held-out split")
    p.add_argument(
        "--beam",
        type=positive_int,
        default=1,
        help="beam size (1 = greedy; a translation model is scored both greedy and with its "
        "card's beam unless a beam is given)",
    )
    p.add_argument(
        "--alpha",
        type=float,
        help="beam length penalty exponent (default 0; a translation model: its card's)",
    )
    p.add_argument(
        "--corpus", type=Path, help="translation: the corpus folder (default: the card's)"
    )
    p.add_argument("--threads", type=positive_int, default=1, help=THREADS_HELP)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.set_defaults(run=run)
