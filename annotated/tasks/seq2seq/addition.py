"""The addition task: ``a+b`` -> the decimal digits of :math:`a + b`, with :math:`0 \\le a, b \\le 999`.

The source is read character by character (digits and ``+``), so the model must work out
which digits line up -- units under units -- from their positions relative to the ``+`` and
the end of the input, then carry. Each operand's digit count is drawn uniformly from 1 to 3
before its value, so ``7+5`` is as common in training as ``123+456``; drawing the values
uniformly would make one-digit operands a 1% rarity.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any, ClassVar

from annotated.tasks.seq2seq.data import Task, TrainDefaults
from annotated.tokenizers.vocabulary import Vocabulary

MAX_OPERAND = 999
GRAMMAR = f"a+b with whole numbers 0 to {MAX_OPERAND}, e.g. '123+456'"
_SUM = re.compile(r"\s*([0-9]+)\s*\+\s*([0-9]+)\s*")


class AdditionTask(Task):
    """Add two numbers from 0 to 999: ``123+456`` -> ``579``.

    Examples
    --------
    >>> from annotated.tasks import AdditionTask
    >>> task = AdditionTask()
    >>> task.answer("123+456"), task.answer(" 999 + 1 ")
    ('579', '1000')
    >>> task.parse("12+3")
    ['1', '2', '+', '3']
    >>> task.answer("1000+1")
    Traceback (most recent call last):
    ...
    ValueError: 1000 is out of range; expected a+b with whole numbers 0 to 999, e.g. '123+456'
    """

    name = "add"
    vocab = Vocabulary((*"0123456789", "+"))
    max_src_len = 7
    max_tgt_len = 4
    grammar = GRAMMAR
    defaults = TrainDefaults(
        max_steps=3000, batch_size=256, lr=5e-3, warmup=100, eval_interval=100, stop_at=1.0
    )
    model_size: ClassVar[dict[str, Any]] = {
        "N": 2, "d_model": 64, "d_ff": 128, "h": 4, "dropout": 0.0,
    }  # fmt: skip

    def parse(self, text: str) -> list[str]:
        """The characters of ``a+b`` in canonical form (no spaces, no leading zeros)."""
        if not isinstance(text, str):
            raise ValueError(f"expected text, got {type(text).__name__}")
        match = _SUM.fullmatch(text)
        if match is None:
            shown = text if len(text) <= 20 else text[:20] + "..."
            raise ValueError(f"{shown!r} is not a sum; expected {GRAMMAR}")
        a, b = (int(g) for g in match.groups())
        for value in (a, b):
            if value > MAX_OPERAND:
                raise ValueError(f"{value} is out of range; expected {GRAMMAR}")
        return list(f"{a}+{b}")

    def solve(self, source: Sequence[str]) -> list[str]:
        """The digits of the sum, :math:`f(a + b) = \\mathrm{digits}(a + b)` with :math:`a + b \\in [0, 1998]`."""
        a, b = "".join(source).split("+")
        return list(str(int(a) + int(b)))

    def sample(self, rng: random.Random) -> list[str]:
        """Two operands, each with a uniform digit count (1–3), then a uniform value."""
        a, b = (_operand(rng) for _ in range(2))
        return list(f"{a}+{b}")

    def render(self, symbols: Sequence[str]) -> str:
        """The characters joined: ``['1', '+', '2']`` -> ``'1+2'``."""
        return "".join(symbols)


def _operand(rng: random.Random) -> int:
    """A number with 1, 2 or 3 digits (equally likely), uniform among those."""
    digits = rng.randint(1, 3)
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return rng.randrange(low, 10**digits)
