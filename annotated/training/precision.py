"""Which precision a training step runs in: bfloat16 only where the hardware multiplies it.

bfloat16 autocast (:mod:`annotated.training.step`) pays off only on hardware with bfloat16
multiply instructions: a GPU from NVIDIA's Ampere on, or an x86 CPU with ``avx512_bf16``
(AMD Zen 4 and later, Intel Cooper Lake and later) or AMX tiles (Intel Sapphire Rapids).
Elsewhere PyTorch *emulates* each bfloat16 product with float32 arithmetic plus conversions,
and a "faster" setting becomes a far slower one: on an AVX2-only CPU (AMD Zen 3), a
``(2500, 256) @ (256, 1024)`` product runs at about 1% of its float32 speed
(``benchmarks/bench_translation_dtype.py`` prints both). So ``dtype="auto"`` asks the hardware,

.. math::

    \\operatorname{auto} = \\begin{cases}
        \\text{bf16} & \\text{the device multiplies bfloat16 natively} \\\\
        \\text{fp32} & \\text{otherwise,}
    \\end{cases}

and an explicit ``"bf16"`` on hardware without it still runs, emulated, after a warning
that names the cost.
"""

from __future__ import annotations

import warnings
from typing import Literal, get_args

import torch

Dtype = Literal["fp32", "bf16", "auto"]  # the --dtype choices
Resolved = Literal["fp32", "bf16"]


def has_native_bf16(device_type: str) -> bool:
    """Whether a device of ``device_type`` multiplies bfloat16 in hardware.

    CUDA asks the GPU; a CPU asks for ``avx512_bf16`` or AMX tiles (PyTorch's own checks of the
    processor's features); any other device (MPS, an ARM CPU) answers no, the safe
    side: float32 is never the slow choice.

    Examples
    --------
    >>> import torch
    >>> from annotated.training.precision import has_native_bf16
    >>> has_native_bf16("cpu") == (
    ...     torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    True
    >>> has_native_bf16("meta")
    False
    """
    if device_type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device_type == "cpu":
        return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return False


def check_dtype(dtype: str) -> None:
    """Refuse a ``dtype`` that is not one of :data:`Dtype`, naming the choices.

    Examples
    --------
    >>> from annotated.training.precision import check_dtype
    >>> check_dtype("fp16")
    Traceback (most recent call last):
    ...
    ValueError: dtype must be one of ('fp32', 'bf16', 'auto'), got 'fp16'
    """
    if dtype not in get_args(Dtype):
        raise ValueError(f"dtype must be one of {get_args(Dtype)}, got {dtype!r}")


def resolve_dtype(dtype: str, device_type: str) -> Resolved:
    """The precision a step on ``device_type`` runs in for the setting ``dtype``.

    ``"auto"`` becomes ``"bf16"`` where :func:`has_native_bf16`, else ``"fp32"``; ``"bf16"``
    on hardware without it stays ``"bf16"`` with a ``RuntimeWarning`` (the module docstring
    says why it is slow).

    Raises
    ------
    ValueError
        For a name that is not one of :data:`Dtype` (:func:`check_dtype`).

    Examples
    --------
    >>> from annotated.training.precision import resolve_dtype
    >>> resolve_dtype("fp32", "cpu"), resolve_dtype("auto", "meta")
    ('fp32', 'fp32')
    """
    check_dtype(dtype)
    native = has_native_bf16(device_type)
    if dtype == "auto":
        return "bf16" if native else "fp32"
    if dtype == "bf16" and not native:
        warnings.warn(
            f"this {device_type} has no bfloat16 multiply instructions: bf16 products are "
            "emulated and run many times slower than fp32 here; use --dtype auto or fp32",
            RuntimeWarning,
            stacklevel=2,
        )
    return "bf16" if dtype == "bf16" else "fp32"
