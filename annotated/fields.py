"""The fields of the package's frozen records: each bound said once, each field documented once.

A config or run record declares a numeric field's range in its type,
``N: Annotated[int, POSITIVE]``, and documents the field in its numpydoc ``Parameters``
section. Everything else is read from those two places: :func:`check_bounds` validates a
record against its bounds (the configs call it in ``__post_init__``), and the command line
builds one flag per field from its type, default and documentation (``annotated.cli.flags``).
So a new option is one field and one entry of its class docstring, and its check, its flag
and its help cannot drift apart.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields, is_dataclass
from functools import cache
from typing import Annotated, Any, ClassVar, Self, get_args, get_origin, get_type_hints


@dataclass(frozen=True)
class Bound:
    """A numeric range: above ``low`` (or from it, when ``closed``), below ``high`` if set.

    Examples
    --------
    >>> from annotated.fields import POSITIVE, PROBABILITY
    >>> POSITIVE.problem("N", 0), PROBABILITY.problem("dropout", 0.5)
    ('N must be positive, got 0', None)
    """

    low: float
    closed: bool
    high: float | None
    words: str
    high_closed: bool = False

    def holds(self, value: float) -> bool:
        """Whether ``value`` is a finite number in the range."""
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return False
        above = value >= self.low if self.closed else value > self.low
        if self.high is None:
            return above and value < math.inf
        return above and (value <= self.high if self.high_closed else value < self.high)

    def problem(self, name: str, value: Any) -> str | None:
        """``"name must be ..., got value"``, or ``None`` if ``value`` is in range."""
        return None if self.holds(value) else f"{name} must be {self.words}, got {value!r}"


POSITIVE = Bound(0, closed=False, high=None, words="positive")
NON_NEGATIVE = Bound(0, closed=True, high=None, words=">= 0")
PROBABILITY = Bound(0, closed=True, high=1, words="in [0, 1)")
UNIT = Bound(0, closed=True, high=1, words="from 0 to 1", high_closed=True)

Positive = Annotated[int, POSITIVE]
NonNegative = Annotated[int, NON_NEGATIVE]
PositiveFloat = Annotated[float, POSITIVE]
NonNegativeFloat = Annotated[float, NON_NEGATIVE]
Probability = Annotated[float, PROBABILITY]
Fraction = Annotated[float, UNIT]


def bound_of(hint: Any) -> Bound | None:
    """The :class:`Bound` an ``Annotated`` type hint carries, if any."""
    if get_origin(hint) is Annotated:
        return next((a for a in get_args(hint)[1:] if isinstance(a, Bound)), None)
    return None


@cache
def hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a dataclass's fields, ``Annotated`` extras kept."""
    return get_type_hints(cls, include_extras=True)


def check_bounds(record: Any) -> None:
    """Raise a ``ValueError`` naming the first field of ``record`` outside its bound.

    Examples
    --------
    >>> from annotated.config import TransformerConfig
    >>> TransformerConfig(src_vocab=10, tgt_vocab=10, N=0)
    Traceback (most recent call last):
    ...
    ValueError: N must be positive, got 0
    """
    kind: type = type(record)
    for f in fields(record):
        bound = bound_of(hints(kind)[f.name])
        problem = bound and bound.problem(f.name, getattr(record, f.name))
        if problem:
            raise ValueError(problem)


@cache
def field_docs(cls: type) -> dict[str, str]:
    """Each field's description from the numpydoc ``Parameters`` section of ``cls``.

    An entry may document several fields at once (``a, b : int``); a nested record's entry
    is its own class's.

    Examples
    --------
    >>> from annotated.fields import field_docs
    >>> from annotated.training.loop import LoopOptions
    >>> field_docs(LoopOptions)["grad_accum"]
    'Micro-batches per optimizer step, :math:`k`.'
    """
    text = _parameters_section(cls.__doc__ or "")
    docs: dict[str, str] = {}
    for names, body in re.findall(
        r"^    (\w[\w, ]*?)(?: :.*)?\n((?:        .*\n?|\n)*)", text, re.M
    ):
        description = " ".join(body.split())
        for name in names.split(","):
            docs[name.strip()] = description
    missing = [f.name for f in fields(cls) if f.name not in docs]
    if missing:
        raise TypeError(f"{cls.__name__}'s docstring does not document {missing}")
    return docs


def _parameters_section(doc: str) -> str:
    """The lines between ``Parameters`` / ``----------`` and the next section."""
    match = re.search(
        r"^    Parameters\n    -+\n(.*?)(?=^    \w[\w ]*\n    -+\n|\Z)", doc, re.M | re.S
    )
    return match.group(1) if match else ""


def leaves(record: Any) -> dict[str, Any]:
    """The non-record fields of ``record`` and of the records it contains, by name.

    Examples
    --------
    >>> from annotated.fields import leaves
    >>> from annotated.training.loop import LoopOptions
    >>> leaves(LoopOptions(max_steps=5))["max_steps"]
    5
    """
    out: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        out |= leaves(value) if is_dataclass(value) else {f.name: value}
    return out


# The command line keeps nanoGPT's flag names where the paper's symbol is not a flag name
# people type; every other field's flag is its own name. The one place this mapping is said.
NANOGPT_NAMES = {"N": "n_layer", "h": "n_head", "max_len": "block_size"}


def flag(name: str) -> str:
    """The command-line flag of field ``name``.

    Examples
    --------
    >>> from annotated.fields import flag
    >>> flag("N"), flag("max_len"), flag("grad_accum")
    ('--n-layer', '--block-size', '--grad-accum')
    """
    return "--" + NANOGPT_NAMES.get(name, name).replace("_", "-")


def split_overrides(
    cls: type, overrides: dict[str, Any], *, derived: frozenset[str] = frozenset(), label: str
) -> dict[str, dict[str, Any]]:
    """Sort flat ``overrides`` by the record they belong to: ``""`` for ``cls`` itself, else
    the name of the contained record (``"model"``, ``"loop"``).

    ``derived`` fields (set from the data, like a vocabulary size) cannot be overridden; an
    unknown name is a ``ValueError`` that lists it, ``label`` naming the options.

    Examples
    --------
    >>> from annotated.fields import split_overrides
    >>> from annotated.tasks.language_model.options import LanguageModelOptions
    >>> split_overrides(LanguageModelOptions, {"lr": 0.1, "max_steps": 9}, label="options")
    {'': {'lr': 0.1}, 'loop': {'max_steps': 9}}
    """
    owner: dict[str, str] = {}
    for f in fields(cls):
        hint = hints(cls)[f.name]
        if isinstance(hint, type) and is_dataclass(hint):
            owner |= {g.name: f.name for g in fields(hint) if g.name not in derived}
        elif f.name not in derived:
            owner[f.name] = ""
    unknown = sorted(set(overrides) - set(owner))
    if unknown:
        raise ValueError(f"unknown {label}: {unknown}")
    parts: dict[str, dict[str, Any]] = {"": {}}
    for name, value in overrides.items():
        parts.setdefault(owner[name], {})[name] = value
    return parts


def record_from_dict(cls: type, values: dict[str, Any], *, label: str) -> Any:
    """Rebuild a record from :func:`dataclasses.asdict`'s output, contained records too."""
    known = {f.name: hints(cls)[f.name] for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown {label}: {unknown}")
    built = {
        k: record_from_dict(known[k], v, label=label) if is_dataclass(known[k]) else v
        for k, v in values.items()
    }
    return cls(**built)


class RunRecord:
    """What every run record (a frozen dataclass of options) does the same way.

    Its options by their own names (:func:`leaves`), its JSON form with the contained records
    as nested objects, and back (:func:`record_from_dict`, which names the record by
    :attr:`LABEL` in its error for an unknown key).

    Examples
    --------
    >>> from annotated.tasks.seq2seq.options import RunOptions
    >>> options = RunOptions.for_task("sort")
    >>> options.leaves()["grad_clip"], RunOptions.from_dict(options.to_dict()) == options
    (1.0, True)
    >>> RunOptions.from_dict({"steps": 5})
    Traceback (most recent call last):
    ...
    ValueError: unknown run options: ['steps']
    """

    LABEL: ClassVar[str]

    def leaves(self) -> dict[str, Any]:
        """Every option by its own name, the contained records' fields included."""
        return leaves(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, the contained records as nested objects."""
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        """The inverse of :meth:`to_dict`, rejecting unknown keys."""
        return record_from_dict(cls, values, label=cls.LABEL)
