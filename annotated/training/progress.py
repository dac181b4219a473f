"""A progress bar for the training loop: loss, learning rate and tokens per second."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from annotated.training.loop import TrainState


class ProgressBar:
    """A ``tqdm`` bar to pass as the loop's ``on_step``; the figures are smoothed over steps.

    The bar and :meth:`write`'s lines go to standard error, so standard output keeps only
    results.

    Examples
    --------
    >>> from annotated import TrainState
    >>> from annotated.training.progress import ProgressBar
    >>> bar = ProgressBar(total=10, initial=0, disable=True)
    >>> bar(TrainState(optimizer_steps=1, history=[{"loss": 2.0, "lr": 1e-3, "tokens_per_s": 5e3}]))
    >>> bar.close()
    """

    def __init__(self, total: int, initial: int = 0, **options: Any) -> None:
        self.bar = tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, **options)
        self.position = initial

    def __call__(self, state: TrainState) -> None:
        """Advance to ``state.optimizer_steps`` and show the last record's figures."""
        last = state.history[-1]
        self.bar.update(state.optimizer_steps - self.position)
        self.position = state.optimizer_steps
        self.bar.set_postfix(
            loss=f"{last['loss']:.4f}",
            lr=f"{last['lr']:.2e}",
            tok_s=f"{last['tokens_per_s']:.0f}",
            refresh=False,
        )

    def write(self, message: str) -> None:
        """Print a line above the bar (unless the bar is disabled)."""
        if not self.bar.disable:
            self.bar.write(message, file=sys.stderr)

    def close(self) -> None:
        """Finish the bar."""
        self.bar.close()
