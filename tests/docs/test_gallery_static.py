"""Fast checks of the gallery's sources, no build needed.

* every name in ``annotated.__all__`` is used by at least one example;
* examples import only public ``annotated`` names, or the public functions of the documented
  subpackages in ``PUBLIC_SUBPACKAGES`` (the shipped models' :func:`annotated.pretrained.load`);
* every example follows the house format: a titled docstring, ``# %%`` cells that open with
  a header, a ``README.txt`` per topic folder.
"""

from __future__ import annotations

import ast
import importlib
import re
import types
from pathlib import Path

import pytest

import annotated

# subpackages whose own public names examples may import: the shipped models live apart from
# the top-level API so that importing ``annotated`` does not read any weights file
PUBLIC_SUBPACKAGES = ("annotated.pretrained",)

GALLERY = Path(__file__).resolve().parents[2] / "gallery"
EXAMPLES = sorted(GALLERY.glob("*/plot_*.py"))
TOPICS = sorted(p for p in GALLERY.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def annotated_names(path: Path) -> set[str]:
    """Names an example takes from ``annotated``: ``from annotated import X`` and ``annotated.X``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "annotated":
            names.update(alias.name for alias in node.names)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "annotated"
        ):
            names.add(node.attr)
    return names


def defined_in(module: str) -> set[str]:
    """The public names ``module`` defines itself (not those it imports)."""
    return {
        name
        for name, obj in vars(importlib.import_module(module)).items()
        if not name.startswith("_")
        and not isinstance(obj, types.ModuleType)
        and getattr(obj, "__module__", module) == module
    }


def test_gallery_has_examples() -> None:
    assert len(EXAMPLES) >= 10, f"only {len(EXAMPLES)} examples under {GALLERY}"


def test_every_public_name_appears_in_an_example() -> None:
    used: set[str] = set()
    for path in EXAMPLES:
        used |= annotated_names(path)
    missing = sorted(set(annotated.__all__) - used)
    assert not missing, f"public names used by no gallery example: {missing}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_imports_only_public_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("annotated"):
            module = node.module or ""
            allowed = (*PUBLIC_SUBPACKAGES, "annotated")
            assert module in allowed, f"line {node.lineno}: imports {module}"
            public = set(annotated.__all__) if module == "annotated" else defined_in(module)
            private = [a.name for a in node.names if a.name not in public]
            assert not private, f"line {node.lineno}: {private} not public in {module}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert not alias.name.startswith("annotated."), f"line {node.lineno}: {alias.name}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_format(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(text), clean=False) or ""
    lines = docstring.strip("\n").splitlines()
    assert len(lines) >= 4, "a docstring with a title and a paragraph"
    over, title, under = lines[0], lines[1], lines[2]
    assert set(over) == {"="} and over == under, "title between two lines of '='"
    assert len(over) == len(title), "the '=' lines are as long as the title"
    cells = text.split("# %%\n")[1:]
    assert len(cells) >= 2, "at least two '# %%' cells"
    for cell in cells:
        header = cell.splitlines()[:2]
        assert len(header) == 2 and header[0].startswith("# "), (
            f"cell opens with a header: {header}"
        )
        assert re.fullmatch(r"# -+", header[1]), f"header underlined with '-': {header}"
        assert len(header[1]) == len(header[0]), f"underline as long as the header: {header}"
    assert ":class:`annotated." in text or ":func:`annotated." in text, "cross-references the API"


@pytest.mark.parametrize("topic", TOPICS, ids=lambda p: p.name)
def test_topic_has_readme(topic: Path) -> None:
    readme = topic / "README.txt"
    assert readme.is_file(), f"{topic.name}/README.txt"
    title, underline, *_ = readme.read_text(encoding="utf-8").splitlines()
    assert underline == "-" * len(title), "README.txt opens with a title underlined by '-'"
    assert list(topic.glob("plot_*.py")), f"{topic.name} has no plot_*.py"
