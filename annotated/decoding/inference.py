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
    streamed tokens still has its gradients and its training mode.

    Examples
    --------
    >>> model = torch.nn.Dropout(0.5).train()
    >>> with inference(model):
    ...     model.training, torch.is_grad_enabled()
    (False, False)
    >>> model.training
    True
    """
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(training)
