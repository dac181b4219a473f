"""The notebook served by ``annotated notebook --run``, read in headless Chromium.

The first attention heatmap must render, a control must redraw it, and neither the page nor
the server may send a request beyond 127.0.0.1. The timings are printed (``pytest -s``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.chromium import launch_chromium
from tests.notebook.conftest import ROOT, Server

pytestmark = [pytest.mark.demos, pytest.mark.browser]

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TIMEOUT_MS = 90_000
HEATMAP = "#attention-heatmap img"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium; skipped without Playwright, an error without ``chromium``."""
    pytest.importorskip("playwright.sync_api")
    with launch_chromium() as browser:
        yield browser


def test_the_first_heatmap_renders_and_nothing_leaves_loopback(browser: Any, app: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        start = time.perf_counter()
        page.goto(app.url, wait_until="load")
        heatmap = page.locator(HEATMAP).first
        heatmap.wait_for()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=heatmap.element_handle()
        )
        first_heatmap = time.perf_counter() - start
        before = heatmap.get_attribute("src")

        page.get_by_label("shipped model").select_option(label="copy")
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while page.locator(HEATMAP).first.get_attribute("src") == before:
            assert time.monotonic() < deadline, "choosing another model did not redraw it"
            page.wait_for_timeout(100)
        page.get_by_text("Translation.").first.wait_for()  # the last cells ran too
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(HEATMAP).first.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "notebook_attention.png"))
    finally:
        context.close()
    print(f"server answered after {app.start_seconds:.1f} s; first heatmap {first_heatmap:.1f} s")
    outside = [
        u
        for u in requests
        if not u.startswith((app.url, app.url.replace("http", "ws", 1), "data:", "blob:"))
    ]
    assert any(u.startswith("ws://127.0.0.1") for u in requests), "no kernel connection seen"
    assert not outside, f"requests that left 127.0.0.1: {outside}"
    assert not errors, f"JavaScript errors: {errors}"
    assert not app.outside_requests(), f"the server tried to go out: {app.outside_requests()}"
