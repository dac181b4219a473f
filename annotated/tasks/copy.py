"""The copy task: output the input, :math:`f(x) = x`.

The original Annotated Transformer's first experiment. It needs only attention that looks
at "the same position in the source", so it is the smoke test of a Transformer: a model that
cannot learn it has a bug.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, ClassVar

from annotated.tasks.base import Task, TrainDefaults
from annotated.tasks.digits import (
    DIGITS,
    GRAMMAR,
    MAX_DIGITS,
    parse_digits,
    render_digits,
    sample_digits,
)


class CopyTask(Task):
    """Copy 1–10 digits: ``3 1 4`` -> ``3 1 4``.

    Examples
    --------
    >>> task = CopyTask()
    >>> task.answer("3 1 4 1 5")
    '3 1 4 1 5'
    >>> task.source_tensor([task.parse("3 1 4")])  # digit d is index d + 3; </s> is 2
    tensor([[6, 4, 7, 2]])
    """

    name = "copy"
    vocab = DIGITS
    max_src_len = MAX_DIGITS
    max_tgt_len = MAX_DIGITS
    grammar = GRAMMAR
    defaults = TrainDefaults(
        steps=200, batch_size=256, lr=1e-2, warmup=20, eval_every=20, stop_at=1.0
    )
    model_size: ClassVar[dict[str, Any]] = {
        "N": 1, "d_model": 64, "d_ff": 128, "h": 2, "dropout": 0.0,
    }  # fmt: skip

    def parse(self, text: str) -> list[str]:
        """The digits of ``text`` (see :func:`~annotated.tasks.digits.parse_digits`)."""
        return parse_digits(text)

    def solve(self, source: Sequence[str]) -> list[str]:
        """:math:`f(x) = x`."""
        return list(source)

    def sample(self, rng: random.Random) -> list[str]:
        """1–10 digits (see :func:`~annotated.tasks.digits.sample_digits`)."""
        return sample_digits(rng)

    def render(self, symbols: Sequence[str]) -> str:
        """Digits separated by spaces."""
        return render_digits(symbols)
