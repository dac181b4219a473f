"""Where tensors live: the best device present unless the user names one."""

from __future__ import annotations

import torch


def pick_device(name: str = "auto") -> torch.device:
    """CUDA if available, then Apple's MPS, then the CPU; or the device ``name``.

    A named device that is not available is a ``ValueError``, not a silent fallback: a run
    asked for on a GPU should not quietly take a hundred times longer on the CPU.

    Examples
    --------
    >>> from annotated.training.device import pick_device
    >>> pick_device("cpu")
    device(type='cpu')
    >>> pick_device("tpu")
    Traceback (most recent call last):
    ...
    ValueError: unknown device 'tpu'; use auto, cpu, cuda, cuda:N or mps
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for, but CUDA is not available here")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {name!r} was asked for, but MPS is not available here")
    return device
