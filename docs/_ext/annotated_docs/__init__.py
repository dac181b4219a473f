"""Sphinx extension for the annotated docs: pages that are read from, or run, the code.

* ``package-code``, ``module-doc`` and ``exec-code`` (:mod:`.code`): the package's source and
  docstrings, and executed output;
* ``model-diagram`` (:mod:`.diagram`): the architecture drawn from ``make_model``'s modules;
* ``readme-commands``, ``benchmark-results`` and ``pretrained-models`` (:mod:`.pages`):
  README.md, benchmark results files (with the Shakespeare recipes' learning curves drawn by
  :mod:`.curves`) and the shipped models' cards;
* ``demo-screenshot`` (:mod:`.screenshots`): the demos' tabs, screenshot in Chromium from the
  running app;
* every ``>>>`` example on a hand-written page runs while the page is read (:mod:`.pages`);
* :func:`.api_index.write_api_index` writes the API index from ``annotated.__all__``
  (called from ``conf.py``, before autosummary scans the sources).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from .api_index import write_api_index
from .code import ExecCode, ModuleDoc, PackageCode
from .diagram import ModelDiagram
from .pages import (
    ROOT,
    BenchmarkResults,
    PretrainedModels,
    ReadmeCommands,
    check_page_doctests,
)
from .screenshots import DemoScreenshot

__all__ = ["setup", "write_api_index"]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and the page doctest check."""
    app.add_directive("package-code", PackageCode)
    app.add_directive("exec-code", ExecCode)
    app.add_directive("module-doc", ModuleDoc)
    app.add_directive("model-diagram", ModelDiagram)
    app.add_directive("readme-commands", ReadmeCommands)
    app.add_directive("benchmark-results", BenchmarkResults)
    app.add_config_value("annotated_benchmarks", str(ROOT / "benchmarks"), "env", str)
    app.add_directive("pretrained-models", PretrainedModels)
    app.add_directive("demo-screenshot", DemoScreenshot)
    app.connect("source-read", check_page_doctests)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
