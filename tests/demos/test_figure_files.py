"""A figure served again survives the pruning of old figure files."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from annotated.demo.plots import KEEP_SECONDS, save_png


def test_a_figure_saved_again_is_not_pruned(tmp_path: Path) -> None:
    def draw() -> Path:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        try:
            return save_png(fig, "line", tmp_path)
        finally:
            plt.close(fig)

    first = draw()
    old = first.stat().st_mtime - 2 * KEEP_SECONDS
    os.utime(first, (old, old))  # as if written long ago
    again = draw()
    assert again == first and again.is_file()
