"""The Lab's app tests reuse the demos' fixtures, imported (which registers them), not copied:
the server (``annotated demo`` on 127.0.0.1) and the headless Chromium page on it."""

from tests.demos.conftest import app_url, server_log  # noqa: F401
from tests.demos.test_browser import browser, page  # noqa: F401
