"""Kill a run mid-way, as Ctrl-C would, to test that ``--resume`` continues it exactly."""

from __future__ import annotations

import pytest

from annotated.training.progress import ProgressBar


def interrupt_at(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    """Raise ``KeyboardInterrupt`` once the progress bar has shown optimizer step ``step``.

    The interruption happens once: the progress bar is itself again afterwards, so the
    resumed run goes on.
    """
    real_call = ProgressBar.__call__

    def crash(self: ProgressBar, state: object) -> None:
        real_call(self, state)  # type: ignore[arg-type]
        if state.optimizer_steps == step:  # type: ignore[attr-defined]
            monkeypatch.setattr(ProgressBar, "__call__", real_call)
            raise KeyboardInterrupt

    monkeypatch.setattr(ProgressBar, "__call__", crash)
