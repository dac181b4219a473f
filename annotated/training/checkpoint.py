"""Checkpoints: weights in safetensors and a JSON card beside them.

``model.safetensors`` holds the tensors and nothing else; ``model.json``, the *card*, says
what they are: the architecture and its config (enough to rebuild the model), the
vocabulary, the task, the seed, the steps, the metrics, the exact command that produced them,
and the SHA-256 of the weights file. A model is rebuilt from the card and then filled with
the weights, so loading executes no code from the file.

The card's checksum catches a weights file that was corrupted or swapped:

.. math::

    \\mathrm{load}(w, c) \\text{ succeeds} \\implies
    \\mathrm{SHA256}(w) = c_{\\text{sha256}} \\ \\wedge\\
    \\mathrm{shapes}(w) = \\mathrm{shapes}(\\mathrm{build}(c_{\\text{config}}))

The architectures are a lookup table from the card's ``"architecture"`` to the model class
and its config class; a new model family is one more line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import nn

from annotated.config import TransformerConfig
from annotated.gpt import GPT
from annotated.gpt_config import GPTConfig
from annotated.model import EncoderDecoder
from annotated.training.files import (
    CheckpointError,
    atomic_write,
    read_safetensors,
    save_safetensors,
)

WEIGHTS, CARD = "model.safetensors", "model.json"
FORMAT = "annotated-checkpoint/1"


class Architecture(NamedTuple):
    """A model family: its class (with ``from_config``), its config class (with
    ``from_dict``/``to_dict``) and the config fields that must equal the vocabulary size."""

    model: type[nn.Module]
    config: type[Any]
    vocab_fields: tuple[str, ...]


ARCHITECTURES: dict[str, Architecture] = {
    "encoder-decoder": Architecture(EncoderDecoder, TransformerConfig, ("src_vocab", "tgt_vocab")),
    "gpt": Architecture(GPT, GPTConfig, ("vocab_size",)),
}


class Checkpoint(NamedTuple):
    """A loaded checkpoint: the model (eval mode), its card and its weights file."""

    model: nn.Module
    card: dict[str, Any]
    path: Path


def architecture_of(model: nn.Module) -> str:
    """The :data:`ARCHITECTURES` key of ``model``'s class."""
    for name, arch in ARCHITECTURES.items():
        if isinstance(model, arch.model):
            return name
    raise ValueError(f"no checkpoint architecture for {type(model).__name__}")


def unique_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """``model``'s state on the CPU, each tensor once: tied weights keep their first name."""
    out: dict[str, torch.Tensor] = {}
    seen: set[tuple[int, int, tuple[int, ...]]] = set()
    for name, t in model.state_dict().items():
        key = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape))
        if key not in seen:
            seen.add(key)
            out[name] = t.detach().cpu().contiguous()
    return out


def load_weights(model: nn.Module, tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Copy ``tensors`` into ``model`` after checking names and shapes match exactly."""
    expected = unique_state(model)
    missing, unexpected = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{path}: weights do not fit the config "
            f"(missing {missing[:2]}{'...' if len(missing) > 2 else ''}, "
            f"unexpected {unexpected[:2]}{'...' if len(unexpected) > 2 else ''})"
        )
    for name, t in expected.items():
        if tensors[name].shape != t.shape:
            raise CheckpointError(
                f"{path}: weights do not fit the config ({name} has shape "
                f"{tuple(tensors[name].shape)}, the config needs {tuple(t.shape)})"
            )
    model.load_state_dict(tensors, strict=False)


def save_checkpoint(
    directory: Path | str, model: nn.Module, *, vocab: list[str] | None, **info: Any
) -> Path:
    """Write ``model.safetensors`` and its card ``model.json`` into ``directory``, atomically.

    Parameters
    ----------
    directory : path
        Created if missing.
    model : torch.nn.Module
        A model of a known architecture with a ``config``.
    vocab : list of str, optional
        The tokens in index order.
    **info
        More card entries, JSON-ready: ``task``, ``seed``, ``steps``, ``metrics``, ``command``.

    Returns
    -------
    pathlib.Path
        The weights file.

    Examples
    --------
    >>> import tempfile
    >>> import torch
    >>> from annotated import load_checkpoint, make_model, save_checkpoint
    >>> model = make_model(5, 5, N=1, d_model=8, d_ff=16, h=2)
    >>> path = save_checkpoint(tempfile.mkdtemp(), model, vocab=list("abcde"), task="demo")
    >>> loaded = load_checkpoint(path)
    >>> loaded.card["architecture"], loaded.card["task"], loaded.path.name
    ('encoder-decoder', 'demo', 'model.safetensors')
    >>> all(torch.equal(a, b) for a, b in zip(model.parameters(), loaded.model.parameters()))
    True
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / WEIGHTS
    save_safetensors(path, unique_state(model), {"format": FORMAT})
    card = {
        "format": FORMAT,
        "architecture": architecture_of(model),
        "config": model.config.to_dict(),  # type: ignore[union-attr,operator]
        "vocab": vocab,
        **info,
        "weights": {"file": WEIGHTS, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
        "versions": {"torch": torch.__version__},
    }
    atomic_write(directory / CARD, (json.dumps(card, indent=1) + "\n").encode())
    return path


def resolve(path: Path | str) -> Path:
    """The weights file of a run directory, a ``.safetensors`` file or its ``.json`` card."""
    path = Path(path)
    if path.is_dir():
        if not (path / WEIGHTS).is_file():
            raise CheckpointError(f"{path}: no checkpoint in this directory (no {WEIGHTS})")
        return path / WEIGHTS
    if path.suffix == ".json":
        path = path.with_suffix(".safetensors")
    if not path.exists():
        raise CheckpointError(f"{path}: no such file or directory")
    return path


def read_card(path: Path) -> dict[str, Any]:
    """The card beside weights file ``path``, checked for the keys a load needs."""
    card_path = path.with_suffix(".json")
    if not card_path.is_file():
        raise CheckpointError(f"{card_path}: the card of {path.name} is missing")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{card_path}: the card is not valid JSON ({error})") from None
    if not isinstance(card, dict):
        raise CheckpointError(f"{card_path}: the card is not a JSON object")
    for key in ("architecture", "config", "weights"):
        if key not in card:
            raise CheckpointError(f"{card_path}: the card has no {key!r} entry")
    if card["architecture"] not in ARCHITECTURES:
        raise CheckpointError(
            f"{card_path}: unknown architecture {card['architecture']!r} "
            f"(known: {', '.join(ARCHITECTURES)})"
        )
    return card


def load_checkpoint(path: Path | str, device: torch.device | str = "cpu") -> Checkpoint:
    """Rebuild the model a card describes and fill it with the checked weights.

    Every failure is a :class:`CheckpointError` of one line naming the file and the problem:
    missing, empty, truncated, corrupted, pickled, checksum mismatch, unknown architecture,
    invalid config, vocabulary size or tensor shapes that do not fit.

    Examples
    --------
    >>> from annotated import load_checkpoint
    >>> load_checkpoint("no/such/run")
    Traceback (most recent call last):
    ...
    annotated.training.files.CheckpointError: no/such/run: no such file or directory
    """
    weights = resolve(path)
    card = read_card(weights)
    tensors, _ = read_safetensors(weights)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != card["weights"].get("sha256"):
        raise CheckpointError(
            f"{weights}: contents do not match the SHA-256 in its card (corrupted?)"
        )
    arch = ARCHITECTURES[card["architecture"]]
    try:
        config = arch.config.from_dict(card["config"])
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{weights.with_suffix('.json')}: invalid config ({error})") from None
    vocab = card.get("vocab")
    for field in arch.vocab_fields:
        if vocab is not None and getattr(config, field) != len(vocab):
            raise CheckpointError(
                f"{weights.with_suffix('.json')}: wrong vocabulary: {len(vocab)} tokens, "
                f"but the config's {field} is {getattr(config, field)}"
            )
    model = arch.model.from_config(config)  # type: ignore[attr-defined]
    load_weights(model, tensors, weights)
    return Checkpoint(model.to(device).eval(), card, weights)
