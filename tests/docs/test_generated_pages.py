"""What the docs build makes itself: the demos' screenshots and the Shakespeare curves.

``-m docs``: the built Demos page shows one screenshot per tab of the app, each a real PNG
(not blank) with a caption; the Benchmarks page shows the Shakespeare plot and names exactly
the recipes of ``benchmarks/results/shakespeare.json`` that have no stored curve.
``-m "docs and browser"``: both pages load in Chromium with every image. The site is built
once per session by ``tests/docs/test_site.py``'s fixture. The plot itself is checked without
a build, on rows made up here (never written to the repository). The docs extension is imported
inside the tests: it needs Sphinx, which only the docs environment installs.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import matplotlib.image
import pytest

from tests.docs.test_site import ROOT, browser, check_page, http_root, site  # noqa: F401

sys.path.insert(0, str(ROOT / "docs" / "_ext"))

FIGURE = re.compile(r'<figure class="([^"]*)".*?</figure>', re.S)
IMG = re.compile(r'<img[^>]+src="([^"]+)"')
CAPTION = re.compile(r'<span class="caption-text">(.*?)</span>', re.S)


def figures(page: Path, css_class: str) -> list[tuple[str, str]]:
    """``(image src, caption text)`` of each ``<figure>`` with ``css_class`` on ``page``."""
    found = []
    for match in FIGURE.finditer(page.read_text(encoding="utf-8")):
        if css_class in match.group(1).split():
            src, caption = IMG.search(match.group(0)), CAPTION.search(match.group(0))
            assert src and caption, f"a {css_class} figure without image or caption"
            found.append((src.group(1), html.unescape(re.sub("<[^>]+>", "", caption.group(1)))))
    return found


def assert_real_png(path: Path, min_width: int) -> None:
    """``path`` is a PNG at least ``min_width`` wide that is not one flat colour."""
    assert path.is_file(), f"missing image {path}"
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[1] >= min_width, f"{path.name} is only {pixels.shape[1]} px wide"
    assert pixels.std() > 0.05, f"{path.name} is blank"


@pytest.mark.docs
def test_demos_page_shows_a_screenshot_of_every_tab(site: Path) -> None:  # noqa: F811
    from annotated.demo import TABS

    shots = figures(site / "demos.html", "demo-screenshot")
    by_tab = {
        tab.id: [src for src, caption in shots if f"The {tab.label} tab" in caption] for tab in TABS
    }
    missing = [tab for tab, srcs in by_tab.items() if len(srcs) != 1]
    assert not missing, f"tabs without exactly one screenshot on the Demos page: {missing}"
    for (src,) in by_tab.values():
        assert_real_png(site / src, min_width=1000)
    add = next(caption for _, caption in shots if "The Add tab" in caption)
    assert re.search(r"the input 123\+456, the shipped model answers \d+ \((right|wrong)\)", add)


@pytest.mark.docs
def test_benchmarks_page_names_the_recipes_without_a_curve(site: Path) -> None:  # noqa: F811
    from annotated_docs.curves import has_curve

    runs = json.loads((ROOT / "benchmarks/results/shakespeare.json").read_text())["runs"]
    page = (site / "benchmarks.html").read_text(encoding="utf-8")
    missing = [name for name, run in runs.items() if not has_curve(run)]
    if missing:
        sentence = re.search(
            r"<p>No learning curve is stored in shakespeare.json [^<]*?: ([^<]*)\.</p>", page
        )
        assert sentence, "the Benchmarks page does not name the recipes without a curve"
        assert html.unescape(sentence.group(1)).split(", ") == missing
    else:
        assert "Every recipe in shakespeare.json has its learning curve drawn." in page
    (src, _), *others = figures(site / "benchmarks.html", "shakespeare-curves")
    assert not others
    assert_real_png(site / src, min_width=800)


@pytest.mark.docs
@pytest.mark.browser
@pytest.mark.parametrize(("page", "has_math"), [("demos.html", True), ("benchmarks.html", False)])
def test_generated_images_load_in_the_browser(
    browser: object,  # noqa: F811
    http_root: str,  # noqa: F811
    page: str,
    has_math: bool,
) -> None:
    check_page(browser, http_root + page, http_root, f"http_{page[:-5]}", has_math)


def row(val_loss: float, curve: bool) -> dict[str, object]:
    """A made-up results row (only for this test; never saved)."""
    made_up: dict[str, object] = {"val_loss": val_loss}
    if curve:
        made_up["curve"] = {"step": [50, 100], "train_loss": [3.0, 2.5]}
        made_up["evals"] = [{"step": 100, "train_loss": 2.5, "val_loss": 2.6}]
    return made_up


@pytest.mark.docs
def test_the_plot_draws_what_is_stored_and_nothing_else(tmp_path: Path) -> None:
    from annotated_docs.curves import has_curve, plot_recipes

    mixed = {"a": row(1.7, True), "b": row(1.8, False)}
    assert [name for name, r in mixed.items() if has_curve(r)] == ["a"]
    assert plot_recipes(mixed, tmp_path / "mixed.png")
    assert_real_png(tmp_path / "mixed.png", min_width=800)
    assert plot_recipes({"b": row(1.8, False)}, tmp_path / "bars.png")  # bars alone
    assert not plot_recipes({}, tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()
    broken = {"curve": {"step": [50, 100], "train_loss": [3.0]}}
    assert not has_curve(broken), "a curve whose steps and losses differ in length is no curve"


@pytest.mark.docs
def test_the_ladder_plots_the_median_over_seeds_at_the_steps_all_evaluated(tmp_path: Path) -> None:
    from annotated_docs.ladder import median_curve, plot_ladder

    runs = [
        {"evals": [{"step": 100, "val_loss": 2.0}, {"step": 200, "val_loss": 1.9}]},
        {"evals": [{"step": 100, "val_loss": 2.4}, {"step": 200, "val_loss": 1.7}]},
        {"evals": [{"step": 100, "val_loss": 2.2}]},  # a seed stopped early: step 200 is out
    ]
    assert median_curve(runs) == ([100], [2.2])
    steps, losses = median_curve(runs[:2])
    assert steps == [100, 200] and losses == pytest.approx([2.2, 1.8])
    assert not plot_ladder({"runs": {}}, tmp_path / "none.png")
    results = {
        "runs": {f"r seed{i}": run | {"rung": "r"} for i, run in enumerate(runs[:2])},
        "summary": [{"rung": "r", "seeds": [0, 1], "val_loss": 1.8, "val_loss_range": [1.7, 1.9]}],
        "speed": {"r": {"step_ms": 40.0}},
        "target": 1.88,
        "goal_loss": 1.6,
    }
    assert plot_ladder(results, tmp_path / "ladder.png")
    assert_real_png(tmp_path / "ladder.png", min_width=800)


@pytest.mark.docs
def test_benchmarks_page_shows_the_ladder(site: Path) -> None:  # noqa: F811
    (src, caption), *others = figures(site / "benchmarks.html", "ladder")
    assert not others and "validation loss on the whole split" in caption
    assert_real_png(site / src, min_width=800)
