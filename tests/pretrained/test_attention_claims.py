"""What the task tabs' introductions say the shipped models' cross-attention does, measured.

Each claim is measured over 100 held-out test inputs, on every digit of every answer, on the
heads the introduction names (the first of which the tab shows first, ``FIRST_SHOWN``).
"""

from __future__ import annotations

import functools

import pytest
import torch

from annotated.demo.models import Models
from annotated.demo.task_tab import FIRST_SHOWN, TaskDemo

INPUTS = 100
Answer = tuple[list[str], list[str], list[torch.Tensor]]


@functools.cache
def answers(name: str) -> list[Answer]:
    """For each held-out input: its source, the answer's symbols, and each decoder layer's
    cross-attention rows for them, ``(h, answer_len, src_len)``."""
    demo = TaskDemo(name, Models())
    out = []
    for text in demo.models.task(name).task.held_out(INPUTS, "test"):
        loaded, source, ids = demo.decode(text)
        written = loaded.task.vocab.decode(ids)  # the answer, without <s> and </s>
        cross = demo.weights(loaded, source, ids).cross
        out.append((source, written, [layer[:, : len(written)] for layer in cross]))
    return out


def test_copy_reads_the_diagonal() -> None:
    """Layer 1, head 1: answer position i looks hardest at source position i."""
    assert FIRST_SHOWN["copy"] == (1, 1)
    hits = [
        int(row.argmax()) == i
        for _, _, cross in answers("copy")
        for i, row in enumerate(cross[0][0])
    ]
    assert sum(hits) / len(hits) >= 0.95


def test_sort_reads_the_digit_it_writes() -> None:
    """Layer 2, head 4: the source position looked at hardest holds the digit being written."""
    assert FIRST_SHOWN["sort"] == (2, 4)
    hits = [
        [*source, "</s>"][int(row.argmax())] == digit
        for source, written, cross in answers("sort")
        for digit, row in zip(written, cross[1][3], strict=True)
    ]
    assert sum(hits) / len(hits) >= 0.85


def column_weights(layer: int, head: int, below: int) -> tuple[float, float]:
    """Mean weight on the first and on the second number's digit ``below`` places under the
    place being written, over the answer digits whose place (and that one) both numbers have."""
    first, second = [], []
    for source, written, cross in answers("add"):
        plus = source.index("+")
        numbers = list(range(plus)), list(range(plus + 1, len(source)))  # source positions
        for i, row in enumerate(cross[layer - 1][head - 1]):
            place = len(written) - 1 - i  # 0 = units
            if below <= place < min(map(len, numbers)):
                first.append(float(row[numbers[0][-1 - place + below]]))
                second.append(float(row[numbers[1][-1 - place + below]]))
    return sum(first) / len(first), sum(second) / len(second)


def test_add_carry_head_reads_the_place_below() -> None:
    """Layer 1, head 4: both numbers' digits one place below the one written (the carry)."""
    assert FIRST_SHOWN["add"] == (1, 4)
    first, second = column_weights(1, 4, below=1)
    assert first + second >= 0.8 and min(first, second) >= 0.3


@pytest.mark.parametrize("head", [1, 2, 3, 4])
def test_add_second_layer_reads_the_place_written(head: int) -> None:
    """Every head of layer 2: both numbers' digits in the place being written."""
    first, second = column_weights(2, head, below=0)
    assert first + second >= 0.9 and min(first, second) >= 0.3
