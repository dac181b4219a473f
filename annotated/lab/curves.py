"""A run's curves: the training loss, its moving average, the validation loss, the speed.

The training loss of one batch is noisy; the curve a reader follows is its exponential
moving average, bias-corrected as in Adam so the first points are not pulled towards zero:

.. math::

    m_s = \\beta\\, m_{s-1} + (1 - \\beta)\\, \\ell_s, \\quad m_0 = 0, \\qquad
    \\hat m_s = \\frac{m_s}{1 - \\beta^s}, \\qquad \\beta = 0.9

(about the last :math:`1/(1-\\beta) = 10` steps). The validation loss is measured every
few steps on a fixed held-out set, so it is comparable between points and between runs.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

BETA = 0.9
COLUMNS = ("step", "train_loss", "train_loss_avg", "val_loss", "lr", "tokens_per_s", "seconds")


@dataclass
class Curves:
    """One row per optimizer step; ``val_loss`` is NaN on the steps without validation.

    Examples
    --------
    >>> from annotated.lab import Curves
    >>> curves = Curves()
    >>> for s, loss in enumerate([4.0, 2.0, 2.0], start=1):
    ...     curves.add(s, loss, lr=0.1, tokens_per_s=100.0, seconds=0.01 * s)
    >>> curves.train_loss_avg[0], round(curves.train_loss_avg[1], 4)   # bias-corrected
    (4.0, 2.9474)
    >>> curves.set_val(3, 2.5)
    >>> curves.val_points()
    ([3], [2.5])
    >>> curves.to_csv().splitlines()[0]
    'step,train_loss,train_loss_avg,val_loss,lr,tokens_per_s,seconds'
    """

    step: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_loss_avg: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    tokens_per_s: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    _m: float = 0.0

    def __len__(self) -> int:
        return len(self.step)

    def add(
        self, step: int, loss: float, *, lr: float, tokens_per_s: float, seconds: float
    ) -> None:
        """Append the training loss of optimizer step ``step`` and update its average."""
        self._m = BETA * self._m + (1.0 - BETA) * loss
        self.step.append(step)
        self.train_loss.append(loss)
        self.train_loss_avg.append(self._m / (1.0 - BETA ** len(self.step)))
        self.val_loss.append(math.nan)
        self.lr.append(lr)
        self.tokens_per_s.append(tokens_per_s)
        self.seconds.append(seconds)

    def set_val(self, step: int, loss: float) -> None:
        """Record the validation loss measured after step ``step`` (the last row's step)."""
        if not self.step or self.step[-1] != step:
            raise ValueError(f"validation at step {step} does not follow the last training step")
        self.val_loss[-1] = loss

    def val_points(self) -> tuple[list[int], list[float]]:
        """The steps that were validated and their losses."""
        pairs = [(s, v) for s, v in zip(self.step, self.val_loss, strict=True) if v == v]
        return [s for s, _ in pairs], [v for _, v in pairs]

    def copy(self) -> Curves:
        """An independent copy (a snapshot a plot can read while training appends)."""
        n = min(len(getattr(self, c)) for c in COLUMNS)  # a row half-appended is left out
        return Curves(
            self.step[:n], self.train_loss[:n], self.train_loss_avg[:n], self.val_loss[:n],
            self.lr[:n], self.tokens_per_s[:n], self.seconds[:n], self._m,
        )  # fmt: skip

    def to_csv(self) -> str:
        """The rows as CSV text with a header (empty ``val_loss`` where not measured)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in zip(*(getattr(self, c) for c in COLUMNS), strict=True):
            writer.writerow(["" if isinstance(v, float) and v != v else v for v in row])
        return out.getvalue()

    @classmethod
    def from_csv(cls, text: str) -> Curves:
        """Read :meth:`to_csv`'s output back.

        Examples
        --------
        >>> from annotated.lab import Curves
        >>> c = Curves()
        >>> c.add(1, 3.0, lr=0.1, tokens_per_s=5.0, seconds=0.5)
        >>> Curves.from_csv(c.to_csv()).train_loss
        [3.0]
        """
        rows = list(csv.DictReader(io.StringIO(text)))
        curves = cls()
        for row in rows:
            curves.step.append(int(row["step"]))
            for name in COLUMNS[1:]:
                value = row[name]
                getattr(curves, name).append(float(value) if value != "" else math.nan)
        return curves
