"""``annotated train translate``: the encoder-decoder on German-to-English sentence pairs.

Every option defaults to the recipe of the shipped ``translate-de-en`` model (see
:class:`~annotated.tasks.translation.options.TranslationOptions`); the corpus is the one
``annotated data de-en`` built.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

import torch

from annotated.cli.flags import add_flags, given
from annotated.cli.run_options import add_run_options, run_directory
from annotated.config import TransformerConfig
from annotated.tasks.translation.options import TranslationOptions
from annotated.tasks.translation.run import run_translation
from annotated.training.loop import LoopOptions

DEFAULTS = TranslationOptions().leaves()
SET_BY_THE_RUN = frozenset({"model", "loop", "src_vocab", "tgt_vocab"})


def run(args: argparse.Namespace) -> int:
    """Train, then print the test scores and where the run was written."""
    torch.set_num_threads(args.threads)
    out = run_directory(args)
    result = run_translation(
        out,
        given(args, args.option_names),
        resume=args.resume,
        device=args.device,
        command=shlex.join(["annotated", *args.argv]),
        progress=not args.quiet,
    )
    m = result.metrics
    print(
        f"test BLEU {m['test_bleu_beam']:.2f} (beam), {m['test_bleu_greedy']:.2f} (greedy); "
        f"chrF {m['test_chrf_beam']:.2f} on {m['test_sentences']} sentences"
    )
    print(f"  {m['bleu_signature']}")
    print(f"run directory: {out} (model.safetensors, model.json, tokenizer.json, metrics.json)")
    return 0


def register(tasks: Any) -> None:
    """Add ``translate`` to the ``train`` subcommand's tasks."""
    p = tasks.add_parser(
        "translate",
        help="the encoder-decoder translating German into English",
        description="Train the paper's encoder-decoder on the German-English pairs that "
        "'annotated data de-en' builds, with a shared subword vocabulary. Defaults: the "
        "shipped translate-de-en model's recipe.",
    )
    names = add_flags(
        p.add_argument_group("model"), TransformerConfig, skip=SET_BY_THE_RUN, defaults=DEFAULTS
    )
    names += add_flags(p.add_argument_group("loop"), LoopOptions, defaults=DEFAULTS)
    run_group = p.add_argument_group("run")
    names += add_flags(run_group, TranslationOptions, skip=SET_BY_THE_RUN, defaults=DEFAULTS)
    add_run_options(run_group, task="translate")
    p.set_defaults(run=run, option_names=names)
