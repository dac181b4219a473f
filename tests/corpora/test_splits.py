"""Splits by the German sentence's hash: disjoint, deterministic, the right sizes."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from annotated.corpora.de_en.splits import SPLITS, split_of, split_pairs, unit_hash

GERMAN = st.text(min_size=1, max_size=40)
PAIRS = st.lists(st.tuples(GERMAN, st.text(max_size=20)), max_size=40)


@given(GERMAN, st.text(), st.text())
def test_split_depends_only_on_the_german_sentence(german: str, english: str, other: str) -> None:
    parts = split_pairs([(german, english), (german, other)])
    assert [len(parts[name]) for name in SPLITS].count(2) == 1
    assert parts[split_of(german)] == [(german, english), (german, other)]


@given(PAIRS)
def test_splits_are_disjoint_and_cover_the_input_in_order(pairs: list[tuple[str, str]]) -> None:
    parts = split_pairs(pairs)
    germans = [{g for g, _ in parts[name]} for name in SPLITS]
    assert not (germans[0] & germans[1] or germans[0] & germans[2] or germans[1] & germans[2])
    assert sorted(p for part in parts.values() for p in part) == sorted(pairs)
    for name in SPLITS:
        assert parts[name] == [p for p in pairs if split_of(p[0]) == name]


def test_split_sizes_are_near_five_five_ninety_percent() -> None:
    parts = split_pairs((f"Das ist Satz Nummer {i}.", "") for i in range(20_000))
    fractions = {name: len(part) / 20_000 for name, part in parts.items()}
    assert 0.045 < fractions["test"] < 0.055 and 0.045 < fractions["valid"] < 0.055
    assert all(0 <= unit_hash(str(i)) < 1 for i in range(1000))


def test_splits_do_not_depend_on_the_process_hash_seed() -> None:
    code = "from annotated.corpora.de_en.splits import split_of; print([split_of(str(i)) for i in range(300)])"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {str([split_of(str(i)) for i in range(300)]) + "\n"}
