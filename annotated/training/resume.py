"""Everything a run needs to continue bit for bit: one atomic safetensors file.

Resuming must give the weights an uninterrupted run would have had. After step :math:`s`
the next update depends on the weights :math:`\\theta_s`, Adam's moments and step count
:math:`(m_s, v_s, s)`, the learning rate :math:`\\eta_{s+1}` (a function of :math:`s`), the
next batches (a function of the data position) and the random number generator (dropout).
All of it goes into ``train_state.safetensors``: the tensors as tensors, the counters, curves
and the run's options as JSON in the file's metadata. One file, written with one atomic
rename, so a run killed at any moment leaves either the previous state or the new one:

.. math::

    \\theta_T^{\\text{killed at any } t,\\ \\text{resumed}} = \\theta_T^{\\text{uninterrupted}}

The rules that keep a run directory one run are :mod:`annotated.training.run_directory`'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from annotated.training.checkpoint import load_weights, unique_state
from annotated.training.files import CheckpointError, read_safetensors, save_safetensors
from annotated.training.loop import TrainState

STATE = "train_state.safetensors"
FORMAT = "annotated-train-state/1"


def save_train_state(
    path: Path | str,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    state: TrainState,
    extra: dict[str, Any],
) -> None:
    """Write weights, optimizer state, RNG states, ``state`` and ``extra`` to ``path``.

    ``extra`` holds what the caller needs to rebuild the run (options, seed, task), as JSON.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import torch
    >>> from annotated import TrainState
    >>> from annotated.training.resume import load_train_state, save_train_state
    >>> model = torch.nn.Linear(2, 2)
    >>> opt = torch.optim.Adam(model.parameters())
    >>> model(torch.ones(1, 2)).sum().backward(); opt.step()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train_state.safetensors"
    >>> save_train_state(path, model, opt, TrainState(optimizer_steps=1), {"seed": 0})
    >>> state, extra = load_train_state(path, torch.nn.Linear(2, 2), torch.optim.Adam(model.parameters()))
    >>> state.optimizer_steps, extra
    (1, {'seed': 0})
    """
    tensors = {f"model.{k}": v for k, v in unique_state(model).items()}
    opt = optimizer.state_dict()
    plain: dict[str, Any] = {}
    for index, entry in opt["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{index}.{key}"] = value.detach().cpu().contiguous()
            else:
                plain[f"{index}.{key}"] = value
    tensors["rng.torch"] = torch.get_rng_state()
    if torch.cuda.is_available():
        for i, rng in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = rng
    metadata = {
        "format": FORMAT,
        "state": json.dumps(state.to_dict()),
        "param_groups": json.dumps(opt["param_groups"]),
        "optimizer_plain": json.dumps(plain),
        "extra": json.dumps(extra),
    }
    save_safetensors(Path(path), tensors, metadata)


def read_extra(path: Path | str) -> dict[str, Any]:
    """The ``extra`` dictionary of a train-state file (to rebuild the run before loading)."""
    _, metadata = _read(Path(path))
    return dict(json.loads(metadata["extra"]))


def load_train_state(
    path: Path | str, model: nn.Module, optimizer: torch.optim.Optimizer
) -> tuple[TrainState, dict[str, Any]]:
    """Restore ``model``, ``optimizer`` and the RNGs from ``path``; return the state and extra."""
    path = Path(path)
    tensors, metadata = _read(path)
    load_weights(model, {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, path)
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name.startswith("optimizer."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    for name, value in json.loads(metadata["optimizer_plain"]).items():
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    groups = json.loads(metadata["param_groups"])
    for group in groups:  # JSON turned tuples (Adam's betas) into lists
        group.update(
            {k: tuple(v) for k, v in group.items() if k != "params" and isinstance(v, list)}
        )
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    except (ValueError, KeyError) as error:
        raise CheckpointError(f"{path}: the optimizer state does not fit ({error})") from None
    torch.set_rng_state(tensors["rng.torch"])
    cuda = [tensors[k] for k in sorted(tensors) if k.startswith("rng.cuda.")]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    return TrainState.from_dict(json.loads(metadata["state"])), json.loads(metadata["extra"])


def _read(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read and check a train-state file."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT or "rng.torch" not in tensors:
        raise CheckpointError(f"{path}: not an annotated train-state file")
    try:
        for key in ("state", "param_groups", "optimizer_plain", "extra"):
            json.loads(metadata[key])
    except (KeyError, ValueError):
        raise CheckpointError(f"{path}: corrupted train-state metadata") from None
    return tensors, metadata
