"""The Lab in a real headless Chromium: train two tiny runs, compare them, keep a screenshot.

Uses the demos' browser and page fixtures (Debian's chromium driven by Playwright, no request
may leave the app, no script may fail) and saves ``artifacts/screenshots/lab_*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.chromium import wait_for_image
from tests.demos.conftest import GRADIO_WARNINGS
from tests.demos.test_browser import SCREENSHOTS

pytestmark = [
    pytest.mark.demos,
    pytest.mark.browser,
    *(pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS),
]


def set_number(page: Any, elem_id: str, value: int) -> None:
    """Type ``value`` into the number box of a slider or number field, as a person would."""
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def train(page: Any, run: str) -> None:
    page.locator("#lab-train").click()
    page.wait_for_function(
        "name => { const t = document.querySelector('#lab-summary').innerText;"
        " return t.includes(name) && t.includes('finished'); }",
        arg=run,
        timeout=120_000,
    )


def test_train_two_runs_and_compare_them(page: Any) -> None:
    page.get_by_role("tab", name="Lab").click()
    set_number(page, "lab-steps", 60)
    page.locator("#lab-verdict").get_by_text("Ready").wait_for()
    train(page, "run 1")
    wait_for_image(page, "lab-curve")
    page.locator("#lab-positions").get_by_label("rope").check()
    page.locator("#lab-verdict").get_by_text("Ready").wait_for()
    train(page, "run 2")
    page.get_by_role("tab", name="Compare runs").click()
    page.locator("#lab-compare").click()
    wait_for_image(page, "lab-compare-plot")
    table = page.locator("#lab-table")
    table.get_by_text("rope").first.wait_for()
    assert "learned" in table.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#lab-compare-plot").screenshot(path=str(SCREENSHOTS / "lab_compare_plot.png"))
    page.screenshot(path=str(SCREENSHOTS / "lab_compare.png"), full_page=True)


def test_train_pressed_while_training_says_why_and_right_after_stop_starts(page: Any) -> None:
    page.get_by_role("tab", name="Lab").click()
    set_number(page, "lab-steps", 3000)
    page.locator("#lab-verdict").get_by_text("Ready").wait_for()
    page.locator("#lab-train").click()
    page.locator("#lab-summary").get_by_text("training").first.wait_for()
    page.locator("#lab-train").click()
    page.get_by_text("run 1 is still training: stop it first").first.wait_for()
    page.locator("#lab-stop").click()
    page.locator("#lab-summary").get_by_text("stopped").first.wait_for()
    page.locator("#lab-train").click()  # at once, while the first press's event is finishing
    page.locator("#lab-summary").get_by_text("run 2").first.wait_for(timeout=60_000)
    page.locator("#lab-stop").click()


def test_an_impossible_config_is_explained_on_the_page(page: Any) -> None:
    page.get_by_role("tab", name="Lab").click()
    set_number(page, "lab-width", 72)
    set_number(page, "lab-heads", 5)
    verdict = page.locator("#lab-verdict")
    verdict.get_by_text("d_model (72) must be divisible by h (5)").wait_for()
    assert "try width 70 or 75" in verdict.inner_text()
    assert page.locator("#lab-train").is_disabled()  # explained, and nothing to crash on
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lab_invalid.png"), full_page=True)
    set_number(page, "lab-heads", 4)
    verdict.get_by_text("Ready").wait_for()
    assert page.locator("#lab-train").is_enabled()


def test_the_tokenizer_controls_are_shown_for_shakespeare_only(page: Any) -> None:
    page.get_by_role("tab", name="Lab").click()
    tokenizer = page.locator("#lab-tokenizer")
    tokenizer.wait_for(state="visible")  # the default task is Shakespeare
    tokenizer.get_by_label("bpe").check()
    page.locator("#lab-verdict").get_by_text("a BPE of 1024 tokens").wait_for()
    page.locator("#lab-task").get_by_label("copy").check()
    tokenizer.wait_for(state="hidden")  # the tasks read their own symbols
    page.locator("#lab-verdict").get_by_text("an encoder-decoder").wait_for()
    assert "BPE" not in page.locator("#lab-verdict").inner_text()
    page.locator("#lab-task").get_by_label("shakespeare").check()
    tokenizer.wait_for(state="visible")
    page.locator("#lab-verdict").get_by_text("a BPE of 1024 tokens").wait_for()
