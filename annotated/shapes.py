"""Trace the tensor shapes through one forward pass.

Shapes are the first thing a learner needs and the first thing that goes wrong. This module
runs a model once with forward hooks on every submodule and records what went in and what
came out, in execution order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class ShapeRecord:
    """One module call: its dotted name, class, and input and output shapes."""

    name: str
    module: str
    inputs: tuple[tuple[int, ...], ...]
    output: tuple[tuple[int, ...], ...]


class ShapeTrace(list[ShapeRecord]):
    """The records of one forward pass, in call order; :meth:`table` formats them."""

    def table(self) -> str:
        """A fixed-width table: module, class, input shapes, output shapes."""
        rows = [("module", "class", "inputs", "output")]
        rows += [(r.name or "(model)", r.module, _fmt(r.inputs), _fmt(r.output)) for r in self]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def trace_shapes(model: nn.Module, *inputs: Any, print_table: bool = False) -> ShapeTrace:
    """Run ``model(*inputs)`` under ``torch.no_grad`` and record every module's shapes.

    Parameters
    ----------
    model : torch.nn.Module
        Any model; every submodule is traced.
    *inputs
        The forward arguments.
    print_table : bool
        Also print :meth:`ShapeTrace.table`.

    Returns
    -------
    ShapeTrace
        One :class:`ShapeRecord` per module call, in the order the calls finished.

    Examples
    --------
    >>> import torch
    >>> from annotated import make_model, padding_mask, target_mask, trace_shapes
    >>> model = make_model(11, 11, N=1, d_model=16, d_ff=32, h=2)
    >>> src = torch.ones(2, 7, dtype=torch.long)      # (batch, src_len)
    >>> tgt = torch.ones(2, 5, dtype=torch.long)      # (batch, tgt_len)
    >>> trace = trace_shapes(model, src, tgt, padding_mask(src), target_mask(tgt))
    >>> [r for r in trace if r.name == "encoder"][0].output
    ((2, 7, 16),)
    >>> trace[-1].output                                 # the whole model
    ((2, 5, 16),)
    """
    records = ShapeTrace()
    names = {module: name for name, module in model.named_modules()}

    def hook(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        records.append(
            ShapeRecord(names[module], type(module).__name__, _shapes(args), _shapes(output))
        )

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    if print_table:
        print(records.table())
    return records


def _shapes(value: Any) -> tuple[tuple[int, ...], ...]:
    if isinstance(value, torch.Tensor):
        return (tuple(value.shape),)
    if isinstance(value, (tuple, list)):
        return tuple(s for v in value for s in _shapes(v))
    return ()


def _fmt(shapes: tuple[tuple[int, ...], ...]) -> str:
    return ", ".join("(" + ", ".join(map(str, s)) + ")" for s in shapes)
