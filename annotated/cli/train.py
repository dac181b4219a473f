"""``annotated train {copy,sort,add}``: train a task model into a run directory."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

import torch

from annotated.cli import train_shakespeare, train_translate
from annotated.cli.flags import add_flags, given
from annotated.cli.run_options import add_run_options, run_directory
from annotated.config import TransformerConfig
from annotated.tasks.seq2seq.options import RunOptions
from annotated.tasks.seq2seq.registry import TASKS
from annotated.tasks.seq2seq.run import run_task
from annotated.training.loop import LoopOptions

SET_BY_THE_TASK = frozenset({"task", "model", "loop", "src_vocab", "tgt_vocab", "max_len"})


def run(args: argparse.Namespace) -> int:
    """Train, then print the metrics and where the run was written."""
    torch.set_num_threads(args.threads)
    out = run_directory(args)
    command = shlex.join(["annotated", *args.argv])
    result = run_task(
        args.task,
        out,
        overrides=given(args, args.option_names),
        resume=args.resume,
        device=args.device,
        command=command,
        progress=not args.quiet,
    )
    m = result.metrics
    last = result.state.evals[-1] if result.state.evals else None
    if last is not None:
        print(
            f"validation exact match: {100 * last['val_exact_match']:.1f}% "
            f"({last['val_examples']} held-out inputs) at step {last['step']}"
        )
    print(
        f"exact match: {100 * m['test_exact_match']:.1f}% on {m['test_examples']} held-out test inputs"
    )
    print(
        f"trained {m['optimizer_steps']} optimizer steps ({m['train_tokens']:,} target tokens), "
        f"{m['seconds_this_session']:.1f} s in this session"
    )
    print(f"run directory: {result.directory} (model.safetensors, model.json, metrics.json, *.png)")
    return 0


def register(sub: Any) -> None:
    """Add the ``train`` subcommand."""
    p = argparse.ArgumentParser(add_help=False)  # the options of copy, sort and add
    names = add_flags(
        p.add_argument_group("model (default: the task's size)"),
        TransformerConfig,
        skip=SET_BY_THE_TASK,
    )
    names += add_flags(p.add_argument_group("loop (default: the task's)"), LoopOptions)
    run_group = p.add_argument_group("run (default: the task's)")
    names += add_flags(run_group, RunOptions, skip=SET_BY_THE_TASK)
    add_run_options(run_group)
    p.set_defaults(option_names=names)
    p.set_defaults(run=run)
    train = sub.add_parser(
        "train",
        help="train a model: copy, sort, add, translate (encoder-decoder) or shakespeare (GPT)",
        description="Train the encoder-decoder on a synthetic task or on German-English translation, "
        "or a GPT on Shakespeare. "
        "See annotated train TASK --help for each task's options.",
    )
    tasks = train.add_subparsers(dest="task", required=True, metavar="TASK")
    for name in TASKS:
        tasks.add_parser(
            name,
            parents=[p],
            help=f"the encoder-decoder on the {name} task",
            description=f"Train on {name}. Every option defaults to the task's choice (printed "
            "in the run's model.json), tuned to reach the target on a 2-core CPU.",
        )
    train_shakespeare.register(tasks)
    train_translate.register(tasks)
