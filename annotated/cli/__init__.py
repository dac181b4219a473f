"""The ``annotated`` command line: one module per subcommand.

Each subcommand module has ``register(subparsers)``, which adds its parser and sets
``run``; :data:`SUBCOMMANDS` lists them in help order. Every failure the user can cause
(bad arguments, a missing or broken checkpoint, a diverging run) ends in one line on standard
error and a non-zero exit status, never a traceback; ``--traceback`` (anywhere on the line)
prints the full traceback above that line, for a bug report.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from typing import NoReturn

from annotated.cli import (
    data,
    decode,
    demo,
    evaluate,
    generate,
    notebook,
    shapes,
    space_export,
    train,
    translate,
)
from annotated.cli.run_options import interrupted
from annotated.training.loop import NonFiniteLossError

SUBCOMMANDS = (
    shapes, train, evaluate, decode, generate, translate, demo, notebook, space_export, data,
)  # fmt: skip


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = Parser(prog="annotated", description="The Annotated Transformer, runnable.")
    parser.add_argument(
        "--traceback", action="store_true", help="on an error, show the full traceback too"
    )  # also accepted after the subcommand: main() picks it out of the unparsed rest
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; bad arguments print one line and exit non-zero."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if unknown := [a for a in rest if a != "--traceback"]:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.traceback = args.traceback or bool(rest)
    args.argv = argv
    try:
        return int(args.run(args))
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as ``cat`` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        return 128 + signal.SIGPIPE
    except (ValueError, OSError) as error:  # CheckpointError is a ValueError
        return _fail(args, error, 2)
    except NonFiniteLossError as error:
        return _fail(args, error, 1)
    except KeyboardInterrupt:
        said = interrupted(args) if args.command == "train" else "interrupted"
        print(f"annotated {args.command}: {said}", file=sys.stderr)
        return 130


def _fail(args: argparse.Namespace, error: BaseException, status: int) -> int:
    """Print ``error`` as one line (after its traceback, with ``--traceback``); return ``status``."""
    if args.traceback:
        traceback.print_exception(error, file=sys.stderr)
    message = " ".join(str(error).split()) or type(error).__name__
    print(f"annotated {args.command}: error: {message}", file=sys.stderr)
    return status
