"""The demo's figures: attention of the last character, next-character odds, alignments.

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

import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from annotated import AttentionMap
from annotated.lab.plots import draw_heatmap, show_token

KEEP_SECONDS = 3600  # written figures older than this are deleted on the next write
PARTIAL = "·"  # a subword holding only part of a character's UTF-8 bytes


def last_query_figure(maps: Sequence[AttentionMap], shown: int, title: str) -> Figure:
    """The last query's weights in every map and head, one row each, on its last ``shown`` keys.

    The rows are not rescaled: a row sums to less than 1 when the query also attends to keys
    further back than the ``shown`` drawn.

    Examples
    --------
    >>> import torch
    >>> from annotated import AttentionMap
    >>> from annotated.demo.plots import last_query_figure
    >>> m = AttentionMap("gpt", "self", 1, torch.full((2, 3, 3), 1 / 3), list("abc"), list("abc"))
    >>> len(last_query_figure([m, m._replace(layer=2)], 2, "last").axes)  # and a colour bar
    2
    """
    rows = torch.cat([m.weights[:, -1, -shown:] for m in maps])  # (layers * h, shown)
    labels = [f"L{m.layer} H{i}" for m in maps for i in range(1, m.weights.size(0) + 1)]
    cell = 0.17  # inches a weight
    width, height = max(2.0, cell * rows.size(1) + 1.2), max(2.6, cell * rows.size(0) + 1.8)
    fig = Figure(figsize=(width + 1.0, height), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    keys = maps[0].keys[-shown:]
    image = draw_heatmap(
        ax, rows.numpy(), labels, keys, title, ("key (earlier characters)", "layer, head")
    )
    fig.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
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


def show_subword(piece: str) -> str:
    """A subword as a tick label: a space shown as ``▁`` (as SentencePiece prints it).

    Examples
    --------
    >>> from annotated.demo.plots import show_subword
    >>> [show_subword(p) for p in ["Wählen", " Sie", " ", "", "</s>"]]
    ['Wählen', '▁Sie', '▁', '·', '</s>']
    """
    return piece.replace(" ", "▁") if piece else PARTIAL


def alignment_figure(
    weights: torch.Tensor, targets: Sequence[str], sources: Sequence[str], title: str
) -> Figure:
    """Cross-attention ``(tgt_len, src_len)`` as the original's alignment figure.

    The source subwords run along the x axis, the target subwords down the y axis: row
    :math:`i` is where the decoder looked while it wrote ``targets[i]``.

    Examples
    --------
    >>> import torch
    >>> from annotated.demo.plots import alignment_figure
    >>> fig = alignment_figure(torch.eye(2), ["Hello", "</s>"], ["Hallo", "</s>"], "hi")
    >>> [ax.get_xlabel() for ax in fig.axes][:1]
    ['source subword (German)']
    """
    cell = 0.32  # inches a subword
    width = min(max(4.0, cell * len(sources) + 2.4), 20.0)
    height = min(max(3.0, cell * len(targets) + 2.0), 16.0)
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    labels = ("source subword (German)", "target subword written (English)")
    rows, cols = [show_subword(t) for t in targets], [show_subword(s) for s in sources]
    image = draw_heatmap(ax, weights.numpy(), rows, cols, title, labels)
    fig.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
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
