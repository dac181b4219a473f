"""The copy task: output the input, :math:`f(x) = x`.

The original Annotated Transformer's first experiment. It needs only attention that looks
at "the same position in the source", so it is the smoke test of a Transformer: a model that
cannot learn it has a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from annotated.tasks.seq2seq.data import TrainDefaults
from annotated.tasks.seq2seq.digits import DigitTask


class CopyTask(DigitTask):
    """Copy 1–10 digits: ``3 1 4`` -> ``3 1 4``.

    Examples
    --------
    >>> from annotated.tasks import CopyTask
    >>> task = CopyTask()
    >>> task.answer("3 1 4 1 5")
    '3 1 4 1 5'
    >>> task.source_tensor([task.parse("3 1 4")])  # digit d is index d + 3; </s> is 2
    tensor([[6, 4, 7, 2]])
    """

    name = "copy"
    defaults = TrainDefaults(
        max_steps=200, batch_size=256, lr=1e-2, warmup=20, eval_interval=20, stop_at=1.0
    )
    model_size: ClassVar[dict[str, Any]] = {
        "N": 1, "d_model": 64, "d_ff": 128, "h": 2, "dropout": 0.0,
    }  # fmt: skip

    def solve(self, source: Sequence[str]) -> list[str]:
        """:math:`f(x) = x`."""
        return list(source)
