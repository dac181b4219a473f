r"""The ladder's figure, drawn when the Benchmarks page is built.

``benchmarks/bench_ladder.py`` trains nanoGPT's CPU recipe and, rung by rung, one more
training trick, over several seeds, and stores in ``benchmarks/results/ladder.json``:

``runs``
    per rung and seed, ``evals``: the validation loss on the whole split every 100 steps;
``speed``
    per rung, ``step_ms``: its median step time with the rungs alternating in one process;
``summary``
    per rung, the medians over its seeds (the 2,000-step loss and its range among them, the
    steps to the target, the time ratio to nanoGPT's).

:func:`plot_ladder` draws, left, each rung's validation loss against training time,

.. math::

    t(s) = s \cdot \tilde t_{step}, \qquad s = 100, 200, \dots

the median over the seeds at each step :math:`s` (the seeds' data are the same batches for
every rung) times the rung's alternating step time :math:`\tilde t_{step}` (its step count
if no step time is stored), with the target as a dashed line; right, each rung's loss at the
end of its training (2,000 steps, or the shorter schedule its name gives) with the range of
its seeds. Nothing is interpolated: a point is an evaluation.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib import colormaps
from matplotlib.figure import Figure


def median_curve(runs: list[Mapping[str, Any]]) -> tuple[list[int], list[float]]:
    """The steps every run evaluated at, and the median validation loss over the runs there."""
    by_step: dict[int, list[float]] = {}
    for run in runs:
        for e in run.get("evals", []):
            by_step.setdefault(e["step"], []).append(e["val_loss"])
    steps = sorted(s for s, losses in by_step.items() if len(losses) == len(runs))
    return steps, [statistics.median(by_step[s]) for s in steps]


def plot_ladder(results: Mapping[str, Any], path: Path) -> bool:
    """Draw the ladder's curves and final losses into ``path``; whether there was anything."""
    rows = results.get("summary", [])
    if not rows:
        return False
    speed = results.get("speed", {})
    timed = all(isinstance(speed.get(r["rung"]), Mapping) for r in rows)
    palette = colormaps["tab10"].colors
    fig = Figure(figsize=(12, 5.2), layout="tight")
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    for i, r in enumerate(rows):
        runs = [run for run in results["runs"].values() if run["rung"] == r["rung"]]
        steps, losses = median_curve(runs)
        scale = speed[r["rung"]]["step_ms"] / 1e3 if timed else 1.0
        left.plot([s * scale for s in steps], losses, "o-", ms=3, lw=1.3,
                  color=palette[i % len(palette)], label=r["rung"])  # fmt: skip
    target = results.get("target")
    if target is not None:
        left.axhline(target, ls="--", color="k", lw=1, label=f"target {target}")
    left.set(
        xlabel="training seconds (steps x alternating step time)" if timed else "optimizer step",
        ylabel="validation loss, whole split (nats per character)",
        title=f"median over seeds {rows[0]['seeds']}, an evaluation every 100 steps",
        ylim=(min(r["val_loss_range"][0] for r in rows) - 0.05, 2.6),
    )
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    y = range(len(rows))
    loss = [r["val_loss"] for r in rows]
    low = [r["val_loss"] - r["val_loss_range"][0] for r in rows]
    high = [r["val_loss_range"][1] - r["val_loss"] for r in rows]
    right.barh(y, loss, xerr=[low, high], color=[palette[i % len(palette)] for i in y])
    for i, value in enumerate(loss):
        right.text(value, i, f" {value:.4f}", va="bottom", fontsize=8)
    goal = results.get("goal_loss")
    if goal is not None:
        right.axvline(goal, ls="--", color="k", lw=1, label=f"goal {goal}")
        right.legend(fontsize=8, loc="lower right")
    right.set_yticks(list(y), [r["rung"] for r in rows], fontsize=8)
    right.invert_yaxis()  # the first rung at the top
    right.set_xlim(min(min(loss), goal or min(loss)) - 0.1, max(loss) + 0.08)
    right.set(
        xlabel="validation loss at the end: 2,000 steps unless the rung says (axis cut)",
        title="each rung adds one change to the one above\n(bar: median; line: range of seeds)",
    )
    right.grid(axis="x", alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return True
