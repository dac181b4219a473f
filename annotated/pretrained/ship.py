"""Copy a finished run into the package as a shipped model (a maintainer's tool).

``python -m annotated.pretrained.ship RUN_DIR NAME`` checks the run's checkpoint loads, then
writes ``annotated/pretrained/NAME.safetensors`` and ``NAME.json``. The card is the run's own,
byte for byte the same facts -- config, vocabulary, metrics, the command that produced it --
with the weights file renamed, so what ships is exactly what was trained and measured. The
weights' checksum travels with it:

.. math::

    \\mathrm{SHA256}(\\texttt{NAME.safetensors}) = \\mathrm{SHA256}(\\texttt{RUN\\_DIR/model.safetensors})
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from annotated.pretrained import HERE, NAMES
from annotated.training.checkpoint import load_checkpoint, resolve
from annotated.training.files import atomic_write


def ship(run: Path | str, name: str, into: Path | str = HERE) -> Path:
    """Copy the checkpoint of ``run`` to ``into/NAME.safetensors`` and its card beside it.

    Parameters
    ----------
    run : path
        A run directory, or its ``model.safetensors``.
    name : str
        One of :data:`~annotated.pretrained.NAMES`.
    into : path
        The target folder (the package's by default).

    Returns
    -------
    pathlib.Path
        The new weights file.

    Examples
    --------
    >>> import tempfile
    >>> from annotated import EncoderDecoder, get_task, load_task_model, save_checkpoint
    >>> from annotated.pretrained.ship import ship
    >>> run, into = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> task = get_task("copy")
    >>> _ = save_checkpoint(run, EncoderDecoder.from_config(task.config()),
    ...                     vocab=list(task.vocab.tokens), task="copy", command="annotated train copy")
    >>> path = ship(run, "copy", into)
    >>> path.name, load_task_model(path).card["command"]
    ('copy.safetensors', 'annotated train copy')
    """
    if name not in NAMES:
        raise ValueError(f"unknown shipped model {name!r}; choose one of {', '.join(NAMES)}")
    source = resolve(run)
    load_checkpoint(source)  # a broken run fails here, before anything is copied
    card = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    card["weights"]["file"] = f"{name}.safetensors"
    into = Path(into)
    target = into / f"{name}.safetensors"
    shutil.copyfile(source, target)
    atomic_write(target.with_suffix(".json"), (json.dumps(card, indent=1) + "\n").encode())
    load_checkpoint(target)
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m annotated.pretrained.ship RUN_DIR NAME``."""
    parser = argparse.ArgumentParser(description="copy a run into annotated/pretrained/")
    parser.add_argument("run", type=Path, help="the run directory")
    parser.add_argument("name", choices=NAMES, help="the shipped model it becomes")
    args = parser.parse_args(argv)
    print(ship(args.run, args.name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
