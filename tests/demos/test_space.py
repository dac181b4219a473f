"""The Hugging Face Space: exported, installed into a fresh venv from the registries, served.

``annotated space-export`` builds the wheel (with the shipped models) and writes the folder;
the slow test then does what the Space does -- ``pip install -r requirements.txt`` in a new
virtual environment, ``python app.py`` -- and asks ``/copy`` for an answer.
"""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demos.conftest import GRADIO_WARNINGS, ROOT, TEST_ENV

pytestmark = [pytest.mark.demos, *(pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS)]

INSTALL_LIMIT_S = 15 * 60


def front_matter(readme: str) -> dict[str, str]:
    """The ``key: value`` lines between the README's two ``---`` lines."""
    lines = readme.splitlines()
    assert lines[0] == "---", "the README must start with front matter"
    end = lines.index("---", 1)
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:end])}


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("space") / "annotated-space"
    result = subprocess.run(  # a relative folder, as README.md writes it
        [sys.executable, "-m", "annotated.cli", "space-export", folder.name],
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    yield folder


def test_the_folder_is_a_complete_space(space: Path) -> None:
    import gradio
    import torch

    meta = front_matter((space / "README.md").read_text(encoding="utf-8"))
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == gradio.__version__
    assert meta["app_file"] == "app.py" and (space / "app.py").is_file()
    for key in ("title", "emoji", "colorFrom", "colorTo", "pinned"):
        assert meta.get(key), f"front matter lacks {key}"
    (wheel,) = space.glob("annotated-*.whl")
    requirements = (space / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert f"./{wheel.name}" in requirements
    assert f"gradio=={gradio.__version__}" in requirements
    assert f"torch=={torch.__version__.split('+')[0]}" in requirements
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "annotated/pretrained").glob("*.*")}
    assert shipped <= names, f"the wheel lacks {shipped - names}"
    assert "annotated/demo/app.py" in names


def test_exporting_into_a_non_empty_folder_is_refused(space: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "annotated.cli", "space-export", str(space)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "is not empty" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_space_installs_in_a_fresh_venv_and_answers(space: Path, tmp_path: Path) -> None:
    from gradio_client import Client

    from annotated.demo import serving

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    start = time.perf_counter()
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-c",
         str(ROOT / "requirements" / "constraints.txt"), "-r", "requirements.txt"],
        cwd=space,
        capture_output=True,
        text=True,
        timeout=INSTALL_LIMIT_S,
    )  # fmt: skip
    install_s = time.perf_counter() - start
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    where = subprocess.run(
        [python, "-c", "import annotated; print(annotated.__file__)"],
        cwd=space,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where, f"the Space imported annotated from {where}, not the wheel"
    env = TEST_ENV | {"PYTHONPATH": ""}
    with serving([python, "app.py"], cwd=space, env=env, log=tmp_path / "server.log") as url:
        client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
        try:
            assert client.predict("3 1 4 1 5", api_name="/copy") == ("3 1 4 1 5", "right")
        finally:
            client.close()
    print(f"pip install took {install_s:.0f} s")
