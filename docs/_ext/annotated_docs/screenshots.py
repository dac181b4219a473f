"""Screenshots of the demos, taken from the real app while the Demos page is built.

``.. demo-screenshot:: TAB`` shows the app's tab ``TAB`` (``copy``, ``sort``, ``add``,
``shakespeare``, ``translate`` or ``lab``) as a user sees it after using it, with a caption that
reports what the page showed. The first such directive of a page takes every tab's screenshot at once:

1. ``annotated demo`` serves the shipped models on a free port of 127.0.0.1 (one torch thread,
   offline), started and stopped by the package's own :func:`annotated.demo.serving`;
2. Debian's headless Chromium, driven by Playwright, opens it, launched and read by
   ``tests/chromium.py`` (the same flags and page helpers as the demos' browser tests; the
   module needs neither pytest nor the tests); each tab gets its input typed and its button
   pressed, and the screenshot is taken once the answer and its figures are on the page;
3. the PNGs go to ``docs/_generated/demos/`` (ignored by git, removed by a clean build).

The page is read again, and the screenshots retaken, whenever the app's code, the Lab, the
shipped models or this module change. There is no placeholder: without Chromium, Playwright or
Gradio, or if a tab does not answer, the build stops and says why.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "docs" / "_generated" / "demos"
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 60_000
TRAIN_TIMEOUT_MS = 180_000
LAB_STEPS = 60
# what the app is made of: a change here re-reads the page, so the screenshots are retaken
WATCHED = (
    "annotated/demo/*.py",
    "annotated/lab/*.py",
    "annotated/pretrained/*.py",
    "annotated/pretrained/*.json",
    "annotated/pretrained/*.safetensors",
)


@dataclass(frozen=True)
class Shot:
    """How to use one tab before its screenshot: ``use(page)`` says what the page shows."""

    use: Callable[[Any], str]
    clip_to: str | None = None  # the screenshot ends below this element (else: the whole page)


def _task(tab: str, text: str) -> Shot:
    """Copy, sort, add: type ``text``, run, wait for the answer and its attention maps."""

    def use(page: Any) -> str:
        from tests.chromium import value, wait_for_image

        page.locator(f"#{tab}-input textarea").fill(text)
        page.locator(f"#{tab}-run").click()
        page.wait_for_function(
            f"() => document.querySelector('#{tab}-answer textarea').value !== ''"
        )
        wait_for_image(page, f"{tab}-attention")
        answer, verdict = value(page, f"{tab}-answer"), value(page, f"{tab}-verdict")
        return (
            f"the input {text}, the shipped model answers {answer} ({verdict}), and the "
            "attention maps that produced it."
        )

    return Shot(use)


def _shakespeare(page: Any) -> str:
    """Generate from the default prompt; wait for all the text and both figures."""
    from annotated.demo.shakespeare_tab import DEFAULT_LENGTH as length
    from tests.chromium import value, wait_for_image

    prompt = value(page, "shakespeare-prompt")
    page.locator("#shakespeare-run").click()
    page.wait_for_function(
        "n => document.querySelector('#shakespeare-text textarea').value.length === n",
        arg=len(prompt) + length,
    )
    wait_for_image(page, "shakespeare-probabilities")
    wait_for_image(page, "shakespeare-attention")
    return (
        f"{length} characters the shipped GPT wrote after the prompt "
        f"“{prompt.strip()}”, the distribution its last character was drawn from, and the "
        "attention of the last character in every layer and head."
    )


def _translate(page: Any) -> str:
    """Translate a sentence of the help pages by beam search; wait for the English and the
    alignment."""
    from tests.chromium import value, wait_for_image

    german = "Wählen Sie eine Linienfarbe aus."
    page.locator("#translate-input textarea").fill(german)
    page.locator("#translate-run").click()
    page.wait_for_function(
        "() => document.querySelector('#translate-output textarea').value !== ''"
    )
    wait_for_image(page, "translate-attention")
    english = value(page, "translate-output")
    return (
        f"the German “{german}”, the shipped model's English “{english}” by beam search "
        "(beam 4, α = 0.6), the beam's hypotheses with their scores, and the cross-attention "
        "of decoder layer 1, head 1 that aligns the two."
    )


def _lab(page: Any) -> str:
    """Train the default configuration for a few steps; wait for its curve."""
    from tests.chromium import wait_for_image

    box = page.locator("#lab-steps input[type=number]").first
    box.fill(str(LAB_STEPS))
    box.press("Enter")
    verdict = page.locator("#lab-verdict")
    verdict.get_by_text("Ready").wait_for()
    ready = verdict.inner_text().split("Ready:", 1)[-1].strip().rstrip(".")
    page.locator("#lab-train").click()
    page.wait_for_function(
        "() => document.querySelector('#lab-summary').innerText.includes('finished')",
        timeout=TRAIN_TIMEOUT_MS,
    )
    wait_for_image(page, "lab-curve")
    wait_for_image(page, "lab-stats")
    return (
        f"its default configuration — {ready} — trained for {LAB_STEPS} steps live on the CPU, "
        "with the run's loss curves and per-layer statistics."
    )


SHOTS: dict[str, Shot] = {
    "copy": _task("copy", "3 1 4 1 5"),
    "sort": _task("sort", "3 1 4 1 5 9 2 6"),
    "add": _task("add", "123+456"),
    "shakespeare": Shot(_shakespeare),
    "translate": Shot(_translate),
    "lab": Shot(_lab, clip_to="#lab-train"),
}


def _requirements() -> None:
    """Fail with what to install when the app or the browser is missing."""
    missing = [
        (name, fix)
        for name, fix in (
            ("gradio", "pip install -e '.[demos]'"),
            ("playwright", "pip install -e '.[docs]'"),
        )
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ExtensionError(
            "the Demos page's screenshots are taken from the running app, which needs "
            + "; ".join(f"{name} ({fix})" for name, fix in missing)
        )
    if shutil.which("chromium") is None:
        raise ExtensionError(
            "the Demos page's screenshots are taken in Debian's headless Chromium, and "
            "`chromium` is not on PATH: install it (apt-get install chromium, or "
            "scripts/system-deps.sh). There is no placeholder image."
        )


def _tab_labels() -> dict[str, str]:
    """``{id: label}`` of the app's tabs, which must be those of :data:`SHOTS`."""
    from annotated.demo import TABS

    labels = {tab.id: tab.label for tab in TABS}
    if sorted(labels) != sorted(SHOTS):
        raise ExtensionError(
            f"the app's tabs {list(labels)} differ from the screenshot recipes {list(SHOTS)} "
            f"in {__file__}: add or remove one"
        )
    return labels


def take_screenshots(out: Path = OUT) -> dict[str, tuple[Path, str]]:
    """Serve the app, use every tab in Chromium, save ``out/TAB.png``: ``{tab: (png, caption)}``.

    Raises :class:`sphinx.errors.ExtensionError` with the reason (and the server's log) when
    anything is missing or a tab does not answer in time.
    """
    _requirements()
    labels = _tab_labels()
    from playwright.sync_api import Error as PlaywrightError

    from annotated.demo import serving
    from tests.chromium import launch_chromium

    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    shots: dict[str, tuple[Path, str]] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="annotated-screenshots-") as tmp:
        log = Path(tmp) / "server.log"
        stage = "starting the app"
        try:
            with (
                serving(cwd=ROOT, env={"OMP_NUM_THREADS": "1"}, log=log) as url,
                launch_chromium() as browser,
            ):
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.set_default_timeout(TIMEOUT_MS)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(url, wait_until="load")
                for tab, shot in SHOTS.items():
                    stage = f"the {labels[tab]} tab"
                    page.get_by_role("tab", name=labels[tab]).click()
                    caption = f"The {labels[tab]} tab: {shot.use(page)}"
                    path = out / f"{tab}.png"
                    _save(page, path, shot.clip_to)
                    shots[tab] = (path, caption)
        except PlaywrightError as error:
            server = log.read_text(errors="replace")[-3000:] if log.is_file() else ""
            raise ExtensionError(
                f"demo screenshots: {stage} failed: {error}\nserver log:\n{server}"
            ) from error
        except RuntimeError as error:  # the app did not start: the message quotes its log
            raise ExtensionError(f"demo screenshots: {stage} failed: {error}") from error
    if errors:
        raise ExtensionError(f"demo screenshots: JavaScript errors in the app: {errors}")
    logger.info("demo screenshots: %d tabs in %.1f s", len(shots), time.perf_counter() - start)
    return shots


def _save(page: Any, path: Path, clip_to: str | None) -> None:
    """The whole page, or its top down to 16 px below the element ``clip_to``."""
    if clip_to is None:
        page.screenshot(path=str(path), full_page=True)
        return
    box = page.locator(clip_to).bounding_box()
    height = box["y"] + box["height"] + 16 + page.evaluate("() => window.scrollY")
    clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
    page.screenshot(path=str(path), full_page=True, clip=clip)


class DemoScreenshot(SphinxDirective):
    """``.. demo-screenshot:: TAB`` (see the module docstring)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        tab = self.arguments[0]
        if tab not in SHOTS:
            raise self.error(f"demo-screenshot: no tab {tab!r} (tabs: {', '.join(SHOTS)})")
        self.env.note_dependency(__file__)
        for pattern in WATCHED:
            for path in ROOT.glob(pattern):
                self.env.note_dependency(str(path))
        shots = self.env.temp_data.get("annotated_demo_screenshots")
        if shots is None:  # the first directive of this page takes them all
            shots = self.env.temp_data["annotated_demo_screenshots"] = take_screenshots()
        path, caption = shots[tab]
        uri = "/" + path.relative_to(self.env.srcdir).as_posix()
        image = nodes.image(uri=uri, alt=caption, width="100%")
        figure = nodes.figure("", image, nodes.caption(caption, caption))
        figure["classes"].append("demo-screenshot")
        self.set_source_info(figure)
        return [figure]
