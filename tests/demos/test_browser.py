"""The app in a real headless Chromium (Debian's package, driven by Playwright).

Type into a tab, submit, read the answer from the page, and keep a screenshot of each step
in ``artifacts/screenshots/``. Every request the page makes must go to the app itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotated.tasks.translation.evaluation import translate
from annotated.tasks.translation.loading import TranslationModel
from tests.chromium import launch_chromium, value, wait_for_image
from tests.demos.conftest import GRADIO_WARNINGS, ROOT

pytestmark = [
    pytest.mark.demos,
    pytest.mark.browser,
    *(pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS),
]

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium; skipped without Playwright, an error without ``chromium``."""
    pytest.importorskip("playwright.sync_api")
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    """A fresh page on the app; afterwards, no request may have left it, no script failed."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url, wait_until="load")
    try:
        yield page
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith((app_url, "data:", "blob:"))]
    assert not outside, f"requests that left the app: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"demo_{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.mark.parametrize(
    ("tab", "text", "expected"),
    [
        ("copy", "3 1 4 1 5", "3 1 4 1 5"),
        ("sort", "3 1 4 1 5", "1 1 3 4 5"),
        ("add", "123+456", "579"),
    ],
)
def test_type_submit_and_read_the_answer(page: Any, tab: str, text: str, expected: str) -> None:
    page.get_by_role("tab", name=tab.capitalize()).click()
    page.locator(f"#{tab}-input textarea").fill(text)
    page.locator(f"#{tab}-run").click()
    page.wait_for_function(f"() => document.querySelector('#{tab}-answer textarea').value !== ''")
    assert value(page, f"{tab}-answer") == expected
    assert value(page, f"{tab}-verdict") == "right"
    wait_for_image(page, f"{tab}-attention")
    screenshot(page, tab)


def test_a_bad_input_shows_a_clear_error(page: Any) -> None:
    page.locator("#copy-input textarea").fill("3 14")
    page.locator("#copy-run").click()
    page.get_by_text("'14' is not a single digit").first.wait_for()
    screenshot(page, "copy_error", full_page=False)  # the pop-up is fixed to the viewport
    page.locator("#copy-input textarea").fill("2 7")
    page.locator("#copy-run").click()
    page.wait_for_function("() => document.querySelector('#copy-answer textarea').value === '2 7'")


def test_shakespeare_streams_into_the_page(page: Any) -> None:
    page.get_by_role("tab", name="Shakespeare").click()
    prompt = value(page, "shakespeare-prompt")
    page.locator("#shakespeare-run").click()
    lengths = set()
    for _ in range(200):  # sample the text box while it fills
        lengths.add(len(value(page, "shakespeare-text")))
        if max(lengths) >= len(prompt) + 300:
            break
        page.wait_for_timeout(20)
    page.wait_for_function(
        "n => document.querySelector('#shakespeare-text textarea').value.length === n",
        arg=len(prompt) + 300,
    )
    assert value(page, "shakespeare-text").startswith(prompt)
    partial = {n for n in lengths if len(prompt) < n < len(prompt) + 300}
    assert partial, f"the text appeared all at once (lengths seen: {sorted(lengths)})"
    wait_for_image(page, "shakespeare-probabilities")
    wait_for_image(page, "shakespeare-attention")
    screenshot(page, "shakespeare")


def test_translate_german_and_see_the_alignment(page: Any, translator: TranslationModel) -> None:
    german = "Der Hund sieht die Katze."
    page.get_by_role("tab", name="Translate").click()
    page.locator("#translate-input textarea").fill(german)
    page.locator("#translate-run").click()
    page.wait_for_function(
        "() => document.querySelector('#translate-output textarea').value !== ''"
    )
    model, tokenizer, _ = translator
    assert value(page, "translate-output") == translate(model, tokenizer, [german], beam=4)[0]
    table = page.locator("#translate-hypotheses")
    table.locator("[data-testid=cell-3-0]").wait_for()  # the beam's four hypotheses
    assert table.locator("[role=gridcell][data-col='0']").all_inner_texts() == list("1234")
    english = table.locator("[data-testid=cell-0-1]").inner_text()
    assert english.removesuffix(" …") == value(page, "translate-output")
    wait_for_image(page, "translate-attention")
    page.locator("#translate-png").wait_for(state="visible")  # the PNG can be downloaded
    screenshot(page, "translate")
