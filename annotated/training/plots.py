"""The curves of a run as PNG files: loss, perplexity, throughput and learning rate.

Perplexity is the exponential of the mean per-token negative log-likelihood,

.. math::

    \\mathrm{PPL} = \\exp\\Big(-\\frac{1}{n} \\sum_{t} \\log p(y_t \\mid y_{<t}, x)\\Big),

the effective number of tokens the model hesitates between: 1 for a certain model, :math:`V`
for a uniform guess. With label smoothing the training loss is a KL divergence, not the
negative log-likelihood, so the perplexity plot uses the held-out evaluations' own NLL when
they report one (``perplexity``) and marks the curve from the training loss as such.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from annotated.training.loop import Metrics

PLOTS = ("loss", "perplexity", "tokens_per_s", "lr")


def plot_run(
    history: Sequence[Metrics], evals: Sequence[Metrics], directory: Path | str
) -> list[Path]:
    """Write ``loss.png``, ``perplexity.png``, ``tokens_per_s.png`` and ``lr.png``.

    Parameters
    ----------
    history : sequence of dict
        Per-step records with ``step``, ``loss``, ``lr``, ``tokens_per_s``.
    evals : sequence of dict
        Evaluation records with ``step`` and optionally ``perplexity``.
    directory : path
        Where the files go.

    Returns
    -------
    list of pathlib.Path
        The four files.

    Examples
    --------
    >>> import tempfile
    >>> from annotated.training.plots import plot_run
    >>> history = [{"step": s, "loss": 2 / s, "lr": 1e-3, "tokens_per_s": 1e4} for s in range(1, 9)]
    >>> [p.name for p in plot_run(history, [{"step": 8, "perplexity": 1.2}], tempfile.mkdtemp())]
    ['loss.png', 'perplexity.png', 'tokens_per_s.png', 'lr.png']
    """
    from matplotlib.figure import Figure  # imported here: only runs that plot pay for it
    from matplotlib.ticker import FuncFormatter, NullFormatter

    directory = Path(directory)
    steps = [r["step"] for r in history]
    series = {  # name: (axis label, curve label, values)
        "loss": ("loss per target token", "training", [r["loss"] for r in history]),
        "perplexity": (
            "perplexity",
            "exp(training loss)",
            [math.exp(min(r["loss"], 50.0)) for r in history],
        ),
        "tokens_per_s": ("target tokens / s", "training", [r["tokens_per_s"] for r in history]),
        "lr": ("learning rate", "schedule", [r["lr"] for r in history]),
    }
    paths = []
    for name in PLOTS:
        axis, label, values = series[name]
        fig = Figure(figsize=(6, 3.5), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(steps, values, label=label, linewidth=1)
        held_out = [(e["step"], e["perplexity"]) for e in evals if "perplexity" in e]
        if name == "perplexity" and held_out:
            ax.plot(*zip(*held_out, strict=True), "o-", label="held-out perplexity")
        if name in ("loss", "perplexity"):  # plain tick labels: mathtext ones cost a second
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("optimizer step")
        ax.set_ylabel(axis)
        ax.legend()
        ax.grid(alpha=0.3)
        path = directory / f"{name}.png"
        fig.savefig(path, dpi=100)
        paths.append(path)
    return paths
