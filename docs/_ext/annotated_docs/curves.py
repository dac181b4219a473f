r"""The Shakespeare recipes' learning curves, drawn when the Benchmarks page is built.

``benchmarks/bench_shakespeare.py`` trains nanoGPT's CPU recipe and variants of it (RMSNorm,
SwiGLU, RoPE, ALiBi, other learning rates) and stores, per recipe, in ``runs[name]`` of
``benchmarks/results/shakespeare.json``:

``curve``
    the training loss averaged over each window of :math:`w = 50` optimiser steps,

    .. math::

        \bar\ell_s = \frac{1}{w} \sum_{t=s-w+1}^{s} \ell_t, \qquad s = w, 2w, \dots

    where :math:`\ell_t` is the mean cross-entropy per character of step :math:`t`'s batch;
``evals``
    every 250 steps, the training and validation losses *estimated* on 20 fixed batches of
    each split (nanoGPT's ``estimate_loss``);
``val_loss``
    after training, the validation loss *measured* on the whole validation split, each of its
    :math:`n` characters predicted once, in nats per character:

    .. math::

        \mathcal{L}_{val} = -\frac{1}{n} \sum_{t=1}^{n} \log p_\theta(x_t \mid x_{<t}).

:func:`plot_recipes` draws the curves of the recipes that have one, with their validation
estimates as dots, beside a bar of each recipe's :math:`\mathcal{L}_{val}`. A recipe whose row
stores no curve gets a grey bar and no line (the page names it); nothing is interpolated or
made up. The figure is drawn on a bare :class:`~matplotlib.figure.Figure` (Agg, no pyplot
state).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib import colormaps
from matplotlib.figure import Figure

NO_CURVE = "#c8c8c8"


def has_curve(run: Mapping[str, Any]) -> bool:
    """Whether ``run`` stores a training-loss curve with at least one point."""
    curve = run.get("curve")
    return (
        isinstance(curve, Mapping)
        and bool(curve.get("step"))
        and len(curve.get("step", [])) == len(curve.get("train_loss", []))
    )


def spacing(series: list[list[int]]) -> str:
    """The step between points of every series, e.g. ``"50"``, or ``"50/100"`` if they differ."""
    gaps = {b - a for steps in series for a, b in zip([0, *steps], steps, strict=False)}
    return "/".join(str(gap) for gap in sorted(gaps)) or "?"


def plot_recipes(runs: Mapping[str, Mapping[str, Any]], path: Path) -> bool:
    """Draw the recipes' curves and validation-loss bars into ``path``.

    Parameters
    ----------
    runs : mapping
        ``runs`` of ``shakespeare.json``: recipe name -> its row.
    path : Path
        The PNG to write (its folder is created).

    Returns
    -------
    bool
        Whether a figure was written: not when no recipe has a curve or a validation loss.
    """
    measured = sorted(
        (name for name, run in runs.items() if isinstance(run.get("val_loss"), (int, float))),
        key=lambda name: runs[name]["val_loss"],
    )
    curves = [name for name in runs if has_curve(runs[name])]
    curves.sort(key=lambda name: (runs[name].get("val_loss", float("inf")), name))
    if not measured and not curves:
        return False
    palette = colormaps["tab10"].colors + colormaps["Dark2"].colors
    colour = {name: palette[i % len(palette)] for i, name in enumerate(curves)}

    panels = (1 if curves else 0) + (1 if measured else 0)
    fig = Figure(figsize=(12 if panels == 2 else 7.5, 5.2), layout="tight")
    axes = fig.subplots(1, panels, width_ratios=[3, 2][:panels], squeeze=False)
    left, right = axes[0][0], axes[0][-1]  # one axes when there is one panel
    if curves:
        for name in curves:
            run = runs[name]
            left.plot(
                run["curve"]["step"],
                run["curve"]["train_loss"],
                color=colour[name],
                lw=1.4,
                label=name,
            )
            evals = [e for e in run.get("evals", []) if "val_loss" in e]
            left.plot(
                [e["step"] for e in evals],
                [e["val_loss"] for e in evals],
                "o",
                color=colour[name],
                ms=4,
            )
        window = spacing([runs[name]["curve"]["step"] for name in curves])
        every = spacing([[e["step"] for e in runs[name].get("evals", [])] for name in curves])
        left.set(
            xlabel="optimizer step",
            ylabel="loss (nats per character)",
            title=f"training loss, mean of each {window} steps (lines);\n"
            f"validation estimate every {every} steps (dots)",
        )
        left.grid(alpha=0.3)
        left.legend(fontsize=8, ncol=2)
    if measured:
        losses = [runs[name]["val_loss"] for name in measured]
        bars = right.barh(
            range(len(measured)),
            losses,
            color=[colour.get(name, NO_CURVE) for name in measured],
        )
        for bar, name, loss in zip(bars, measured, losses, strict=True):
            if name not in colour:
                bar.set_hatch("//")
            right.text(
                loss, bar.get_y() + bar.get_height() / 2, f" {loss:.4f}", va="center", fontsize=8
            )
        right.set_yticks(range(len(measured)), measured, fontsize=8)
        right.invert_yaxis()  # best at the top
        low, high = min(losses), max(losses)
        right.set_xlim(max(0.0, low - 0.15), high + 0.1)
        right.set(
            xlabel="validation loss, whole split (nats per character; axis cut)",
            title="validation loss after training"
            + ("\n(hatched grey: no stored curve)" if set(measured) - set(colour) else ""),
        )
        right.grid(axis="x", alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return True
