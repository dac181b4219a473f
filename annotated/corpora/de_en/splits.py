"""Train, validation and test splits by a hash of the German sentence.

A random shuffle would put a sentence's duplicates (or a later, larger corpus's copy of it)
on both sides of the train/test line, and would change with the seed and the input order.
Hashing the normalised German sentence decides each sentence's split by its bytes alone:

.. math::

    u(g) = \\frac{\\operatorname{int}(\\operatorname{sha256}(g)_{0..7})}{2^{64}} \\in [0, 1),
    \\qquad
    \\text{split}(g) = \\begin{cases}
        \\text{test} & u < 0.05 \\\\
        \\text{valid} & 0.05 \\le u < 0.10 \\\\
        \\text{train} & \\text{otherwise}
    \\end{cases}

with :math:`\\operatorname{sha256}(g)_{0..7}` the first 8 bytes of the digest of the UTF-8
German text, read big-endian. Python's own ``hash`` would not do: it is salted per process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from annotated.corpora.de_en.cleaning import Pair

SPLITS = ("train", "valid", "test")
TEST_FRACTION = 0.05
VALID_FRACTION = 0.05


def unit_hash(german: str) -> float:
    """:math:`u(g) \\in [0, 1)`, the first 8 bytes of ``sha256(german)`` over :math:`2^{64}`.

    Examples
    --------
    >>> from annotated.corpora.de_en.splits import unit_hash
    >>> round(unit_hash("Wählen Sie eine Linienfarbe aus."), 6)
    0.670814
    """
    digest = hashlib.sha256(german.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(german: str) -> str:
    """The split (``"train"``, ``"valid"`` or ``"test"``) of a normalised German sentence.

    Examples
    --------
    >>> from annotated.corpora.de_en.splits import split_of
    >>> split_of("Wählen Sie eine Linienfarbe aus.")
    'train'
    """
    u = unit_hash(german)
    if u < TEST_FRACTION:
        return "test"
    if u < TEST_FRACTION + VALID_FRACTION:
        return "valid"
    return "train"


def split_pairs(pairs: Iterable[Pair]) -> dict[str, list[Pair]]:
    """``pairs`` sorted into the three splits by :func:`split_of`, each in input order.

    Examples
    --------
    >>> from annotated.corpora.de_en.splits import split_pairs
    >>> parts = split_pairs([(f"Satz {i}.", f"Sentence {i}.") for i in range(1000)])
    >>> {name: len(part) for name, part in parts.items()}
    {'train': 894, 'valid': 52, 'test': 54}
    """
    parts: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    for pair in pairs:
        parts[split_of(pair[0])].append(pair)
    return parts
