"""The notebook as a file: it runs top to bottom as a script, passes ``marimo check``, uses
only the public API, ships inside the package, and ``annotated notebook`` starts it right."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import annotated
from annotated.cli import main
from annotated.notebooks import NOTEBOOK
from tests.notebook.conftest import ROOT, server_environment

# measured: ~8 s alone on one thread of this 2-core machine; the limit leaves room for a
# loaded CI machine (pytest -n 2)
SCRIPT_LIMIT_S = 60.0

# runs every cell the way ``python annotated_transformer.py`` does (app.run()), then reports
RUN_ALL = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("annotated_transformer", sys.argv[1])
notebook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(notebook)
outputs, defs = notebook.app.run()
print(json.dumps({
    "outputs": len(outputs),
    "threads": defs["torch"].get_num_threads(),
    "copy_steps": defs["copy_state"].optimizer_steps,
    "sample": defs["shakespeare"].tokenizer.decode(defs["sampled"][0]),
    "prompt": defs["prompt"].value,
    "heads": defs["weights"].shape[0],
    "rows_sum_to_one": bool(defs["weights"].sum(-1).sub(1).abs().max() < 1e-5),
}))
"""


def test_the_notebook_runs_every_cell_as_a_script(tmp_path: Path) -> None:
    pytest.importorskip("marimo")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", RUN_ALL, str(NOTEBOOK)],
        cwd=tmp_path,
        env=server_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=3 * SCRIPT_LIMIT_S,
    )
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    cells = NOTEBOOK.read_text(encoding="utf-8").count("\n@app.cell\n")
    assert report["outputs"] == cells > 30  # app.run() gives one output per cell: all ran
    assert report["threads"] == 1
    assert report["copy_steps"] > 0
    assert report["sample"].startswith(report["prompt"])
    assert len(report["sample"]) == len(report["prompt"]) + 300
    assert report["heads"] >= 2 and report["rows_sum_to_one"]
    assert not (tmp_path / "network.log").exists(), "the notebook tried to reach the network"
    assert seconds < SCRIPT_LIMIT_S, f"the notebook took {seconds:.1f} s as a script"
    print(f"notebook as a script: {seconds:.1f} s")


def test_marimo_check_passes(tmp_path: Path) -> None:
    pytest.importorskip("marimo")
    result = subprocess.run(
        [sys.executable, "-m", "marimo", "check", "--strict", str(NOTEBOOK)],
        cwd=tmp_path,
        env=server_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower()


def test_marimo_check_fails_a_broken_notebook(tmp_path: Path) -> None:
    """The control of the test above: two cells defining one name is marimo's classic error."""
    pytest.importorskip("marimo")
    broken = tmp_path / "broken.py"
    broken.write_text(
        "import marimo\n\napp = marimo.App()\n\n\n"
        "@app.cell\ndef _():\n    x = 1\n    return (x,)\n\n\n"
        "@app.cell\ndef _():\n    x = 2\n    return (x,)\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "marimo", "check", "--strict", str(broken)],
        cwd=tmp_path,
        env=server_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


def test_the_notebook_imports_only_the_public_api() -> None:
    """Top-level names of ``annotated`` and ``annotated.pretrained.load``: never copies, and
    never the internals that move (tasks, cli, lab, demo)."""
    tree = ast.parse(NOTEBOOK.read_text(encoding="utf-8"))
    used: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("annotated"):
            used.setdefault(node.module or "", set()).update(a.name for a in node.names)
        if isinstance(node, ast.Import):
            assert not [a.name for a in node.names if a.name.startswith("annotated")]
    assert set(used) == {"annotated", "annotated.pretrained"}
    assert used["annotated"] <= set(annotated.__all__)
    assert used["annotated.pretrained"] == {"load"}
    assert {"make_model", "trace_shapes", "record_attention", "train"} <= used["annotated"]


def test_the_notebook_ships_as_a_module_of_the_package() -> None:
    spec = importlib.util.find_spec("annotated.notebooks.annotated_transformer")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).resolve() == NOTEBOOK
    assert NOTEBOOK.is_relative_to(Path(annotated.__file__).resolve().parent)
    copy = ROOT / "notebooks" / NOTEBOOK.name
    assert not copy.exists(), "one copy only: the notebook lives in the package"


def test_annotated_notebook_becomes_marimo_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    calls = []

    class Exec(Exception):
        pass

    def execve(path: str, argv: list[str], env: dict[str, str]) -> None:
        calls.append((path, argv, env))
        raise Exec

    monkeypatch.setattr("os.execve", execve)
    with pytest.raises(Exec):
        main(["notebook", "--run", "--port", "2800", "--no-browser"])
    with pytest.raises(Exec):
        main(["notebook"])
    (path, app, env), (_, edit, _) = calls
    assert path == sys.executable
    assert app[1:4] == ["-m", "marimo", "run"] and Path(app[4]) == NOTEBOOK
    assert app[app.index("--host") + 1] == "127.0.0.1"
    assert app[app.index("--port") + 1] == "2800" and "--headless" in app
    assert edit[3] == "edit" and "--skip-update-check" in edit and "--headless" not in edit
    assert env["MARIMO_SKIP_UPDATE_CHECK"] == "1" and env["OMP_NUM_THREADS"] == "1"


def test_without_marimo_the_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "marimo" else real(name)
    )
    assert main(["notebook"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("annotated notebook: error:") and "pip install annotated[notebook]" in err


@pytest.mark.parametrize("port", ["0", "70000", "web"])
def test_a_bad_port_is_refused(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["notebook", "--port", port])
    assert exit_.value.code == 2
    assert "expected a port from 1 to 65535" in capsys.readouterr().err
