"""Per-layer statistics: where the signal grows, shrinks or saturates, read through hooks.

For each layer :math:`l` (encoder layers, then decoder layers; or the GPT's blocks) one
training step records three numbers:

.. math::

    a_l = \\frac{1}{BT} \\sum_{b,t} \\lVert h^{(l)}_{b,t} \\rVert_2, \\qquad
    g_l = \\Big(\\sum_{\\theta \\in l} \\lVert \\nabla_\\theta \\mathcal{L} \\rVert_2^2\\Big)^{1/2},
    \\qquad
    s_l = \\operatorname{std}\\Big\\{ \\frac{q_i \\cdot k_j}{\\sqrt{d_k}} :
        j \\text{ visible from } i \\Big\\}

the mean norm of the layer's output (the residual stream), the norm of the gradient of its
parameters, and the spread of its self-attention scores before the softmax. A stream whose
:math:`a_l` climbs with depth (post-norm without warmup, or no norm at all), gradients that
vanish in the early layers, or scores spread so wide that the softmax is one-hot (and its
gradient zero) are what the Lab lets a learner see.

Forward hooks read the outputs; a pre-hook on each self-attention recomputes its queries
and keys (with RoPE's rotation, without ALiBi's bias, which is not a :math:`q \\cdot k`)
from the same inputs; the gradients are read after the backward pass. Hooks are attached
only for the steps that record, so the other steps run at full speed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from annotated.gpt import GPT
from annotated.multi_head_attention import MultiHeadedAttention


@dataclass(frozen=True)
class LayerStats:
    """The statistics of one recorded step, one value per layer.

    Parameters
    ----------
    step : int
        The optimizer step they were recorded at.
    layers : tuple of str
        The layers' names, input side first (``enc 1``, ..., ``dec 1``, ...; or ``block 1``, ...).
    activation_norm, grad_norm, qk_std : tuple of float
        :math:`a_l`, :math:`g_l` and :math:`s_l`, one per layer.
    """

    step: int
    layers: tuple[str, ...]
    activation_norm: tuple[float, ...]
    grad_norm: tuple[float, ...]
    qk_std: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "step": self.step,
            "layers": list(self.layers),
            "activation_norm": list(self.activation_norm),
            "grad_norm": list(self.grad_norm),
            "qk_std": list(self.qk_std),
        }


def named_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model's layers in order, each with a short name.

    Examples
    --------
    >>> from annotated import make_model
    >>> from annotated.lab.stats import named_layers
    >>> [name for name, _ in named_layers(make_model(5, 5, N=2, d_model=8, d_ff=16, h=2))]
    ['enc 1', 'enc 2', 'dec 1', 'dec 2']
    """
    if isinstance(model, GPT):
        return [(f"block {i + 1}", b) for i, b in enumerate(model.blocks)]
    encoder = getattr(model, "encoder", None)
    decoder = getattr(model, "decoder", None)
    if encoder is None or decoder is None:
        raise TypeError(f"expected a GPT or an EncoderDecoder, got {type(model).__name__}")
    return [(f"enc {i + 1}", m) for i, m in enumerate(encoder.layers)] + [
        (f"dec {i + 1}", m) for i, m in enumerate(decoder.layers)
    ]


def score_std(attn: MultiHeadedAttention, args: tuple[Any, ...], kwargs: dict[str, Any]) -> float:
    """:math:`s_l`: the std of ``attn``'s visible scores :math:`q \\cdot k / \\sqrt{d_k}` for a call.

    ``args`` and ``kwargs`` are the call's own: ``query`` ``(batch, seq_q, d_model)``,
    ``key`` ``(batch, seq_k, d_model)``, then ``value``, ``mask`` and ``is_causal``.

    Examples
    --------
    >>> import torch
    >>> from annotated import MultiHeadedAttention
    >>> from annotated.lab.stats import score_std
    >>> attn = MultiHeadedAttention(h=2, d_model=8, dropout=0.0)
    >>> x = torch.randn(1, 5, 8)                          # (batch, seq, d_model)
    >>> s = score_std(attn, (x, x, x), {"is_causal": True})
    >>> q = attn.w_q(x).view(1, 5, 2, 4).transpose(1, 2)  # (batch, h, seq, d_k)
    >>> k = attn.w_k(x).view(1, 5, 2, 4).transpose(1, 2)
    >>> scores = (q @ k.transpose(-2, -1) / 2)[..., torch.ones(5, 5).tril().bool()]
    >>> abs(s - scores.std().item()) < 1e-5
    True
    """
    query, key = args[0], args[1]
    mask = args[3] if len(args) > 3 else kwargs.get("mask")
    causal = bool(kwargs.get("is_causal", False))
    with torch.no_grad():
        q = attn.w_q(query).view(query.size(0), -1, attn.h, attn.d_k).transpose(1, 2)
        k = attn.w_k(key).view(key.size(0), -1, attn.h, attn.d_k).transpose(1, 2)
        if attn.positions is not None:  # q, k: (batch, h, seq, d_k)
            q = attn.positions.rotate(q, torch.arange(q.size(-2)))
            k = attn.positions.rotate(k, torch.arange(k.size(-2)))
        scores = q @ k.transpose(-2, -1) / math.sqrt(attn.d_k)  # (batch, h, seq_q, seq_k)
        visible = torch.ones(scores.shape, dtype=torch.bool)
        if mask is not None:
            visible = visible & mask.unsqueeze(1)  # (batch, 1, seq_q or 1, seq_k), True = visible
        if causal:
            visible = visible & torch.ones(scores.shape[-2:], dtype=torch.bool).tril()
        chosen = scores[visible]
        return float(chosen.std()) if chosen.numel() > 1 else 0.0


class StatsRecorder:
    """Record :class:`LayerStats` of a model's training step through hooks.

    Parameters
    ----------
    model : GPT or EncoderDecoder
        The model being trained.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.lab import StatsRecorder
    >>> model = GPT(GPTConfig(vocab_size=11, max_len=8, N=3, h=2, d_model=16))
    >>> recorder = StatsRecorder(model)
    >>> with recorder.recording():
    ...     model(torch.randint(11, (2, 8))).sum().backward()
    >>> stats = recorder.result(step=1)
    >>> stats.layers, len(stats.grad_norm), min(stats.activation_norm) > 0
    (('block 1', 'block 2', 'block 3'), 3, True)
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.layers = named_layers(model)
        self._activation: dict[str, float] = {}
        self._qk: dict[str, float] = {}

    @contextmanager
    def recording(self) -> Iterator[StatsRecorder]:
        """Within this block, forward passes record activation norms and score spreads."""
        handles = []
        self._activation.clear()
        self._qk.clear()
        for name, layer in self.layers:
            handles.append(layer.register_forward_hook(self._on_output(name)))
            attn = layer.get_submodule("self_attn")
            handles.append(attn.register_forward_pre_hook(self._on_attend(name), with_kwargs=True))
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()

    def _on_output(self, name: str) -> Any:
        def hook(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
            # output: (batch, seq, d_model); the norm of each position's vector, averaged
            self._activation[name] = float(output.detach().norm(dim=-1).mean())

        return hook

    def _on_attend(self, name: str) -> Any:
        def hook(
            module: MultiHeadedAttention, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> None:
            self._qk[name] = score_std(module, args, kwargs)

        return hook

    def result(self, step: int) -> LayerStats:
        """The statistics of the recorded forward pass and the gradients now in ``.grad``."""
        grads = []
        for _, layer in self.layers:
            squares = [
                p.grad.detach().pow(2).sum() for p in layer.parameters() if p.grad is not None
            ]
            grads.append(float(torch.stack(squares).sum().sqrt()) if squares else 0.0)
        names = tuple(name for name, _ in self.layers)
        return LayerStats(
            step,
            names,
            tuple(self._activation.get(n, float("nan")) for n in names),
            tuple(grads),
            tuple(self._qk.get(n, float("nan")) for n in names),
        )
