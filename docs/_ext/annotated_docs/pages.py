"""Page content read from the repository at build time, and the check of every page's doctests.

``readme-commands``
    The fenced code blocks of README.md's section whose heading mentions "command", so the
    home page shows exactly the commands the README gives.

``benchmark-results``
    Tables read from ``benchmarks/results.json`` and ``benchmarks/results/*.json``, or a note
    that none exist yet.

:func:`check_page_doctests`
    Runs every ``>>>`` example of a hand-written page while the page is read, and fails the
    build (a warning, an error under ``-W``) when one prints something else.
"""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
GENERATED = ("auto_examples/", "api/", "sg_execution_times")


def readme_commands(readme: Path) -> list[tuple[str, str]]:
    """``(language, code)`` of each fenced block under the README's "command" heading."""
    if not readme.is_file():
        return []
    sections = re.split(r"^#{1,3} ", readme.read_text(encoding="utf-8"), flags=re.M)
    for section in sections[1:]:
        heading, _, body = section.partition("\n")
        if "command" in heading.lower():
            return [(lang or "bash", code.rstrip("\n")) for lang, code in FENCE.findall(body)]
    return []


class ReadmeCommands(SphinxDirective):
    """``.. readme-commands::`` (see the module docstring)."""

    def run(self) -> list[nodes.Node]:
        readme = ROOT / "README.md"
        self.env.note_dependency(str(readme))
        blocks = readme_commands(readme)
        if not blocks:
            text = "README.md has no commands section yet."
            return [nodes.paragraph(text, text)]
        return [nodes.literal_block(code, code, language=lang) for lang, code in blocks]


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested JSON as ``(dotted.key, value)`` rows."""
    if isinstance(value, dict):
        rows = []
        for key, sub in value.items():
            rows += flatten(sub, f"{prefix}.{key}" if prefix else str(key))
        return rows
    numbers = isinstance(value, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    )
    if numbers and len(value) > 6:  # repeated measurements: summarise
        ordered = sorted(value)
        median = ordered[len(ordered) // 2]
        return [
            (
                prefix,
                f"median {median:.4g}, min {ordered[0]:.4g}, max {ordered[-1]:.4g} "
                f"({len(value)} values)",
            )
        ]
    if isinstance(value, list) and value and all(not isinstance(v, (dict, list)) for v in value):
        return [(prefix, ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in value))]
    if isinstance(value, list):
        rows = []
        for i, sub in enumerate(value):
            rows += flatten(sub, f"{prefix}[{i}]")
        return rows
    if isinstance(value, float):
        return [(prefix, f"{value:.4g}")]
    return [(prefix, str(value))]


def table(rows: list[tuple[str, str]], header: tuple[str, str]) -> nodes.table:
    """A two-column docutils table."""
    tbl = nodes.table(classes=["benchmark-table"])
    group = nodes.tgroup(cols=2)
    tbl += group
    group += [nodes.colspec(colwidth=1), nodes.colspec(colwidth=1)]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]
    for target, cells in ((head, [header]), (body, rows)):
        for cell_a, cell_b in cells:
            row = nodes.row()
            for text in (cell_a, cell_b):
                entry = nodes.entry()
                entry += nodes.paragraph(text, text)
                row += entry
            target += row
    return tbl


class BenchmarkResults(SphinxDirective):
    """``.. benchmark-results::`` (see the module docstring)."""

    def run(self) -> list[nodes.Node]:
        single = ROOT / "benchmarks" / "results.json"
        folder = ROOT / "benchmarks" / "results"
        files = [single] if single.is_file() else []
        files += sorted(folder.glob("*.json")) if folder.is_dir() else []
        if not files:
            text = (
                "No benchmark results yet: there is no benchmarks/results.json and "
                "benchmarks/results/ holds no JSON file. "
                "This page fills in from that folder on the next build after the benchmark "
                "scripts write their results."
            )
            note = nodes.note()
            note += nodes.paragraph(text, text)
            return [note]
        result: list[nodes.Node] = []
        for path in files:
            self.env.note_dependency(str(path))
            data = json.loads(path.read_text(encoding="utf-8"))
            section = nodes.rubric(path.name, path.name)
            result += [section, table(flatten(data), ("measure", "value"))]
        return result


def check_page_doctests(app: Sphinx, docname: str, source: list[str]) -> None:
    """Run the ``>>>`` examples of a hand-written page; warn (fail under -W) on a mismatch."""
    if docname.startswith(GENERATED):
        return
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source[0], {"__name__": docname}, docname, docname, 0)
    if not test.examples:
        return
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=flags)
    runner.run(test, out=report.append, clear_globs=True)
    if runner.failures:
        logger.warning(
            "%d doctest example(s) failed:\n%s",
            runner.failures,
            "".join(report),
            location=docname,
        )
