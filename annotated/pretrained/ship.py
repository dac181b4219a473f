"""Copy a finished run into the package as a shipped model (a maintainer's tool).

``python -m annotated.pretrained.ship RUN_DIR NAME [--half]`` checks the run's checkpoint
loads, then writes ``annotated/pretrained/NAME.safetensors`` and ``NAME.json`` (and
``NAME.tokenizer.json`` for a model with a subword tokenizer). The card is the run's own --
config, vocabulary, metrics, the command that produced it -- with the files renamed and the
weights' new checksum, so what ships is what was trained and measured. The weights are copied
byte for byte, except with ``--half``: the translation model is stored as float16 to stay
within the package's size budget, and its card's test scores are measured again on the
rounded weights.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from annotated.corpora.de_en.store import corpus_record, read_manifest
from annotated.pretrained import HERE, NAMES
from annotated.tasks.translation.evaluation import score_test_split
from annotated.tasks.translation.loading import (
    corpus_root,
    held_out_test_pairs,
    load_translation_model,
)
from annotated.training.checkpoint import FORMAT, load_checkpoint, resolve, unique_state
from annotated.training.files import atomic_write, save_safetensors


def ship(run: Path | str, name: str, into: Path | str = HERE, *, half: bool = False) -> Path:
    """Copy the checkpoint of ``run`` to ``into/NAME.safetensors`` and its card beside it.

    A run with a ``tokenizer.json`` (translation) ships it as ``NAME.tokenizer.json``; the
    run's evaluations (``metrics.json``) join the card as its learning curve, ``evals``.

    Parameters
    ----------
    run : path
        A run directory, or its ``model.safetensors``.
    name : str
        One of :data:`~annotated.pretrained.NAMES`.
    into : path
        The target folder (the package's by default).
    half : bool
        Store the weights as float16, half the bytes. The card's test scores are then
        measured again on the rounded weights (translation models only), so that what the
        card says is what the shipped file does, on the card's corpus (its options', else the
        user's cache; recorded in the card if the run's card does not name it yet).

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
    checkpoint = load_checkpoint(source)  # a broken run fails here, before anything is copied
    card = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    if half and card.get("task") != "translate":
        raise ValueError("--half re-measures a translation model's scores; not a translation run")
    into = Path(into)
    target = into / f"{name}.safetensors"
    if half:
        tensors = {k: v.half() for k, v in unique_state(checkpoint.model).items()}
        save_safetensors(target, tensors, {"format": FORMAT})
    else:
        shutil.copyfile(source, target)
    card["weights"] = {
        "file": target.name,
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        **({"dtype": "float16"} if half else {}),
    }
    metrics = source.parent / "metrics.json"
    if metrics.is_file():  # the evaluations along the run: the learning curve
        card["evals"] = json.loads(metrics.read_text(encoding="utf-8"))["evals"]
    if "tokenizer" in card:
        shutil.copyfile(source.parent / card["tokenizer"], into / f"{name}.tokenizer.json")
        card["tokenizer"] = f"{name}.tokenizer.json"
    if half:
        card.setdefault("corpus", corpus_record(read_manifest(corpus_root(card))))  # scored on
        write_card(target, card)
        card["metrics"] |= _scores_of(target, card)
    write_card(target, card)
    load_checkpoint(target)
    return target


def write_card(weights: Path, card: dict[str, Any]) -> None:
    """Write ``card`` beside ``weights``, atomically."""
    atomic_write(weights.with_suffix(".json"), (json.dumps(card, indent=1) + "\n").encode())


def _scores_of(weights: Path, card: dict[str, Any]) -> dict[str, Any]:
    """The test scores of the translation model in ``weights``, as its card's options say."""
    model, tokenizer, _ = load_translation_model(weights)
    options = card["options"]
    test = held_out_test_pairs(card)
    return score_test_split(model, tokenizer, test, beam=options["beam"], alpha=options["alpha"])


def main(argv: list[str] | None = None) -> int:
    """``python -m annotated.pretrained.ship RUN_DIR NAME``."""
    parser = argparse.ArgumentParser(description="copy a run into annotated/pretrained/")
    parser.add_argument("run", type=Path, help="the run directory")
    parser.add_argument("name", choices=NAMES, help="the shipped model it becomes")
    parser.add_argument(
        "--half", action="store_true", help="float16 weights, scores re-measured (translation)"
    )
    args = parser.parse_args(argv)
    print(ship(args.run, args.name, half=args.half))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
