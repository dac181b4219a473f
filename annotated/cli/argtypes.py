"""Argument types whose errors say what was expected."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from annotated.pretrained import NAMES, weights_path

Number = TypeVar("Number", int, float)


def positive_int(text: str) -> int:
    """An integer >= 1."""
    return _checked(text, int, lambda value: value >= 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    return _checked(text, int, lambda value: value >= 0, "an integer >= 0")


def positive_float(text: str) -> float:
    """A finite number > 0."""
    return _checked(text, float, lambda value: 0 < value < math.inf, "a positive number")


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    return _checked(text, float, lambda value: 0 <= value < math.inf, "a number >= 0")


def fraction(text: str) -> float:
    """A number in [0, 1]."""
    return _checked(text, float, lambda value: 0 <= value <= 1, "a number from 0 to 1")


def _checked(
    text: str, convert: Callable[[str], Number], ok: Callable[[Number], bool], expected: str
) -> Number:
    """``convert(text)`` if it parses and is ``ok``; otherwise an error naming ``expected``."""
    error = argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    try:
        value = convert(text)
    except ValueError:
        raise error from None
    if not ok(value):
        raise error
    return value


THREADS_HELP = (
    "CPU threads for PyTorch (default 1: the task models are small, and on a busy 2-core "
    "machine a second thread slows training several-fold)"
)


def checkpoint(text: str) -> Path:
    """A run directory or checkpoint file; a shipped model's name where no such path exists.

    Examples
    --------
    >>> from annotated.cli.argtypes import checkpoint
    >>> checkpoint("copy").name, checkpoint("runs/copy").as_posix()
    ('copy.safetensors', 'runs/copy')
    """
    path = Path(text)
    return weights_path(text) if text in NAMES and not path.exists() else path
