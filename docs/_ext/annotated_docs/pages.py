"""Page content read from the repository at build time, and the check of every page's doctests.

``readme-commands``
    The fenced code blocks of README.md's section whose heading mentions "command", so the
    home page shows exactly the commands the README gives.

``benchmark-results``
    The headline figures (value, goal, met) and the machine from ``benchmarks/results.json``,
    its summary plot, then every ``benchmarks/results/*.json`` in full, folded (a click opens
    each); or a note that none exist yet. Missing fields and missing benchmarks show as
    absent, never as an error. The Shakespeare recipes' learning curves and validation
    losses (``shakespeare.json``) are plotted (:mod:`.curves`) rather than listed, and the
    recipes with no stored curve are named; so are the ladder's rungs (``ladder.json``,
    :mod:`.ladder`). The folder read is the config value
    ``annotated_benchmarks`` (default ``benchmarks/``; ``-D annotated_benchmarks=PATH``
    reads another).

``pretrained-models``
    A table of the shipped models' cards, ``annotated/pretrained/*.json``: architecture and
    size, held-out metrics, steps and the command that reproduces each.

:func:`check_page_doctests`
    Runs every ``>>>`` example of a hand-written page while the page is read, and fails the
    build (a warning, an error under ``-W``) when one prints something else.
"""

from __future__ import annotations

import doctest
import html
import json
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import curves, ladder
from .curves import has_curve, plot_recipes
from .ladder import plot_ladder

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
GENERATED = ("auto_examples/", "api/", "sg_execution_times")
CURVES = "shakespeare.json"  # the results file whose runs have learning curves
LADDER = "ladder.json"  # the ladder's runs, plotted by .ladder
PLOTTED = ("curve", "evals")  # fields of their runs shown in the figure, not in the table


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


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> nodes.table:
    """A docutils table with one column per ``header`` cell; ``"$ cmd"`` cells are literal."""
    tbl = nodes.table(classes=["benchmark-table"])
    group = nodes.tgroup(cols=len(header))
    tbl += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]
    for target, cells in ((head, [header]), (body, rows)):
        for cell_row in cells:
            row = nodes.row()
            for text in cell_row:
                entry = nodes.entry()
                if text.startswith("$ "):  # a command: literal, so "--" stays two hyphens
                    entry += nodes.paragraph("", "", nodes.literal(text[2:], text[2:]))
                else:
                    entry += nodes.paragraph(text, text)
                row += entry
            target += row
    return tbl


def folded(summary: str, node: nodes.Node) -> list[nodes.Node]:
    """``node`` inside an HTML ``<details>`` that opens on a click on ``summary``.

    The per-script tables run to hundreds of rows; folded, the page shows the headline,
    the machine and the plots first.
    """
    opening = f"<details class='benchmark-details'><summary>{html.escape(summary)}</summary>"
    return [nodes.raw("", opening, format="html"), node, nodes.raw("", "</details>", format="html")]


def headline_rows(headline: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """``(figure, value, goal, met)`` per headline entry; missing fields shown as a dash."""
    rows = []
    for item in headline:
        unit = item.get("unit", "")
        value, goal = item.get("value"), item.get("goal")
        better = {True: "≥ ", False: "≤ "}.get(item.get("higher_is_better"), "")
        met = {True: "yes", False: "no"}.get(item.get("met"), "–")
        rows.append(
            (
                str(item.get("figure", item.get("benchmark", "?"))),
                f"{value:.4g} {unit}".strip() if isinstance(value, (int, float)) else "–",
                f"{better}{goal:.3g} {unit}".strip() if isinstance(goal, (int, float)) else "–",
                met,
            )
        )
    return rows


class BenchmarkResults(SphinxDirective):
    """``.. benchmark-results::`` (see the module docstring)."""

    def run(self) -> list[nodes.Node]:
        benchmarks = Path(self.config.annotated_benchmarks)
        single = benchmarks / "results.json"
        folder = benchmarks / "results"
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
        details = [p for p in files if p != single]
        if single.is_file():
            self.env.note_dependency(str(single))
            data = json.loads(single.read_text(encoding="utf-8"))
            when = f" (run on {data['date']})" if data.get("date") else ""
            if data.get("headline"):
                text = f"Headline figures from {single.name}{when}"
                result += [
                    nodes.rubric(text, text),
                    table(headline_rows(data["headline"]), ("figure", "value", "goal", "met")),
                ]
            if isinstance(data.get("machine"), dict):
                result += [
                    nodes.rubric("The machine", "The machine"),
                    table(flatten(data["machine"]), ("field", "value")),
                ]
            summary = folder / "summary.png"
            if summary.is_file():
                self.env.note_dependency(str(summary))
                here = Path(self.env.doc2path(self.env.docname)).parent
                result.append(nodes.image(uri=os.path.relpath(summary, here), alt="summary"))
            if not details:  # no per-script files: show the combined file in full
                details = [single]
        for path in details:
            self.env.note_dependency(str(path))
            data = json.loads(path.read_text(encoding="utf-8"))
            result.append(nodes.rubric(path.name, path.name))
            if path.name in (CURVES, LADDER) and isinstance(data.get("runs"), dict):
                if path.name == CURVES:
                    result += self.learning_curves(data["runs"])
                else:
                    result += self.ladder(data)
                data["runs"] = {
                    name: {k: v for k, v in run.items() if k not in PLOTTED}
                    for name, run in data["runs"].items()
                }
            rows = flatten(data)
            result += folded(
                f"every figure of {path.name} ({len(rows)} rows)", table(rows, ("measure", "value"))
            )
        return result

    def ladder(self, results: dict[str, Any]) -> list[nodes.Node]:
        """The figure of :func:`.ladder.plot_ladder`, if the ladder has a summary."""
        png = Path(self.env.srcdir) / "_generated" / "benchmarks" / "ladder.png"
        self.env.note_dependency(ladder.__file__)
        if not plot_ladder(results, png):
            return []
        text = (
            "The ladder as measured: each rung's validation loss on the whole split against "
            "its training time, and its loss at 2,000 steps (lower is better)."
        )
        uri = "/" + png.relative_to(self.env.srcdir).as_posix()
        figure = nodes.figure("", nodes.image(uri=uri, alt=text, width="100%"))
        figure += nodes.caption(text, text)
        figure["classes"].append("ladder")
        return [figure]

    def learning_curves(self, runs: dict[str, dict[str, Any]]) -> list[nodes.Node]:
        """The figure of :func:`.curves.plot_recipes` and a sentence naming the recipes without
        a stored curve."""
        png = Path(self.env.srcdir) / "_generated" / "benchmarks" / "shakespeare_curves.png"
        self.env.note_dependency(curves.__file__)
        result: list[nodes.Node] = []
        if plot_recipes(runs, png):
            drawn = [name for name, run in runs.items() if has_curve(run)]
            shown = []
            if drawn:
                shown.append(
                    f"the training-loss curves of the {len(drawn)} recipes that store one, with "
                    "their validation estimates"
                )
            if any(isinstance(run.get("val_loss"), (int, float)) for run in runs.values()):
                shown.append(
                    "each recipe's validation loss on the whole split after training "
                    "(lower is better)"
                )
            text = "The Shakespeare recipes as measured: " + ", and ".join(shown) + "."
            uri = "/" + png.relative_to(self.env.srcdir).as_posix()
            image = nodes.image(uri=uri, alt=text, width="100%")
            figure = nodes.figure("", image, nodes.caption(text, text))
            figure["classes"].append("shakespeare-curves")
            result.append(figure)
        missing = [name for name, run in runs.items() if not has_curve(run)]
        if missing:
            text = (
                f"No learning curve is stored in {CURVES} for {len(missing)} of the "
                f"{len(runs)} recipes, so none is drawn for them: {', '.join(missing)}."
            )
        else:
            text = f"Every recipe in {CURVES} has its learning curve drawn."
        result.append(nodes.paragraph(text, text))
        return result


def card_rows(folder: Path) -> list[tuple[str, ...]]:
    """One row per model card ``NAME.json`` in ``folder`` (the shipped models)."""
    rows = []
    for path in sorted(folder.glob("*.json")):
        card = json.loads(path.read_text(encoding="utf-8"))
        config, metrics = card.get("config", {}), card.get("metrics", {})
        size = ", ".join(
            f"{key}={config[key]}"
            for key in ("N", "N", "d_model", "h", "h", "d_ff", "max_len")
            if key in config
        )
        quality = []
        for key in ("test_exact_match", "val_exact_match"):
            if isinstance(metrics.get(key), (int, float)):
                n = metrics.get(key.replace("exact_match", "examples"), "?")
                quality.append(f"{key.split('_')[0]} exact match {metrics[key]:.1%} (n={n})")
        if isinstance(metrics.get("val_loss"), (int, float)):
            quality.append(f"validation loss {metrics['val_loss']:.3f} nats/char")
        steps = card.get("steps", {})
        rows.append(
            (
                path.stem,
                f"{card.get('architecture', '?')} ({card.get('task', path.stem)}): {size}",
                "; ".join(quality) or "–",
                str(steps.get("optimizer_steps", steps.get("steps", "–"))),
                f"$ {card['command']}" if card.get("command") else "–",
            )
        )
    return rows


class PretrainedModels(SphinxDirective):
    """``.. pretrained-models::``: a table of the cards in ``annotated/pretrained/*.json``."""

    def run(self) -> list[nodes.Node]:
        folder = ROOT / "annotated" / "pretrained"
        for path in folder.glob("*.json"):
            self.env.note_dependency(str(path))
        rows = card_rows(folder)
        if not rows:
            text = "No shipped model cards in annotated/pretrained/ yet."
            return [nodes.paragraph(text, text)]
        header = ("name", "model", "held-out quality", "steps", "reproduced by")
        return [table(rows, header)]


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
