"""The demo's figures: attention maps and next-character probabilities, drawn with matplotlib.

Every figure is a :class:`matplotlib.figure.Figure` drawn on its own Agg canvas, never
through ``pyplot``: ``pyplot`` keeps global state, and the server draws for several users
at once. Axes are labelled with the tokens themselves, so a reader sees *which* symbol looks
at which.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

KEEP_SECONDS = 3600  # written figures older than this are deleted on the next write


class Heatmap(NamedTuple):
    """One attention map: ``weights[i, j]`` is how much query ``rows[i]`` attends to ``cols[j]``."""

    title: str
    weights: np.ndarray  # (seq_q, seq_k)
    rows: Sequence[str]
    cols: Sequence[str]
    xlabel: str
    ylabel: str


def show_token(token: str) -> str:
    """A token as a readable tick label: whitespace made visible.

    Examples
    --------
    >>> [show_token(t) for t in ["a", " ", "\\n", "<s>"]]
    ['a', '␣', '⏎', '<s>']
    """
    return {" ": "␣", "\n": "⏎", "\t": "⇥"}.get(token, token)


def heatmaps_figure(maps: Sequence[Heatmap], suptitle: str = "", cell: float = 0.38) -> Figure:
    """Draw the maps side by side, each with its tokens on the axes and a shared colour scale.

    The colour scale is fixed to :math:`[0, 1]` (attention weights are probabilities), so two
    panels can be compared by eye. ``cell`` is the size of one weight in inches.
    """
    widths = [max(2.0, cell * len(m.cols) + 1.2) for m in maps]
    height = max(2.6, cell * max(len(m.rows) for m in maps) + 1.8)
    fig = Figure(figsize=(sum(widths) + 1.0, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(maps), width_ratios=widths, squeeze=False)[0]
    image = None
    for ax, m in zip(axes, maps, strict=True):
        image = ax.imshow(m.weights, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(m.cols)), [show_token(c) for c in m.cols], rotation=90)
        ax.set_yticks(range(len(m.rows)), [show_token(r) for r in m.rows])
        ax.set_title(m.title, fontsize=10)
        ax.set_xlabel(m.xlabel)
        ax.set_ylabel(m.ylabel)
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.8, label="attention weight")
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig


def probabilities_figure(
    chars: Sequence[str], probs: Sequence[float], chosen: str | None, title: str
) -> Figure:
    """A bar chart of the most likely next characters, the one that was drawn highlighted."""
    fig = Figure(figsize=(10.0, 3.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    colours = ["tab:orange" if c == chosen else "tab:blue" for c in chars]
    ax.bar(range(len(chars)), probs, color=colours)
    ax.set_xticks(range(len(chars)), [show_token(c) for c in chars])
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("probability")
    ax.set_xlabel("next character (orange: the one drawn)")
    ax.set_title(title, fontsize=10)
    return fig


def save_png(fig: Figure, name: str, directory: Path | None = None) -> Path:
    """Write ``fig`` as a PNG named after ``name`` and its contents, and return the path.

    The file name carries a hash of the image, so equal requests share one file and
    different ones never overwrite each other; files older than :data:`KEEP_SECONDS` in the
    directory are removed, so a long-running server does not fill the disk.
    """
    directory = directory or figure_dir()
    from io import BytesIO

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    data = buffer.getvalue()
    path = directory / f"{name}-{hashlib.sha256(data).hexdigest()[:12]}.png"
    if path.exists():
        path.touch()  # used again: not old, so _prune keeps it
    else:
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as f:
            f.write(data)
        os.replace(f.name, path)  # atomic: a concurrent reader never sees half a file
    _prune(directory)
    return path


def figure_dir() -> Path:
    """The directory the figures go to: ``$GRADIO_TEMP_DIR/annotated-demo`` or the system temp."""
    base = os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir()
    directory = Path(base) / "annotated-demo"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _prune(directory: Path) -> None:
    """Delete figures older than :data:`KEEP_SECONDS` (another request may race us: fine)."""
    cutoff = time.time() - KEEP_SECONDS
    for old in directory.glob("*.png"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:
            pass
