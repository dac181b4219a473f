"""The app, served by ``annotated demo`` in a subprocess on 127.0.0.1, and a client for it.

Every server of the tests is :func:`annotated.demo.serving` with :data:`TEST_ENV` (one torch
thread: the tests' client shares the two cores) and its log in the test's temporary
directory; the log is quoted if the server fails to start.

The Translate tab serves :func:`translation_checkpoint`, the shipped ``translate-de-en``,
named to the app in ``ANNOTATED_DEMO_TRANSLATE`` as a user would name their own run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotated.tasks.translation.loading import TranslationModel, load_translation_model

ROOT = Path(__file__).resolve().parents[2]
# the environment of every server of the tests, over serving's offline settings
TEST_ENV = {"OMP_NUM_THREADS": "1"}
# gradio_client and gradio leave sockets and event loops to the garbage collector
GRADIO_WARNINGS = [
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
    "ignore:.*websockets.*:DeprecationWarning",
]


@pytest.fixture(scope="session")
def translation_checkpoint() -> Path:
    """The shipped ``translate-de-en``'s weights."""
    from annotated.pretrained import weights_path

    return weights_path("translate-de-en")


@pytest.fixture(scope="session")
def translator(translation_checkpoint: Path) -> TranslationModel:
    """The model the app's Translate tab serves, loaded in this process too."""
    return load_translation_model(translation_checkpoint)


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the app of :func:`app_url` writes its standard output and error."""
    return tmp_path_factory.mktemp("demo-server") / "server.log"


@pytest.fixture(scope="session")
def app_url(server_log: Path, translation_checkpoint: Path) -> Iterator[str]:
    """``annotated demo`` serving the shipped models (and :func:`translation_checkpoint`)
    on a free port of 127.0.0.1."""
    from annotated.demo import serving
    from annotated.demo.models import TRANSLATION_ENV

    env = TEST_ENV | {TRANSLATION_ENV: str(translation_checkpoint)}
    with serving(cwd=ROOT, env=env, log=server_log) as url:
        yield url


@pytest.fixture(scope="session")
def client(app_url: str) -> Iterator[object]:
    """A ``gradio_client.Client`` of the app (files are not downloaded)."""
    from gradio_client import Client

    c = Client(app_url, verbose=False, download_files=False, analytics_enabled=False)
    yield c
    c.close()
