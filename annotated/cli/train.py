"""``annotated train {copy,sort,add}``: train a task model into a run directory."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

import torch

from annotated.cli import train_shakespeare
from annotated.cli.argtypes import fraction, non_negative_int, positive_float, positive_int
from annotated.cli.run_options import add_run_options, run_directory
from annotated.config import CHOICES
from annotated.tasks.seq2seq.registry import TASKS
from annotated.tasks.seq2seq.run import QUICK_EVAL, run_task

# the options a task defaults; an option the user leaves out keeps the task's value
OPTIONS = (
    "N", "d_model", "d_ff", "h", "dropout", "steps", "batch_size", "lr", "warmup", "accumulate",
    "clip_norm", "smoothing", "eval_every", "stop_at", "checkpoint_every", "seed", "val_examples",
    "test_examples", "positions",
)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Train, then print the metrics and where the run was written."""
    torch.set_num_threads(args.threads)
    out = run_directory(args)
    given = {name: getattr(args, name) for name in OPTIONS}
    command = shlex.join(["annotated", *args.argv])
    result = run_task(
        args.task,
        out,
        overrides={k: v for k, v in given.items() if v is not None},
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
    model = p.add_argument_group("model (defaults: the task's size)")
    model.add_argument("--N", type=positive_int, help="layers in encoder and decoder")
    model.add_argument("--d-model", type=positive_int, help="model width d_model")
    model.add_argument("--d-ff", type=positive_int, help="feed-forward width d_ff")
    model.add_argument("--h", type=positive_int, help="attention heads")
    model.add_argument("--dropout", type=fraction, help="dropout P_drop")
    model.add_argument("--positions", choices=CHOICES["positions"], help="position scheme")
    # the second name of a flag is train shakespeare's (nanoGPT's): either works on every task
    opt = p.add_argument_group("optimisation (defaults: the task's)")
    opt.add_argument("--steps", "--max-steps", type=positive_int, help="optimizer steps at most")
    opt.add_argument("--batch-size", type=positive_int, help="sequences per micro-batch")
    opt.add_argument("--lr", type=positive_float, help="peak learning rate (warmup + cosine)")
    opt.add_argument("--warmup", type=non_negative_int, help="warmup steps")
    opt.add_argument(
        "--accumulate", "--grad-accum", type=positive_int, help="micro-batches per optimizer step"
    )
    opt.add_argument(
        "--clip-norm", "--grad-clip", type=positive_float, help="gradient clipping norm (default 1)"
    )
    opt.add_argument("--smoothing", type=fraction, help="label smoothing epsilon")
    opt.add_argument("--seed", type=non_negative_int, help="random seed (default 0)")
    run_group = p.add_argument_group("run")
    run_group.add_argument(
        "--eval-every", "--eval-interval", type=positive_int, help="steps between evaluations"
    )
    run_group.add_argument(
        "--stop-at", type=fraction, help="stop when validation exact match reaches this (0: never)"
    )
    run_group.add_argument("--checkpoint-every", type=positive_int, help="steps between saves")
    run_group.add_argument(
        "--val-examples",
        type=positive_int,
        help=f"validation inputs (1000); each evaluation decodes the first {QUICK_EVAL} and all of "
        "them only once those reach --stop-at",
    )
    run_group.add_argument("--test-examples", type=positive_int, help="test inputs (1000)")
    add_run_options(run_group)
    p.set_defaults(run=run)
    train = sub.add_parser(
        "train",
        help="train a model: copy, sort, add (encoder-decoder) or shakespeare (GPT)",
        description="Train the encoder-decoder on a synthetic task, or a GPT on Shakespeare. "
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
