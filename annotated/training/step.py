"""How a micro-batch's forward pass and loss run: in which precision, compiled or eager.

**bfloat16 autocast** (``dtype="bf16"``). A bfloat16 number keeps float32's 8-bit exponent
(the same range, so no loss scaling is needed) and an 8-bit mantissa (7 bits stored), a
relative rounding error of :math:`2^{-8} \\approx 0.4\\%`. Under ``torch.autocast`` the
matrix products of the linear layers read bfloat16 copies of their inputs and weights and
accumulate the products in float32,

.. math::

    y_{ij} = \\sum_k \\operatorname{bf16}(x_{ik})\\, \\operatorname{bf16}(W_{jk}),
    \\qquad \\operatorname{bf16}(a) = a\\,(1 + \\delta),\\ |\\delta| \\le 2^{-8},

so each product carries one rounding of each factor, and the sum only float32's far smaller
one (:math:`2^{-24}`). The weights
themselves, their gradients and the optimizer's moments stay float32: an update
:math:`\\eta\\, \\Delta` is often smaller than :math:`2^{-8}` of the weight it is added to, and
in bfloat16 it would round away. The cross-entropy is computed in float32 (autocast's own
rule), and so are the log-softmax and the attention (this module's rule, :class:`Float32Ops`):
on the CPU, PyTorch's bfloat16 fused-attention backward is several times slower than its
float32 one at this package's sizes (``benchmarks/bench_step_speed.py``), and the
probabilities of a softmax are where 8 bits of mantissa would show.

**Compiling** (``compile=True``). ``torch.compile`` traces the model's forward pass into a
graph that inductor turns into fused C++ loops and library matrix products; the backward pass
is compiled alongside. The model the loop was given is not changed: the compiled module is
used for the training steps only (evaluation and sampling run the model eagerly, with no
recompiling for their shapes), and checkpoints hold the model's own state-dict keys. If
compiling fails -- no C compiler, an operation inductor cannot lower -- the step is redone
eagerly after a one-line warning naming the reason, and the run goes on eagerly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Generic, TypeVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from annotated.training.precision import Dtype, resolve_dtype

B = TypeVar("B")
M = TypeVar("M", bound=nn.Module)


class Float32Ops(TorchFunctionMode):
    """Within autocast, run attention and the log-softmax on float32 inputs, in float32.

    Autocast would run ``F.scaled_dot_product_attention`` in bfloat16; this mode hands it
    float32 copies of the queries, keys and values with autocast off, and gives the result
    back in the dtype it came in, so the next linear layer reads what it would have read.

    Examples
    --------
    >>> import torch
    >>> import torch.nn.functional as F
    >>> from annotated.training.step import Float32Ops
    >>> q = torch.randn(1, 2, 4, 8)                           # (batch, heads, seq, d_k)
    >>> with torch.autocast("cpu", dtype=torch.bfloat16):
    ...     plain = F.scaled_dot_product_attention(q, q, q)
    ...     with Float32Ops():
    ...         kept = F.scaled_dot_product_attention(q, q, q)
    ...         logp = F.log_softmax(q.bfloat16(), dim=-1)
    >>> plain.dtype, kept.dtype, logp.dtype
    (torch.bfloat16, torch.float32, torch.float32)
    >>> bool((kept - F.scaled_dot_product_attention(q, q, q)).abs().max() < 1e-6)
    True
    """

    def __torch_function__(
        self,
        func: Callable[..., Any],
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        if func is F.scaled_dot_product_attention:
            q, k, v = args[:3]
            with torch.autocast(q.device.type, enabled=False):
                out = func(q.float(), k.float(), v.float(), *args[3:], **kwargs)
            return out.to(q.dtype)
        if func in (F.log_softmax, torch.log_softmax, torch.Tensor.log_softmax):
            return func(args[0].float(), *args[1:], **kwargs)
        return func(*args, **kwargs)


class ForwardLoss(Generic[M, B]):
    """``loss_fn(model, batch)`` in the precision ``dtype``, through the compiled model if asked.

    Parameters
    ----------
    model : torch.nn.Module
        The model the loop trains; it is never changed (its compiled wrapper shares its
        parameters).
    loss_fn : callable
        ``loss_fn(model, batch) -> (summed loss, n_tokens)``.
    dtype : {"fp32", "bf16", "auto"}
        ``"bf16"``: the forward pass and the loss under ``torch.autocast`` with
        :class:`Float32Ops` (the module docstring has the rule); ``"auto"``: bf16 where the
        model's device multiplies bfloat16 natively, else fp32
        (:func:`~annotated.training.precision.resolve_dtype`). ``self.dtype`` is the one used.
    compile : bool
        Call ``loss_fn`` with ``torch.compile(model)``.

    Examples
    --------
    >>> import torch
    >>> from annotated.training.step import ForwardLoss
    >>> model = torch.nn.Linear(4, 4)
    >>> import warnings
    >>> with warnings.catch_warnings():   # no warning that bf16 is emulated on this CPU, if it is
    ...     warnings.simplefilter("ignore", RuntimeWarning)
    ...     step = ForwardLoss(model, lambda m, x: (m(x).sum(), x.numel()), dtype="bf16")
    >>> loss, n = step(torch.randn(2, 4))
    >>> loss.dtype, n, model.weight.dtype           # bfloat16 products, float32 weights
    (torch.bfloat16, 8, torch.float32)
    """

    def __init__(
        self,
        model: M,
        loss_fn: Callable[[M, B], tuple[torch.Tensor, int]],
        *,
        dtype: Dtype = "fp32",
        compile: bool = False,
    ) -> None:
        param = next(model.parameters(), None)
        self.device_type = "cpu" if param is None else param.device.type
        self.model, self.loss_fn = model, loss_fn
        self.dtype = resolve_dtype(dtype, self.device_type)
        self.compiled: M | None = torch.compile(model) if compile else None  # type: ignore[assignment]

    def __call__(self, batch: B) -> tuple[torch.Tensor, int]:
        """The summed loss of ``batch`` and its token count; call ``.backward()`` outside."""
        with ExitStack() as stack:
            if self.dtype == "bf16":
                stack.enter_context(torch.autocast(self.device_type, dtype=torch.bfloat16))
                stack.enter_context(Float32Ops())
            return self.loss_fn(self.model if self.compiled is None else self.compiled, batch)

    def fall_back(self, error: BaseException) -> None:
        """Warn in one line why compiling failed, and run eagerly from now on."""
        reason = (str(error).strip().splitlines() or [""])[0][:200]
        warnings.warn(
            f"torch.compile failed ({type(error).__name__}: {reason}); training eagerly",
            RuntimeWarning,
            stacklevel=3,
        )
        self.compiled = None
