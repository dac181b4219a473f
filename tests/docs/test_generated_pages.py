"""What the docs build makes itself: the demos' screenshots.

``-m docs``: the built Demos page shows one screenshot per tab of the app, each a real PNG
(not blank) with a caption. ``-m "docs and browser"``: the page loads in Chromium with every
image. The site is built once per session by ``tests/docs/test_site.py``'s fixture.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import matplotlib.image
import pytest

from tests.docs.test_site import ROOT, browser, check_page, http_root, site  # noqa: F401

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
@pytest.mark.browser
@pytest.mark.parametrize(("page", "has_math"), [("demos.html", True)])
def test_generated_images_load_in_the_browser(
    browser: object,  # noqa: F811
    http_root: str,  # noqa: F811
    page: str,
    has_math: bool,
) -> None:
    check_page(browser, http_root + page, http_root, f"http_{page[:-5]}", has_math)
