"""The Lab's figures, drawn with matplotlib: curves, comparisons, layer statistics, the probe.

Each figure is a :class:`matplotlib.figure.Figure` on its own Agg canvas, never ``pyplot``,
whose global state several users drawing at once would share. Losses are per token in nats;
a model that guesses uniformly over :math:`V` tokens scores :math:`\\ln V`, drawn as a grey
line so a reader sees how far below chance a run has come.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.ticker import FuncFormatter, LogLocator

from annotated.attention_maps import AttentionMap
from annotated.lab.curves import Curves
from annotated.lab.probe import PositionProbe
from annotated.lab.stats import LayerStats

SHOWN = {" ": "␣", "\n": "⏎", "\t": "⇥"}
DPI = 80


def _figure(width: float, height: float, **margins: float) -> Figure:
    """A figure with fixed margins (fractions of its size): a constrained layout would draw
    the figure several times to fit it, which triples the time to render it."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(**({"left": 0.08, "right": 0.98, "bottom": 0.14, "top": 0.9} | margins))
    return fig


def thin(x: Sequence[float], *ys: Sequence[float], most: int = 600) -> list[Sequence[float]]:
    """Every k-th point of ``x`` and ``ys``, at most ``most`` (and the last): a curve of 5,000
    steps draws as fast as one of 600 and looks the same at this size.

    Examples
    --------
    >>> from annotated.lab.plots import thin
    >>> [len(s) for s in thin(range(5000), range(5000))]
    [557, 557]
    """
    k = max(1, -(-len(x) // most))  # the ceiling of len / most
    keep = [*range(0, len(x), k), *([len(x) - 1] if len(x) and (len(x) - 1) % k else [])]
    return [[s[i] for i in keep] for s in (x, *ys)]


def curve_figure(
    name: str, curves: Curves, vocab_size: int | None = None, note: str = ""
) -> Figure:
    """One run's training loss, its moving average and its validation loss against the step.

    Examples
    --------
    >>> from annotated.lab import Curves
    >>> from annotated.lab.plots import curve_figure
    >>> c = Curves()
    >>> c.add(1, 3.0, lr=0.1, tokens_per_s=10.0, seconds=0.1)
    >>> len(curve_figure("run 1", c, vocab_size=13).axes)
    1
    """
    fig = _figure(7.0, 3.4, left=0.1)
    ax = fig.subplots()
    if len(curves):
        step, loss, avg = thin(curves.step, curves.train_loss, curves.train_loss_avg)
        ax.plot(step, loss, color="tab:blue", alpha=0.25, lw=1, label="train (batch)")
        ax.plot(step, avg, color="tab:blue", lw=2, label="train (moving avg)")
        steps, val = curves.val_points()
        ax.plot(steps, val, "o-", color="tab:orange", ms=4, lw=1.5, label="validation")
    if vocab_size:
        ax.axhline(
            math.log(vocab_size), color="grey", lw=1, ls=":", label=f"chance, ln {vocab_size}"
        )
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss per token (nats)")
    ax.set_title(f"{name}{': ' + note if note else ''}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def compare_figure(runs: Sequence[tuple[str, Curves]], colours: Sequence[int] = ()) -> Figure:
    """Several runs on one plot: moving-average and validation loss by step, and by seconds.

    Run ``i`` is drawn in colour ``C<colours[i]>`` (by default ``C<i>``), so a caller can give
    each run the same colour in every comparison.

    Examples
    --------
    >>> from annotated.lab import Curves
    >>> from annotated.lab.plots import compare_figure
    >>> a, b = Curves(), Curves()
    >>> for s in (1, 2):
    ...     a.add(s, 3.0 / s, lr=0.1, tokens_per_s=10.0, seconds=0.1 * s)
    ...     b.add(s, 2.0 / s, lr=0.1, tokens_per_s=10.0, seconds=0.2 * s)
    >>> len(compare_figure([("run 1", a), ("run 2", b)]).axes)
    2
    """
    fig = _figure(10.0, 3.8, wspace=0.22)
    by_step, by_time = fig.subplots(1, 2)
    for i, (name, c) in enumerate(runs):
        colour = f"C{(colours[i] if colours else i) % 10}"
        steps, val = c.val_points()
        by_step.plot(*thin(c.step, c.train_loss_avg), color=colour, lw=2, label=f"{name} train")
        by_step.plot(steps, val, "o--", color=colour, ms=3, lw=1, label=f"{name} val")
        seconds = [c.seconds[c.step.index(s)] for s in steps]
        by_time.plot(seconds, val, "o-", color=colour, ms=3, lw=1.5, label=name)
    by_step.set_xlabel("optimizer step")
    by_step.set_ylabel("loss per token (nats)")
    by_step.set_title("train (moving average, solid) and validation (dashed)", fontsize=10)
    by_time.set_xlabel("seconds of training")
    by_time.set_ylabel("validation loss per token (nats)")
    by_time.set_title("validation loss against wall-clock time", fontsize=10)
    for ax in (by_step, by_time):
        ax.grid(alpha=0.3)
    if runs:
        by_step.legend(fontsize=7, ncol=2)
        by_time.legend(fontsize=7)
    return fig


def stats_figure(stats: Sequence[LayerStats]) -> Figure:
    """Activation norm, gradient norm and score spread per layer, at the first, middle and last
    recorded steps (darker is later).

    Examples
    --------
    >>> from annotated.lab import LayerStats
    >>> from annotated.lab.plots import stats_figure
    >>> s = LayerStats(1, ("block 1", "block 2"), (1.0, 2.0), (0.1, 0.2), (0.5, 0.6))
    >>> [ax.get_title() for ax in stats_figure([s]).axes]
    ['activation norm ‖h‖', 'gradient norm ‖∇θ‖', 'spread of q·k/√d_k (std)']
    """
    fig = _figure(10.0, 3.0, bottom=0.24, left=0.06, wspace=0.25)
    axes = fig.subplots(1, 3)
    titles = ("activation norm ‖h‖", "gradient norm ‖∇θ‖", "spread of q·k/√d_k (std)")
    picks = sorted({0, len(stats) // 2, len(stats) - 1}) if stats else []
    for rank, i in enumerate(picks):
        s = stats[i]
        shade = 0.35 + 0.65 * (rank + 1) / len(picks)
        x = np.arange(len(s.layers))
        for ax, values in zip(axes, (s.activation_norm, s.grad_norm, s.qk_std), strict=True):
            ax.plot(x, values, "o-", color=(0.1, 0.3, 0.7, shade), label=f"step {s.step}")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        if stats:
            layers = stats[-1].layers
            ax.set_xticks(range(len(layers)), layers, rotation=45, fontsize=7)
    if stats:
        axes[1].set_yscale("log")  # gradients differ by decades between layers
        short = FuncFormatter(lambda v, _: f"{v:.2g}")
        axes[1].yaxis.set_major_formatter(short)
        axes[1].yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        axes[1].yaxis.set_minor_formatter(short)
        axes[0].legend(fontsize=7)
    return fig


def probe_figure(probe: PositionProbe) -> Figure:
    """The positions probe: the scheme alone and the model's first layer, against distance.

    Examples
    --------
    >>> import numpy as np
    >>> from annotated.lab import PositionProbe
    >>> from annotated.lab.plots import probe_figure
    >>> p = PositionProbe("alibi", np.arange(4), -np.arange(4.0)[None], np.zeros((2, 4)), 2)
    >>> len(probe_figure(p).axes)
    2
    """
    fig = _figure(10.0, 3.4, wspace=0.22)
    scheme, model = fig.subplots(1, 2)
    many = probe.scheme_score.shape[0] > 1
    for i, row in enumerate(probe.scheme_score):
        scheme.plot(probe.distance, row, lw=1.5, label=f"head {i + 1}" if many else probe.positions)
    for i, row in enumerate(probe.model_score):
        model.plot(probe.distance, row, lw=1.2, label=f"head {i + 1}")
    for ax in (scheme, model):
        ax.axvline(probe.trained_length - 1, color="grey", ls="--", lw=1)
        ax.axvspan(probe.trained_length - 1, probe.distance[-1], color="grey", alpha=0.08)
        ax.set_xlabel("distance m − n between query and key")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    scheme.set_title(
        f"{probe.positions}: the scheme alone (shaded: longer than trained)", fontsize=10
    )
    scheme.set_ylabel("similarity / bias")
    model.set_title("this model's first layer, same content everywhere", fontsize=10)
    model.set_ylabel("score q·k/√d_k (+ bias)")
    return fig


def show_token(token: str) -> str:
    """A token as a readable tick label: whitespace made visible.

    Examples
    --------
    >>> from annotated.lab.plots import show_token
    >>> [show_token(t) for t in ["a", " ", "\\n", "<s>"]]
    ['a', '␣', '⏎', '<s>']
    """
    return SHOWN.get(token, token)


# the axes' words for each kind of map: (keys, queries)
AXES = {
    ("encoder", "self"): ("key (source)", "query (source)"),
    ("decoder", "self"): ("key (decoder input)", "query (decoder input)"),
    ("decoder", "cross"): ("key (source)", "query (decoder input)"),
    ("gpt", "self"): ("key (earlier characters)", "query"),
}


def draw_heatmap(
    ax: Axes,
    weights: np.ndarray,
    rows: Sequence[str],
    cols: Sequence[str],
    title: str,
    labels: tuple[str, str] = ("key", "query"),
) -> AxesImage:
    """Draw attention weights ``(rows, cols)`` on ``ax``, the tokens on the axes.

    The colour scale is fixed to :math:`[0, 1]` (attention weights are probabilities), so
    two panels can be compared by eye. ``labels`` are the x and y axes' words.
    """
    image = ax.imshow(weights, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(cols)), [show_token(c) for c in cols], rotation=90, fontsize=7)
    ax.set_yticks(range(len(rows)), [show_token(r) for r in rows], fontsize=7)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return image


def attention_figure(maps: Sequence[AttentionMap], head: int, suptitle: str = "") -> Figure:
    """Head ``head`` (1-based) of each map, side by side, its tokens on the axes.

    Examples
    --------
    >>> import torch
    >>> from annotated import AttentionMap
    >>> from annotated.lab.plots import attention_figure
    >>> m = AttentionMap("gpt", "self", 1, torch.full((2, 3, 3), 1 / 3), list("abc"), list("abc"))
    >>> len(attention_figure([m], head=2).axes)      # the map and its colour bar
    2
    """
    widths = [max(2.5, 0.3 * len(m.keys) + 1.0) for m in maps]
    height = max(2.8, 0.3 * max(len(m.queries) for m in maps) + 1.6)
    top = 0.82 if suptitle else 0.9
    fig = _figure(  # room between panels for the next one's query labels
        min(sum(widths) + 1.6, 16.0), min(height, 12.0), bottom=0.2, left=0.1, right=0.9,
        top=top, wspace=0.6,
    )  # fmt: skip
    axes = fig.subplots(1, len(maps), squeeze=False)[0]
    image = None
    for ax, m in zip(axes, maps, strict=True):
        title = f"{m.title}, head {head}"
        image = draw_heatmap(
            ax, m.head(head).numpy(), m.queries, m.keys, title, AXES[m.stack, m.kind]
        )
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.8, label="attention weight")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig
