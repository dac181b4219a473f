"""Directives that put the package's own code, and the output of running it, on a page.

``package-code``
    Shows the source of a function, class or method of the package, read from the file at
    build time (never a pasted copy that could drift). Docstrings are stripped unless
    ``:docstring:`` is given; ``:match: text`` shows only the lines containing ``text`` and
    fails the build when no line does, so a page that quotes a line notices when it changes.

``module-doc``
    The docstring of a package module, read from its file without importing it (for modules
    whose imports need an optional extra, such as the demos' Gradio).

``exec-code``
    Runs its content as Python when the page is built and shows the code and what it
    printed. The pages of one document share a namespace. An exception fails the build.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import inspect
import io
import textwrap
import traceback
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.directives.code import container_wrapper
from sphinx.util.docutils import SphinxDirective

DefNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def resolve(dotted: str) -> tuple[Path, str]:
    """``annotated.attention.attention`` -> (path of ``annotated/attention.py``, ``attention``).

    The longest importable prefix is the module; the rest is the qualified name inside it.
    """
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        source = inspect.getsourcefile(module)
        if source is None:
            break
        return Path(source), ".".join(parts[cut:])
    raise ValueError(f"cannot find a module for {dotted!r}")


def find_node(tree: ast.Module, qualname: str) -> DefNode:
    """The ``def``/``class`` node named ``qualname`` (``Class.method`` allowed)."""
    body: list[ast.stmt] = tree.body
    node: DefNode | None = None
    for part in qualname.split("."):
        matches = [
            n
            for n in body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.name == part
        ]
        if not matches:
            raise ValueError(f"no def or class named {qualname!r}")
        node = matches[0]
        body = node.body
    assert node is not None
    return node


def docstring_lines(node: DefNode) -> set[int]:
    """1-based line numbers of the docstrings of ``node`` and every def/class inside it."""
    lines: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub.body:
            first = sub.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
                and first.end_lineno is not None
            ):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def object_source(dotted: str, *, keep_docstrings: bool = False) -> tuple[Path, str]:
    """The source file and the dedented source of ``dotted``, docstrings stripped by default."""
    path, qualname = resolve(dotted)
    text = path.read_text(encoding="utf-8")
    node = find_node(ast.parse(text), qualname)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    assert node.end_lineno is not None
    skip = set() if keep_docstrings else docstring_lines(node)
    lines = text.splitlines()
    kept = [lines[i - 1] for i in range(start, node.end_lineno + 1) if i not in skip]
    return path, textwrap.dedent("\n".join(kept)).strip("\n")


def matching_statements(dotted: str, needle: str) -> str:
    """The statements of ``dotted`` with a line containing ``needle``, each one whole.

    A statement formatted over several lines is shown on all of them; a compound statement
    (``if``, ``for``, ``with``) only by the matching line of its header.
    """
    path, qualname = resolve(dotted)
    text = path.read_text(encoding="utf-8")
    node = find_node(ast.parse(text), qualname)
    lines = text.splitlines()
    doc = docstring_lines(node)
    statements = [n for n in ast.walk(node) if isinstance(n, ast.stmt) and n is not node]
    shown: list[str] = []
    for number in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        if needle not in lines[number - 1] or number in doc:
            continue
        covering = [n for n in statements if n.lineno <= number <= (n.end_lineno or n.lineno)]
        simple = [n for n in covering if not hasattr(n, "body")]
        if simple:
            inner = min(simple, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
            chunk = lines[inner.lineno - 1 : inner.end_lineno]
        else:
            chunk = [lines[number - 1]]
        block = textwrap.dedent("\n".join(chunk))
        if block not in shown:
            shown.append(block)
    return "\n".join(shown)


def relative_name(path: Path) -> str:
    """``annotated/attention.py`` from an absolute path inside the package."""
    parts = path.parts
    return "/".join(parts[parts.index("annotated") :]) if "annotated" in parts else path.name


class PackageCode(SphinxDirective):
    """``.. package-code:: annotated.module.object`` (see the module docstring)."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {
        "docstring": directives.flag,
        "match": directives.unchanged_required,
        "caption": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        dotted = self.arguments[0]
        try:
            path, code = object_source(dotted, keep_docstrings="docstring" in self.options)
        except (ValueError, OSError) as error:
            raise self.error(f"package-code {dotted}: {error}") from error
        self.env.note_dependency(str(path))
        if "match" in self.options:
            needle = self.options["match"]
            code = matching_statements(dotted, needle)
            if not code:
                raise self.error(f"package-code {dotted}: no line contains {needle!r}")
        block = nodes.literal_block(code, code, language="python")
        self.set_source_info(block)
        if "match" in self.options and "caption" not in self.options:
            return [block]
        caption = self.options.get("caption") or f"{relative_name(path)} · {dotted.split('.')[-1]}"
        return [container_wrapper(self, block, caption)]


class ModuleDoc(SphinxDirective):
    """``.. module-doc:: annotated.demo`` (see the module docstring)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise self.error(f"module-doc: no module {name}")
        path = Path(spec.origin)
        self.env.note_dependency(str(path))
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        if not doc:
            raise self.error(f"module-doc: {name} has no docstring")
        container = nodes.container()
        self.state.nested_parse(StringList(doc.splitlines(), source=str(path)), 0, container)
        return container.children


class ExecCode(SphinxDirective):
    """``.. exec-code::`` runs its content at build time and shows what it printed."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "hide-code": directives.flag,
        "caption": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        namespace = self.env.temp_data.setdefault("annotated_exec_namespace", {})
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, f"<{self.env.docname}:{self.lineno}>", "exec"), namespace)
        except Exception as error:
            raise self.error(f"exec-code failed:\n{traceback.format_exc(limit=-3)}") from error
        result: list[nodes.Node] = []
        if "hide-code" not in self.options:
            source = nodes.literal_block(code, code, language="python")
            self.set_source_info(source)
            if "caption" in self.options:
                source = container_wrapper(self, source, self.options["caption"])
            result.append(source)
        printed = out.getvalue().rstrip("\n")
        if printed:
            output = nodes.literal_block(printed, printed, language="none")
            output["classes"].append("exec-output")
            self.set_source_info(output)
            result.append(output)
        return result
