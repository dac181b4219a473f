"""Every public name documents its math, its tensor shapes and a runnable example."""

from __future__ import annotations

import inspect
import re

import pytest

import annotated

# Names whose own docstring has no displayed equation. An API page shows only the object's
# docstring, so every component or function with a formula carries its ``.. math::`` itself.
NO_MATH = {
    # plumbing: containers, configs, I/O, registries, tools that compute no formula
    "Batch",
    "GPTConfig",
    "LoopOptions",
    "TrainState",
    "TransformerConfig",
    "Vocabulary",
    "generate_stream",
    "get_task",
    "load_checkpoint",
    "load_corpus",
    "load_task_model",
    "predict",
    "record_attention",
    "save_checkpoint",
    "trace_shapes",
}
# a shape written as a literal tuple of named or numbered dimensions, e.g. ``(batch, seq, d_model)``
SHAPE = re.compile(r"``\((\.\.\.|\w+)(, (\.\.\.|\w+))*,?\)``")


def docs_of(obj: object) -> str:
    """The object's docstring plus, for classes, its ``forward``'s and its methods'."""
    parts = [inspect.getdoc(obj) or ""]
    if inspect.isclass(obj):
        for name, member in vars(obj).items():
            if callable(member) and not name.startswith("_"):
                parts.append(inspect.getdoc(member) or "")
    return "\n".join(parts)


def takes_tensors(obj: object) -> bool:
    """Whether the callable (or a class's ``forward``) has a Tensor in its annotations."""
    target = getattr(obj, "forward", obj) if inspect.isclass(obj) else obj
    try:
        annotations = inspect.get_annotations(target)  # type: ignore[arg-type]
    except TypeError:
        return False
    return any("Tensor" in str(a) for a in annotations.values())


@pytest.mark.parametrize("name", annotated.__all__)
def test_public_name_is_documented(name: str) -> None:
    obj = getattr(annotated, name)
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc and ">>> " in doc, f"{name}: no numpydoc Examples doctest"
    if name not in NO_MATH:
        assert ".. math::" in doc, f"{name}: no displayed equation in its own docstring"
    if takes_tensors(obj):
        assert SHAPE.search(docs_of(obj)), (
            f"{name}: tensor shapes not stated as ``(batch, seq, ...)``"
        )


def test_math_exemptions_are_current() -> None:
    """The exemption list names only public names, and only ones still without an equation."""
    for name in NO_MATH:
        assert name in annotated.__all__, f"{name} is not public"
        assert ".. math::" not in (inspect.getdoc(getattr(annotated, name)) or ""), (
            f"{name} now has an equation: remove it from the exemptions"
        )


def test_all_is_sorted_and_importable() -> None:
    assert sorted(annotated.__all__) == annotated.__all__
    for name in annotated.__all__:
        assert getattr(annotated, name) is not None
