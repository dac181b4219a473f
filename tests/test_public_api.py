"""Every public name documents its math, its tensor shapes and a runnable example."""

from __future__ import annotations

import inspect
import re

import pytest

import annotated

# Tools rather than equations: they transform or inspect models but compute no formula.
NO_MATH = {"trace_shapes", "record_attention"}
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
        module_doc = inspect.getdoc(inspect.getmodule(obj)) or ""
        assert ".. math::" in doc + module_doc or ":math:" in doc, f"{name}: no math"
    if takes_tensors(obj):
        assert SHAPE.search(docs_of(obj)), (
            f"{name}: tensor shapes not stated as ``(batch, seq, ...)``"
        )


def test_all_is_sorted_and_importable() -> None:
    assert sorted(annotated.__all__) == annotated.__all__
    for name in annotated.__all__:
        assert getattr(annotated, name) is not None
