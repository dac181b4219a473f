"""Launching the app loads no model and contacts no other host; models load once, lazily."""

from __future__ import annotations

import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from annotated import EncoderDecoder, get_task
from tests.demos.conftest import GRADIO_WARNINGS, ROOT, TEST_ENV

pytestmark = [pytest.mark.demos, *(pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS)]


def test_launch_loads_nothing_and_stays_on_this_machine(tmp_path: Path) -> None:
    record = tmp_path / "record"
    command = [sys.executable, "-m", "tests.demos.guarded_demo", str(record)]
    from annotated.demo import serving

    with serving(command, cwd=ROOT, env=TEST_ENV, log=tmp_path / "server.log") as url:
        for path in ("", "config", "gradio_api/info"):
            with urllib.request.urlopen(url + path, timeout=10) as response:
                assert response.status == 200, path
        assert not (record / "loads").exists(), "launching or opening the app loaded a model"
        from gradio_client import Client

        client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
        try:
            assert client.predict("4 2", api_name="/copy") == ("4 2", "right")
        finally:
            client.close()
        assert (record / "loads").read_text().split() == ["copy"], "loaded on first use"
    outside = (record / "outside").read_text() if (record / "outside").exists() else ""
    assert not outside, f"the app tried to reach other hosts:\n{outside}"


def test_each_model_is_loaded_once_by_concurrent_first_requests() -> None:
    from annotated.demo import Models
    from annotated.tasks import TaskModel

    calls: list[str] = []
    gate = threading.Event()

    def slow_loader(name: str) -> TaskModel:
        calls.append(name)
        gate.wait(5)
        task = get_task(name)
        return TaskModel(EncoderDecoder.from_config(task.config()), task, card={})

    models = Models(slow_loader, threads=None)
    threads = [threading.Thread(target=models.task, args=("sort",)) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert calls == ["sort"]


def test_a_model_that_cannot_load_is_an_error_for_that_request() -> None:
    import gradio as gr

    from annotated.demo import Models

    def broken(name: str) -> Any:
        raise FileNotFoundError(f"{name}.safetensors: no such file")

    with pytest.raises(gr.Error, match="The add model could not be loaded"):
        Models(broken, threads=None).task("add")
