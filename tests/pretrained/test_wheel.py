"""A built wheel carries the shipped models: install it in a fresh venv and load every one."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from annotated.pretrained import NAMES

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 25 * 2**20

CHECK = """
import pathlib, sys
import torch
import annotated
from annotated import generate, predict, translate
from annotated.pretrained import NAMES, load
assert "site-packages" in annotated.__file__, annotated.__file__
for name in NAMES:
    shipped = load(name)
    assert not shipped.model.training
    if name == "translate-de-en":
        english = translate(shipped.model, shipped.tokenizer, ["Klicken Sie auf OK."], beam=4)
        assert english == ["Click OK."], english
    elif name == "shakespeare":
        prompt = shipped.tokenizer.encode_tensor("ROMEO:\\n")[None]
        text = shipped.tokenizer.decode(generate(shipped.model, prompt, 80, temperature=0)[0])
        assert text.startswith("ROMEO:\\n") and len(text) == 87
    else:
        task = shipped.task
        texts = task.held_out(50, "test")
        answers = predict(shipped.model, task, texts)
        right = sum(a == task.answer(t) for a, t in zip(answers, texts))
        assert right >= 49, (name, right)
    print(name, "ok", shipped.card["metrics"].get("test_exact_match", shipped.card["metrics"].get("val_loss", shipped.card["metrics"].get("test_bleu_beam"))))
"""


def run(*command: str | Path, cwd: Path) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.mark.slow
def test_models_load_from_an_installed_wheel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("annotated-*.whl")
    with zipfile.ZipFile(wheel) as z:
        shipped = {
            i.filename: i.file_size for i in z.infolist() if "annotated/pretrained/" in i.filename
        }
    for name in NAMES:
        assert f"annotated/pretrained/{name}.safetensors" in shipped
        assert f"annotated/pretrained/{name}.json" in shipped
    assert "annotated/pretrained/translate-de-en.tokenizer.json" in shipped
    data = sum(size for f, size in shipped.items() if f.endswith((".safetensors", ".json")))
    assert data <= BUDGET
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    run(*pip, "-c", ROOT / "requirements" / "constraints.txt", wheel, cwd=tmp_path)
    out = run(venv / "bin" / "python", "-c", CHECK, cwd=tmp_path)  # not the source tree's cwd
    assert [line.split()[:2] for line in out.splitlines()] == [[n, "ok"] for n in NAMES]
