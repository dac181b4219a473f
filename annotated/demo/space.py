"""Write a self-contained Hugging Face Space that runs the demos.

The folder holds everything the Space needs and nothing it must fetch from elsewhere but
its requirements: a wheel of this package (with the shipped models inside), ``app.py``
(three lines that import the app from the wheel), ``requirements.txt`` (the wheel by
relative path, Gradio and torch pinned to the versions installed here) and ``README.md``,
whose YAML front matter is the Space's configuration (``sdk: gradio``, ``sdk_version``,
``app_file``, ...).

The wheel is built with ``python -m build --wheel`` from a copy of the source tree, so
building writes nothing into the checkout.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import annotated

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "annotated")
FRONT_MATTER = {
    "title": "The Annotated Transformer, live",
    "emoji": "🔁",
    "colorFrom": "indigo",
    "colorTo": "yellow",
    "sdk": "gradio",
    "app_file": "app.py",
    "pinned": "false",
    "license": "mit",
    "short_description": "Tiny Transformers: copy, sort, add, translate, Shakespeare",
}
APP = '''"""The annotated demos as a Hugging Face Space (written by ``annotated space-export``).

The app is ``annotated.demo`` from the wheel beside this file; importing it turns off
analytics, telemetry and Hub look-ups. The Space sets GRADIO_SERVER_NAME itself.
"""

from annotated.demo import build_demo

demo = build_demo()

if __name__ == "__main__":
    demo.launch()
'''


def source_root() -> Path:
    """The checkout this package was imported from (it must have a ``pyproject.toml``)."""
    root = Path(annotated.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():
        raise FileNotFoundError(
            f"{root} is not a source checkout (no pyproject.toml): "
            "run space-export from a clone of the repository, or pass --wheel"
        )
    return root


def build_wheel(out: Path, root: Path | None = None) -> Path:
    """Build the package's wheel into ``out`` and return its path.

    The sources are copied to a temporary directory first. When setuptools is installed
    the build runs without isolation, so it needs no network.
    """
    root = root or source_root()
    out = out.resolve()  # the build runs in a temporary directory: a relative path would land there
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    with tempfile.TemporaryDirectory() as tmp:
        for name in SOURCES:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, Path(tmp, name), ignore=ignore)
            elif source.is_file():
                shutil.copy2(source, Path(tmp, name))
        command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
        if importlib.util.find_spec("setuptools") is not None:
            command.append("--no-isolation")
        result = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
            raise RuntimeError("building the wheel failed:\n" + "\n".join(tail))
    wheels = sorted(out.glob(f"annotated-{annotated.__version__}-*.whl"))
    if not wheels:
        raise RuntimeError(f"the build wrote no annotated-{annotated.__version__} wheel to {out}")
    check_wheel(wheels[-1], root)
    return wheels[-1]


def check_wheel(wheel: Path, root: Path) -> None:
    """Fail unless ``wheel`` holds the app and every shipped model file of the checkout."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    models = [p.relative_to(root).as_posix() for p in root.glob("annotated/pretrained/*.*")]
    wanted = ["annotated/demo/app.py", *(m for m in models if not m.endswith(".py"))]
    missing = [name for name in wanted if name not in names]
    if missing:
        raise RuntimeError(f"{wheel.name} lacks {', '.join(missing)} (package data?)")


def readme(gradio_version: str) -> str:
    """The Space's README: front matter, then a paragraph for a reader of the Space page."""
    fields = FRONT_MATTER | {"sdk_version": gradio_version}
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    lines = ["---", *(f"{k}: {v}" for k, v in fields.items()), f'python_version: "{python}"', "---"]
    body = (
        "# The Annotated Transformer, live\n\n"
        "Small Transformers from the `annotated` package, trained on a CPU: copy, sort and add "
        "digits with an encoder-decoder and see its attention; translate German into English "
        "and see the cross-attention align the two; write Shakespeare with a character-level "
        "GPT. The models are inside the wheel in this folder; the app makes no network "
        "request (no analytics, no CDN).\n\n"
        "Run it locally: `pip install -r requirements.txt && python app.py`.\n"
    )
    return "\n".join(lines) + "\n\n" + body


def requirements(wheel: Path, gradio_version: str, torch_version: str) -> str:
    """``requirements.txt``: the wheel by relative path, Gradio and torch pinned."""
    return (
        "# pip install -r requirements.txt, from this folder (the wheel path is relative)\n"
        f"./{wheel.name}\n"
        f"gradio=={gradio_version}\n"
        "# the version tested; on Linux, PyTorch's CPU index serves a much smaller build of it\n"
        f"torch=={torch_version}\n"
    )


def export_space(directory: Path | str, wheel: Path | str | None = None) -> list[Path]:
    """Write the Space folder and return the files written.

    Parameters
    ----------
    directory : path
        Created if missing; must be empty if it exists.
    wheel : path, optional
        A wheel of this package to ship; by default one is built from the checkout.

    Returns
    -------
    list of pathlib.Path
        ``README.md``, ``app.py``, ``requirements.txt`` and the wheel.
    """
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty; choose a new or empty directory")
    directory.mkdir(parents=True, exist_ok=True)
    if wheel is None:
        shipped = build_wheel(directory)
    else:
        shipped = Path(shutil.copy2(wheel, directory / Path(wheel).name))
    gradio_version = importlib.metadata.version("gradio")
    torch_version = importlib.metadata.version("torch").split("+")[0]  # 2.13.0+cpu -> 2.13.0
    files = {
        "README.md": readme(gradio_version),
        "app.py": APP,
        "requirements.txt": requirements(shipped, gradio_version, torch_version),
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [*(directory / name for name in files), shipped]
