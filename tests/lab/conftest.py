"""The Lab's app tests reuse the demos' fixtures, imported (which registers them), not copied:
the server (``annotated demo`` on 127.0.0.1, serving the shipped models) and the headless
Chromium page on it."""

from tests.demos.conftest import app_url, server_log, translation_checkpoint  # noqa: F401
from tests.demos.test_browser import browser, page  # noqa: F401
