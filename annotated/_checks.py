"""Argument checks shared by the building blocks: each failure names the argument."""

from __future__ import annotations

import torch


def describe(x: object) -> str:
    """A short description of ``x`` for error messages."""
    if isinstance(x, torch.Tensor):
        return f"shape {tuple(x.shape)} dtype {x.dtype}"
    return type(x).__name__


def check_float(name: str, x: object, dim: int | None = None, last: int | None = None) -> None:
    """``x`` must be a floating tensor, with ``dim`` dimensions and last size ``last``."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got {describe(x)}")
    if dim is not None and x.dim() != dim:
        raise ValueError(f"{name} must have {dim} dimensions, got {describe(x)}")
    if last is not None and x.size(-1) != last:
        raise ValueError(f"{name} must have last dimension {last}, got {describe(x)}")


def check_tokens(name: str, x: object) -> None:
    """``x`` must be an integer ``(batch, seq)`` tensor of token indices."""
    if not isinstance(x, torch.Tensor) or x.dim() != 2:
        raise ValueError(f"{name} must be a (batch, seq) tensor, got {describe(x)}")
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise ValueError(f"{name} must have an integer dtype, got {x.dtype}")


def check_mask(name: str, mask: object, scores_shape: tuple[int, ...]) -> None:
    """``mask`` must be bool and broadcast to ``scores_shape`` (True = may attend)."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise ValueError(f"{name} must be a bool tensor (True = may attend), got {describe(mask)}")
    try:
        shape = torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError:
        shape = None
    if shape != torch.Size(scores_shape):
        raise ValueError(
            f"{name} of shape {tuple(mask.shape)} does not broadcast to the attention scores "
            f"(batch, heads, seq_q, seq_k) = {tuple(scores_shape)}"
        )


def check_token_range(x: torch.Tensor, vocab: int) -> None:
    """Token ids ``x`` must lie in ``[0, vocab)``; checked only where that is free.

    Reading the minimum and maximum back to Python waits for the device, so on an
    accelerator this would stall every forward pass. It checks CPU tensors only; on an
    accelerator the data side checks the ids once per batch, before they are moved there.
    Nor does it check while ``torch.compile`` traces the model: a Python ``int`` read from a
    tensor would split the compiled graph at every call. An out-of-range id then trips the
    compiled kernel's own bounds check, and the training loop, falling back to the eager
    model, raises this error (:mod:`annotated.training.step`).
    """
    if x.device.type != "cpu" or not x.numel() or torch.compiler.is_compiling():
        return
    low, high = int(x.min()), int(x.max())
    bad = high if high >= vocab else low if low < 0 else None
    if bad is not None:
        raise ValueError(f"token index {bad} is out of range: token ids must be in [0, {vocab})")
