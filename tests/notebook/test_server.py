"""``annotated notebook`` (``marimo edit``) starts on loopback and asks nothing of the network.

The control test runs plain ``marimo edit`` under the same guard and sees its daily update
check refused: the guard would catch one from ``annotated notebook`` too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated.notebooks import NOTEBOOK
from tests.notebook.conftest import free_port, serving

pytestmark = pytest.mark.demos


def test_marimo_edit_starts_offline(tmp_path: Path) -> None:
    pytest.importorskip("marimo")
    port = free_port()
    command = ["-m", "annotated.cli", "notebook", "--port", str(port), "--no-browser"]
    with serving(command, tmp_path, port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}/"
    assert f"URL: http://localhost:{port}?access_token=" in server.log.read_text(encoding="utf-8")
    assert not server.outside_requests(), server.outside_requests()


def test_the_guard_sees_plain_marimo_check_for_updates(tmp_path: Path) -> None:
    pytest.importorskip("marimo")
    port = free_port()
    command = ["-m", "marimo", "edit", str(NOTEBOOK), "--headless", "--no-sandbox"]
    with serving([*command, "--port", str(port)], tmp_path, port=port, offline=False) as server:
        pass
    refused = server.outside_requests()
    assert refused and all("127.0.0.1" not in line for line in refused)
