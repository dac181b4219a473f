"""Debian's headless Chromium, driven by Playwright: the one browser of the tests and the docs.

Playwright never downloads a browser here; it launches the system's ``chromium`` with a fresh
temporary profile (``--user-data-dir``) of its own, and these flags keep it from reaching the
network by itself (no QUIC, no background updates or sync). :func:`value` and
:func:`wait_for_image` read the app's page the way the demos' tests and the docs' screenshots
(``docs/_ext/annotated_docs/screenshots.py``) both need.

This module imports neither pytest nor anything of the tests, so that the docs build can use it
without them: a missing Chromium or Playwright is a :class:`RuntimeError` that says what to
install, and the tests' fixtures decide whether that skips or fails. It stays beside the tests,
not in the package, because Playwright and a system browser are no dependency of
``annotated``: only the tests and a docs build from the repository drive a browser.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright's ``Browser``), closed on exit.

    Raises :class:`RuntimeError` when ``chromium`` is not on ``PATH`` or Playwright is missing.
    """
    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError(
            "Debian's chromium is not installed: apt-get install chromium "
            "(scripts/system-deps.sh installs it)"
        )
    if importlib.util.find_spec("playwright") is None:
        raise RuntimeError("Playwright is not installed: pip install -e '.[docs]'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def value(page: Any, elem_id: str) -> str:
    """The text in the text box or input of the element ``#elem_id`` of ``page``."""
    return str(page.locator(f"#{elem_id} textarea, #{elem_id} input").first.input_value())


def wait_for_image(page: Any, elem_id: str) -> None:
    """Wait until the image in ``#elem_id`` of ``page`` has loaded (and is not empty)."""
    page.wait_for_function(
        f"() => {{ const i = document.querySelector('#{elem_id} img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
