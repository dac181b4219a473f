"""Command-line flags generated from a run record's fields, so an option is said once.

Each field of the record, and of the records it contains, becomes one flag: its name is
:func:`annotated.fields.flag`'s (nanoGPT's where the paper's symbol is no flag name), its
type and check come from the field's type (a :class:`~annotated.fields.Bound` picks the
argument type whose error says what was expected; a ``Literal`` gives the choices; a
``bool`` gives ``--x/--no-x``), and its help is the field's entry in the record's
docstring. Every flag defaults to ``None``: only what the user gives overrides the run's
defaults (a task's, or the shipped recipe's), and :func:`given` collects exactly that.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from annotated.cli.argtypes import (
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from annotated.fields import (
    NON_NEGATIVE,
    POSITIVE,
    PROBABILITY,
    UNIT,
    bound_of,
    field_docs,
    flag,
    hints,
)

ARGTYPES = {
    (int, POSITIVE): positive_int,
    (int, NON_NEGATIVE): non_negative_int,
    (float, POSITIVE): positive_float,
    (float, NON_NEGATIVE): non_negative_float,
    (float, PROBABILITY): fraction,
    (float, UNIT): fraction,
}


def add_flags(
    group: Any,
    record: type,
    *,
    skip: frozenset[str] = frozenset(),
    defaults: dict[str, Any] | None = None,
) -> list[str]:
    """Add a flag for every field of ``record`` (nested records' too) except ``skip``.

    ``defaults`` are shown in the help, if given; the names added are returned, for
    :func:`given`.

    Examples
    --------
    >>> import argparse
    >>> from annotated.cli.flags import add_flags, given
    >>> from annotated.training.loop import LoopOptions
    >>> parser = argparse.ArgumentParser()
    >>> names = add_flags(parser, LoopOptions)
    >>> given(parser.parse_args(["--grad-accum", "4"]), names)
    {'grad_accum': 4}
    """
    names = []
    for f in fields(record):
        hint = hints(record)[f.name]
        if f.name in skip:
            continue
        if isinstance(hint, type) and is_dataclass(hint):
            names += add_flags(group, hint, skip=skip, defaults=defaults)
            continue
        help_text = plain(field_docs(record)[f.name])
        if defaults is not None:
            help_text += f" (default {defaults[f.name]})"
        group.add_argument(flag(f.name), dest=f.name, help=help_text, **_kind(hint))
        names.append(f.name)
    return names


def plain(doc: str) -> str:
    """A docstring entry as terminal text: roles and literals without their markup.

    Examples
    --------
    >>> from annotated.cli.flags import plain
    >>> plain(":math:`d_k = d_{model}/h`, as in :class:`~annotated.GPTConfig` (``None``: off)")
    'd_k = d_{model}/h, as in GPTConfig (None: off)'
    """
    doc = re.sub(r":\w+:`~?(?:[\w.]+\.)?([^`]+)`", r"\1", doc)
    return doc.replace("``", "").replace("\\", "")


def given(args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    """The options the user gave: each of ``names`` whose flag was on the command line."""
    values = {name: getattr(args, name) for name in names}
    return {k: str(v) if isinstance(v, Path) else v for k, v in values.items() if v is not None}


def _kind(hint: Any) -> dict[str, Any]:
    """``add_argument``'s ``type``/``choices``/``action`` for a field's type hint."""
    bound = bound_of(hint)
    base = get_args(hint)[0] if bound is not None else hint
    if base is bool:
        return {"action": argparse.BooleanOptionalAction}
    if get_origin(base) is Literal:
        return {"choices": get_args(base)}
    if bound is not None:
        return {"type": ARGTYPES[base, bound]}
    if base == str | None:
        return {"type": Path, "metavar": "PATH"}
    return {"type": base}
