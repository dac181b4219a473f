"""Export a Lab run -- its config (JSON), curves (CSV) and weights (safetensors) -- and load a
config back.

The weights are written by :func:`~annotated.save_checkpoint`, so the export is also an
ordinary checkpoint: :func:`~annotated.load_checkpoint` rebuilds the model from the card
``model.json`` and checks the weights against its SHA-256,

.. math::

    \\mathrm{load}(\\mathrm{export}(r)) = \\theta_r, \\qquad
    \\mathrm{LabConfig.from\\_json}(\\mathrm{export}(r)_{config}) = c_r .

A BPE Shakespeare run also writes its tokenizer (``tokenizer.json``) beside the weights, named
in the card as ``annotated train shakespeare --tokenizer bpe`` names it
(:func:`~annotated.tasks.language_model.tokenizer.save_tokenizer`), so the export loads like a
run of the command line's.
"""

from __future__ import annotations

import re
from pathlib import Path

from annotated.lab.config import LabConfig, LabConfigError
from annotated.lab.data import TextData
from annotated.lab.run import LabRun
from annotated.tasks.language_model.tokenizer import save_tokenizer
from annotated.training.checkpoint import save_checkpoint
from annotated.training.files import atomic_write

MAX_CONFIG_BYTES = 64_000


def slug(name: str) -> str:
    """``name`` as a file-name stem: letters, digits, ``-`` and ``_``.

    Examples
    --------
    >>> from annotated.lab.export import slug
    >>> slug("run 2: sort N2 d64 layer/pre")
    'run-2-sort-N2-d64-layer-pre'
    """
    return re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")[:80] or "run"


def export_run(run: LabRun, directory: Path | str) -> dict[str, Path]:
    """Write ``run``'s config, curves and weights into a new folder under ``directory``.

    Returns
    -------
    dict
        ``config`` (``<name>.config.json``), ``curves`` (``<name>.curves.csv``), ``weights``
        (``model.safetensors``) and ``card`` (``model.json``), all in one folder, and for a
        BPE run ``tokenizer`` (``tokenizer.json``).

    Examples
    --------
    >>> import tempfile
    >>> import torch
    >>> from annotated import load_checkpoint
    >>> from annotated.lab import LabConfig, LabRun, export_run, load_config
    >>> run = LabRun(LabConfig(task="copy", max_steps=2, batch_size=4, warmup=0))
    >>> run.start().wait(60)
    True
    >>> files = export_run(run, tempfile.mkdtemp())
    >>> sorted(files), load_config(files["config"]) == run.config
    (['card', 'config', 'curves', 'weights'], True)
    >>> loaded = load_checkpoint(files["weights"]).model
    >>> all(torch.equal(a, b) for a, b in zip(loaded.parameters(), run.snapshot().parameters()))
    True
    """
    model = run.snapshot()
    curves = run.curves_now()
    stem = slug(run.name)
    folder = Path(directory) / f"{stem}-step{curves.step[-1] if len(curves) else 0}"
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "config": folder / f"{stem}.config.json",
        "curves": folder / f"{stem}.curves.csv",
    }
    atomic_write(files["config"], run.config.to_json().encode())
    atomic_write(files["curves"], curves.to_csv().encode())
    vocab: list[str] | None = run.data.tokens
    about = {}
    if isinstance(run.data, TextData) and run.config.subwords:
        about["tokenizer"] = save_tokenizer(run.data.tokenizer, "bpe", folder)
        files["tokenizer"] = folder / about["tokenizer"]["file"]
        vocab = None  # the tokenizer file's
    files["weights"] = save_checkpoint(
        folder,
        model,
        vocab=vocab,
        task=run.config.task,
        seed=run.config.seed,
        steps=run.step,
        lab_config=run.config.to_dict(),
        **about,
    )
    files["card"] = files["weights"].with_suffix(".json")
    return files


def load_config(path: Path | str) -> LabConfig:
    """Read a Lab config from a JSON file (an export's ``.config.json``); explained if invalid.

    The config is checked too: a file that loads must also train.
    """
    file = Path(path)
    if not file.is_file():
        raise LabConfigError(f"{file.name}: no such file")
    if file.stat().st_size > MAX_CONFIG_BYTES:
        raise LabConfigError(
            f"{file.name}: too large for a Lab config ({file.stat().st_size} bytes)"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LabConfigError(f"{file.name}: not UTF-8 text") from None
    return LabConfig.from_json(text).check()
