"""Checkpoint averaging: the final model is the mean of the last few checkpoints' weights.

The paper's base models are "a single model obtained by averaging the last 5 checkpoints"
(section 6.1). For :math:`K` checkpoints with weights :math:`\\theta_1, \\dots, \\theta_K`,
each parameter is averaged on its own:

.. math::

    \\bar\\theta = \\frac{1}{K} \\sum_{k=1}^{K} \\theta_k

Late in training the weights wander around a minimum with the learning rate's noise; the
mean of a few points along that walk sits nearer its centre than any one of them, much as a
smaller learning rate would, at no cost in training time.

:class:`Snapshots` keeps the checkpoints to average: a folder of ``step-NNNNNN.safetensors``
files, each written atomically, of which only the last :math:`K` are kept. A run writes its
snapshot *before* its resumable state, so a run killed between the two repeats that step and
rewrites the same snapshot; no snapshot is ever missing from the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from annotated.training.checkpoint import load_weights, unique_state
from annotated.training.files import read_safetensors, save_safetensors


def average_weights(states: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The parameter-wise mean of ``states``, accumulated in float32.

    .. math::

        \\bar\\theta[n] = \\frac{1}{K} \\sum_{k=1}^{K} \\theta_k[n]
        \\quad \\text{for every tensor name } n

    Every state must have the same names and shapes; a tensor of shape ``(...)`` (any shape,
    e.g. ``(d_model, d_ff)``) averages to one of the same shape, returned in its own dtype
    (a float16 sum of many snapshots would round away what it averages).

    Examples
    --------
    >>> import torch
    >>> from annotated.training.averaging import average_weights
    >>> average_weights([{"w": torch.tensor([0.0, 2.0])}, {"w": torch.tensor([1.0, 4.0])}])
    {'w': tensor([0.5000, 3.0000])}
    """
    if not states:
        raise ValueError("average_weights needs at least one state")
    names = set(states[0])
    for k, state in enumerate(states[1:], start=2):
        if set(state) != names:
            raise ValueError(f"state {k} has other tensor names than state 1")
        for name in names:
            if state[name].shape != states[0][name].shape:
                raise ValueError(
                    f"state {k}: {name} has shape {tuple(state[name].shape)}, "
                    f"state 1 has {tuple(states[0][name].shape)}"
                )
    return {
        name: torch.stack([s[name].float() for s in states]).mean(dim=0).to(states[0][name].dtype)
        for name in states[0]
    }


class Snapshots:
    """The last ``keep`` weight snapshots of a run, in ``folder``, and their mean.

    After saves at steps :math:`s_1 < \\dots < s_m`, the folder holds the last :math:`K`, and
    the averaged model is

    .. math::

        \\bar\\theta = \\frac{1}{\\min(K, m)} \\sum_{j = \\max(1, m - K + 1)}^{m} \\theta_{s_j}

    Parameters
    ----------
    folder : path
        Where the ``step-NNNNNN.safetensors`` files go (created on the first save).
    keep : int
        :math:`K`, how many snapshots to keep and average (paper: 5).

    Examples
    --------
    >>> import tempfile, torch
    >>> from annotated.training.averaging import Snapshots
    >>> layer = torch.nn.Linear(1, 1, bias=False)
    >>> snapshots = Snapshots(tempfile.mkdtemp(), keep=2)
    >>> for step, w in enumerate([1.0, 2.0, 6.0], start=1):
    ...     _ = layer.weight.data.fill_(w)
    ...     snapshots.save(layer, step)
    >>> [p.name for p in snapshots.files()]
    ['step-000002.safetensors', 'step-000003.safetensors']
    >>> snapshots.average_into(layer), layer.weight.item()
    (2, 4.0)
    """

    def __init__(self, folder: Path | str, keep: int) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}")
        self.folder = Path(folder)
        self.keep = keep

    def files(self) -> list[Path]:
        """The kept snapshots, oldest first."""
        return sorted(self.folder.glob("step-*.safetensors"))

    def save(self, model: nn.Module, step: int) -> None:
        """Write ``model``'s weights as the snapshot of ``step``; drop all but the last ``keep``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        save_safetensors(
            self.folder / f"step-{step:06d}.safetensors", unique_state(model), {"step": str(step)}
        )
        for old in self.files()[: -self.keep]:
            old.unlink()

    def average_into(self, model: nn.Module) -> int:
        """Load the mean of the kept snapshots into ``model``; returns how many were averaged."""
        files = self.files()
        if not files:
            raise FileNotFoundError(f"{self.folder}: no snapshots to average")
        states = [read_safetensors(path)[0] for path in files]
        load_weights(model, average_weights(states), self.folder)
        return len(states)
