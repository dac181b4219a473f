"""The sorting task: output the input digits in ascending order.

Unlike copying, output position :math:`i` is not tied to source position :math:`i`: the
decoder has to find, among the source digits, the smallest not yet written, which it can do by
counting -- how many of each digit the source holds and how many it has already output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from annotated.tasks.seq2seq.data import TrainDefaults
from annotated.tasks.seq2seq.digits import DigitTask


class SortTask(DigitTask):
    """Sort 1–10 digits, repeats allowed: ``3 1 4 1`` -> ``1 1 3 4``.

    Examples
    --------
    >>> from annotated.tasks import SortTask
    >>> task = SortTask()
    >>> task.answer("3 1 4 1 5 9 2 6")
    '1 1 2 3 4 5 6 9'
    >>> task.answer("3, 1")
    Traceback (most recent call last):
    ...
    ValueError: '3,' is not a single digit; expected 1 to 10 digits separated by spaces, e.g. '3 1 4 1 5'
    """

    name = "sort"
    defaults = TrainDefaults(
        max_steps=400, batch_size=256, lr=5e-3, warmup=30, eval_interval=50, stop_at=0.998
    )
    model_size: ClassVar[dict[str, Any]] = {
        "N": 2, "d_model": 64, "d_ff": 128, "h": 4, "dropout": 0.0,
    }  # fmt: skip

    def solve(self, source: Sequence[str]) -> list[str]:
        """The digits in ascending order, :math:`f(x) = (x_{\\pi(1)}, \\dots, x_{\\pi(n)})` with :math:`x_{\\pi(1)} \\le \\dots \\le x_{\\pi(n)}`."""
        return sorted(source)
