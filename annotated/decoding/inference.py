"""Run a model for inference: dropout off, no autograd graph, the caller's mode restored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


@contextmanager
def inference(model: nn.Module) -> Iterator[nn.Module]:
    """Within this block ``model`` is in eval mode under ``torch.no_grad``; its mode comes back.

    Decoding and evaluation must not see dropout, and need no gradients. Entered around each
    forward call rather than around a whole generator, so a caller that trains between two
    streamed tokens still has its gradients and its training mode. Switching the mode walks
    every submodule, which costs more than a cached decoding step of a small model: decode
    with a model in eval mode to skip it.

    Examples
    --------
    >>> import torch
    >>> from annotated.decoding.inference import inference
    >>> model = torch.nn.Dropout(0.5).train()
    >>> with inference(model):
    ...     model.training, torch.is_grad_enabled()
    (False, False)
    >>> model.training
    True
    """
    training = model.training
    if training:  # switching walks every submodule: pay for it only when needed
        model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        if training:
            model.train()
