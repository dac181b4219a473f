"""An architecture diagram drawn at build time from a model's module tree.

``.. model-diagram::`` builds the paper's base model with :func:`annotated.make_model`, runs
one forward pass through :func:`annotated.trace_shapes` (and the generator), and draws every
module as a box nested in its parent, labelled with its attribute name, its class and the
shape of its output. Repeated layers (a ``ModuleList`` of one class) are drawn once as
``N ×``. Nothing is drawn by hand: change the code and the picture changes.

The content of the directive names the columns, top-level children separated by ``|``;
``:arrow: a b label`` draws an arrow from box ``a`` to box ``b``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import Any, ClassVar

import torch
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective
from torch import nn

import annotated

# Sizes chosen so that every number in a shape names one dimension.
DIMS = {"B": 2, "S": 7, "T": 5, "V_src": 1000, "V_tgt": 1001}
HIDDEN = ("Dropout", "Identity")
COLOURS = {  # fill, stroke, by class name (the default is a grey container)
    "MultiHeadedAttention": ("#dbeafe", "#2563eb"),
    "PositionwiseFeedForward": ("#dcfce7", "#16a34a"),
    "SwiGLU": ("#dcfce7", "#16a34a"),
    "LayerNorm": ("#fef9c3", "#ca8a04"),
    "RMSNorm": ("#fef9c3", "#ca8a04"),
    "Embeddings": ("#f3e8ff", "#9333ea"),
    "Embedding": ("#faf5ff", "#9333ea"),
    "PositionalEncoding": ("#fce7f3", "#db2777"),
    "LearnedPositionalEncoding": ("#fce7f3", "#db2777"),
    "Generator": ("#ffedd5", "#ea580c"),
    "Linear": ("#ffffff", "#64748b"),
}
ROW, GAP, INDENT, PAD, CHAR, COLUMN_GAP = 22, 5, 10, 6, 6.6, 56


@dataclass
class Box:
    """One module to draw."""

    name: str
    cls: str
    shape: str
    children: list[Box] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.name} · {self.cls}"


def symbolic(shape: tuple[int, ...], symbols: dict[int, str]) -> str:
    """``(2, 7, 512)`` -> ``(B, S, d_model)``."""
    return "(" + ", ".join(symbols.get(n, str(n)) for n in shape) + ")"


class _WithGenerator(nn.Module):
    """The model's forward pass followed by its generator, so both are traced."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, *args: Any) -> torch.Tensor:
        return self.model.generator(self.model(*args))


def build_tree(model: nn.Module, shapes: dict[str, str], name: str = "", label: str = "") -> Box:
    """The drawable tree of ``model``: hidden classes dropped, repeated layers collapsed."""
    short = name.rsplit(".", 1)[-1]
    box = Box(label or short or "model", type(model).__name__, shapes.get(name, ""))
    for child_name, child in model.named_children():
        full = f"{name}.{child_name}" if name else child_name
        if type(child).__name__ in HIDDEN:
            continue
        kids = list(child.children())
        if isinstance(child, nn.ModuleList) and kids and len({type(k) for k in kids}) == 1:
            n = len(kids)
            collapsed = build_tree(kids[0], shapes, f"{full}.0", f"{child_name}[0–{n - 1}]")
            collapsed.cls = f"{n} × {collapsed.cls}"
            box.children.append(collapsed)
        else:
            box.children.append(build_tree(child, shapes, full, child_name))
    return box


def model_tree(**options: Any) -> tuple[Box, dict[int, str]]:
    """Build the paper's base model (with ``options``), trace it and return its tree."""
    torch.manual_seed(0)
    model = annotated.make_model(DIMS["V_src"], DIMS["V_tgt"], **options).eval()
    config = model.config
    assert config is not None
    symbols = {v: k for k, v in DIMS.items()}
    symbols |= {config.d_model: "d_model", config.d_ff: "d_ff"}
    src = torch.randint(1, DIMS["V_src"], (DIMS["B"], DIMS["S"]))
    tgt = torch.randint(1, DIMS["V_tgt"], (DIMS["B"], DIMS["T"]))
    wrapped = _WithGenerator(model)
    trace = annotated.trace_shapes(
        wrapped, src, tgt, annotated.padding_mask(src), annotated.target_mask(tgt)
    )
    shapes: dict[str, str] = {}
    for record in trace:
        name = record.name.removeprefix("model").removeprefix(".")
        if record.output and name not in shapes:
            shapes[name] = symbolic(record.output[0], symbols)
    return build_tree(model, shapes, label="model"), symbols


def text_width(box: Box) -> float:
    """Width a box needs for its own label and shape."""
    return (len(box.label) + len(box.shape) + 3) * CHAR + 2 * PAD


def min_width(box: Box) -> float:
    """Width a box needs for itself and its nested children."""
    inner = max((min_width(c) for c in box.children), default=0.0)
    return max(text_width(box), inner + 2 * INDENT)


def place(box: Box, x: float, y: float, w: float) -> float:
    """Lay ``box`` out at ``(x, y)`` with width ``w``; return its height."""
    box.x, box.y, box.w = x, y, w
    h = ROW
    if box.children:
        h += GAP
        for child in box.children:
            h += place(child, x + INDENT, y + h, w - 2 * INDENT) + GAP
        h += PAD - GAP
    box.h = h
    return h


def draw(box: Box, out: list[str]) -> None:
    """Append the SVG of ``box`` and its children (parents first, so children are on top)."""
    fill, stroke = COLOURS.get(box.cls.split(" × ")[-1], ("#f8fafc", "#94a3b8"))
    title = escape(f"{box.label} -> {box.shape}" if box.shape else box.label)
    out.append(
        f'<g><title>{title}</title><rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" '
        f'height="{box.h:.1f}" rx="5" fill="{fill}" stroke="{stroke}"/>'
    )
    baseline = box.y + ROW / 2 + 4
    out.append(f'<text x="{box.x + PAD:.1f}" y="{baseline:.1f}">{escape(box.label)}</text>')
    if box.shape:
        out.append(
            f'<text x="{box.x + box.w - PAD:.1f}" y="{baseline:.1f}" text-anchor="end" '
            f'class="shape">{escape(box.shape)}</text>'
        )
    out.append("</g>")
    for child in box.children:
        draw(child, out)


def render_svg(root: Box, columns: list[list[str]], arrows: list[tuple[str, str, str]]) -> str:
    """Draw the root's children in ``columns``, top to bottom in each, with arrows."""
    by_name = {c.name: c for c in root.children}
    missing = [n for col in columns for n in col if n not in by_name]
    if missing:
        raise ValueError(f"no top-level module named {missing}; have {sorted(by_name)}")
    placed = {n for col in columns for n in col}
    columns = (
        [*columns, [n for n in by_name if n not in placed]] if placed != set(by_name) else columns
    )
    columns = [col for col in columns if col]
    widths = [max(min_width(by_name[n]) for n in col) for col in columns]
    top = ROW + 2 * GAP
    x, heights = PAD + INDENT, []
    for col, width in zip(columns, widths, strict=True):
        y = top
        for n in col:
            y += place(by_name[n], x, y, width) + 3 * GAP + 8
        heights.append(y)
        x += width + COLUMN_GAP
    root.x, root.y, root.w, root.h = PAD, PAD, x - COLUMN_GAP + INDENT, max(heights)
    out = [
        f'<rect x="{root.x}" y="{root.y}" width="{root.w:.1f}" height="{root.h:.1f}" rx="8" '
        'fill="#ffffff" stroke="#334155"/>',
        f'<text x="{root.x + PAD + 4}" y="{root.y + ROW / 2 + 5}" class="root">'
        f"{escape(root.label)}</text>",
    ]
    for child in root.children:
        draw(child, out)
    for col in columns:  # data flows down each column
        for a, b in pairwise(col):
            top_box, low_box = by_name[a], by_name[b]
            cx = top_box.x + top_box.w / 2
            out.append(arrow(cx, top_box.y + top_box.h + 2, cx, low_box.y - 2))
    for a, b, label in arrows:
        src, dst = by_name[a], by_name[b]
        y = src.y + src.h / 2
        x2 = dst.x - 2
        out.append(arrow(src.x + src.w + 2, y, x2, max(y, dst.y + ROW)))
        out.append(
            f'<text x="{(src.x + src.w + x2) / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle" '
            f'class="shape">{escape(label)}</text>'
        )
    width, height = root.x + root.w + PAD, root.y + root.h + PAD
    style = (
        "text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:11px;"
        "fill:#0f172a}text.shape{fill:#475569}text.root{font-weight:bold;font-size:12px}"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="max-width:{width:.0f}px;width:100%;height:auto" role="img" '
        'aria-label="The module tree of make_model, with output shapes">'
        f'<defs><marker id="arrowhead" markerWidth="8" markerHeight="8" refX="7" '
        f'refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#334155"/></marker></defs>'
        f"<style>{style}</style>" + "".join(out) + "</svg>"
    )


def arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    """An arrow from ``(x1, y1)`` to ``(x2, y2)`` (an elbow if the two differ in both)."""
    if x1 == x2 or y1 == y2:
        path = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
    else:
        mid = (x1 + x2) / 2
        path = f"M{x1:.1f},{y1:.1f} L{mid:.1f},{y1:.1f} L{mid:.1f},{y2:.1f} L{x2:.1f},{y2:.1f}"
    return (
        f'<path d="{path}" fill="none" stroke="#334155" stroke-width="1.5" '
        'marker-end="url(#arrowhead)"/>'
    )


class ModelDiagram(SphinxDirective):
    """``.. model-diagram::`` (see the module docstring)."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {"arrow": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        columns = [c.split() for c in " ".join(self.content).split("|")]
        arrows = []
        if "arrow" in self.options:
            a, b, *label = self.options["arrow"].split()
            arrows.append((a, b, " ".join(label)))
        try:
            root, _ = model_tree()
            svg = render_svg(root, columns, arrows)
        except ValueError as error:
            raise self.error(f"model-diagram: {error}") from error
        html = f'<div class="model-diagram">{svg}</div>'
        return [nodes.raw("", html, format="html")]
