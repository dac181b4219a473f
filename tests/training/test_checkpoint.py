"""Checkpoints: round trips, atomic writes, and one clear line for every bad file."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from annotated import (
    EncoderDecoder,
    get_task,
    load_checkpoint,
    load_task_model,
    make_model,
    save_checkpoint,
)
from annotated.training import CheckpointError, atomic_write

TASK = get_task("copy")
VOCAB = list(TASK.vocab.tokens)


def small(seed: int = 0, **options: object) -> EncoderDecoder:
    torch.manual_seed(seed)
    size: dict[str, object] = {"N": 1, "d_model": 16, "d_ff": 32, "h": 2}
    return EncoderDecoder.from_config(TASK.config(**(size | options)))


@pytest.fixture
def run(tmp_path: Path) -> Path:
    save_checkpoint(tmp_path, small(), vocab=VOCAB, task="copy", seed=0, command="annotated test")
    return tmp_path


def test_round_trip_restores_weights_config_and_card(run: Path) -> None:
    loaded = load_checkpoint(run / "model.json")
    for a, b in zip(small().parameters(), loaded.model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert loaded.model.config == small().config and not loaded.model.training
    card = json.loads((run / "model.json").read_text())
    assert card["architecture"] == "encoder-decoder" and card["vocab"] == VOCAB
    assert card["task"] == "copy" and card["command"] == "annotated test"
    assert (
        card["weights"]["sha256"]
        == hashlib.sha256((run / "model.safetensors").read_bytes()).hexdigest()
    )
    assert load_task_model(run).task.name == "copy"


def test_tied_weights_round_trip_tied(tmp_path: Path) -> None:
    model = make_model(9, 9, N=1, d_model=16, d_ff=32, h=2, share_embeddings=True)
    loaded = load_checkpoint(save_checkpoint(tmp_path, model, vocab=None)).model
    assert loaded.generator.proj.weight is loaded.src_embed[0].lut.weight
    assert torch.equal(loaded.generator.proj.weight, model.generator.proj.weight)


def test_loading_never_unpickles(run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("unpickling was attempted")

    for module, name in (
        (torch, "load"),
        (pickle, "load"),
        (pickle, "loads"),
        (pickle, "Unpickler"),
    ):
        monkeypatch.setattr(module, name, forbidden)
    load_checkpoint(run)
    (run / "model.safetensors").write_bytes(pickle.dumps({"w": 1}))
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(run)


def rewrite_card(run: Path, change: Callable[[dict], None]) -> None:
    card = json.loads((run / "model.json").read_text())
    change(card)
    (run / "model.json").write_text(json.dumps(card))


def swap_weights(run: Path, model: torch.nn.Module) -> None:
    """Put another model's weights in place, with a matching checksum (so shapes are checked)."""
    other = save_checkpoint(run / "other", model, vocab=None)
    data = other.read_bytes()
    (run / "model.safetensors").write_bytes(data)
    rewrite_card(run, lambda c: c["weights"].update(sha256=hashlib.sha256(data).hexdigest()))


def flip(path: Path, where: float) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0xFF
    path.write_bytes(bytes(data))


BAD = {
    "missing directory": (lambda r: None, "nowhere", "no such file"),
    "directory without a checkpoint": (
        lambda r: (r / "model.safetensors").unlink(),
        ".",
        "no checkpoint",
    ),
    "empty": (lambda r: (r / "model.safetensors").write_bytes(b""), ".", "empty"),
    "truncated": (
        lambda r: (r / "model.safetensors").write_bytes(
            (r / "model.safetensors").read_bytes()[:-100]
        ),
        ".",
        "truncated",
    ),
    "truncated header": (
        lambda r: (r / "model.safetensors").write_bytes(
            (r / "model.safetensors").read_bytes()[:50]
        ),
        ".",
        "truncated",
    ),
    "corrupted data": (lambda r: flip(r / "model.safetensors", 0.9), ".", "SHA-256"),
    "corrupted header": (
        lambda r: flip(r / "model.safetensors", 0.0005),
        ".",
        "corrupted|not a safetensors",
    ),
    "pickled": (
        lambda r: (r / "model.safetensors").write_bytes(pickle.dumps([1, 2])),
        ".",
        "pickle",
    ),
    "torch.save file": (
        lambda r: torch.save({"w": torch.ones(2)}, r / "model.safetensors"),
        ".",
        "zip archive",
    ),
    "missing card": (lambda r: (r / "model.json").unlink(), ".", "card .* is missing"),
    "card not JSON": (lambda r: (r / "model.json").write_text("{oops"), ".", "not valid JSON"),
    "card not an object": (
        lambda r: (r / "model.json").write_text("[1]"),
        ".",
        "not a JSON object",
    ),
    "card without architecture": (
        lambda r: rewrite_card(r, lambda c: c.pop("architecture")),
        ".",
        "no 'architecture'",
    ),
    "wrong architecture": (
        lambda r: rewrite_card(r, lambda c: c.update(architecture="lstm")),
        ".",
        "unknown architecture 'lstm'",
    ),
    "invalid config": (
        lambda r: rewrite_card(r, lambda c: c["config"].update(h=3)),
        ".",
        "invalid config",
    ),
    "unknown config field": (
        lambda r: rewrite_card(r, lambda c: c["config"].update(colour="red")),
        ".",
        "invalid config",
    ),
    "wrong vocabulary size": (
        lambda r: rewrite_card(r, lambda c: c.update(vocab=c["vocab"][:-1])),
        ".",
        "wrong vocabulary",
    ),
    "weights of another size": (lambda r: swap_weights(r, small(d_ff=64)), ".", "shape"),
    "weights of another depth": (
        lambda r: swap_weights(
            r, EncoderDecoder.from_config(TASK.config(N=2, d_model=16, d_ff=32, h=2))
        ),
        ".",
        "missing|unexpected",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_every_bad_checkpoint_fails_with_one_line_naming_file_and_problem(
    run: Path, case: str
) -> None:
    damage, target, problem = BAD[case]
    damage(run)
    path = run / target
    with pytest.raises(CheckpointError, match=problem) as error:
        load_checkpoint(path)
    message = str(error.value)
    assert "\n" not in message and str(run) in message


def test_a_task_model_needs_the_task_vocabulary(run: Path) -> None:
    rewrite_card(run, lambda c: c.update(vocab=c["vocab"][::-1]))
    with pytest.raises(CheckpointError, match="wrong vocabulary for task 'copy'"):
        load_task_model(run)
    rewrite_card(run, lambda c: c.update(task="reverse"))
    with pytest.raises(CheckpointError, match="unknown task 'reverse'"):
        load_task_model(run)


def test_atomic_write_keeps_the_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.bin"
    atomic_write(path, b"old")

    def crash(src: str, dst: str) -> None:
        raise OSError("killed before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    monkeypatch.undo()
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new"


def safetensors_bytes(header: dict, data: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return len(raw).to_bytes(8, "little") + raw + data


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"abc", "too short"),
        ((2**40).to_bytes(8, "little") + b"{}", "corrupted header length"),
        (
            safetensors_bytes({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"x"),
            "truncated",
        ),
        (
            safetensors_bytes(
                {"w": {"dtype": "Q99", "shape": [1], "data_offsets": [0, 4]}}, b"abcd"
            ),
            "corrupted",
        ),
        (safetensors_bytes({"w": {"shape": [1]}}, b"abcd"), "not valid"),
        (safetensors_bytes([1, 2]), "not valid"),  # type: ignore[arg-type]
    ],
)
def test_malformed_safetensors_files_are_named_and_explained(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    from annotated.training import read_safetensors

    path = tmp_path / "x.safetensors"
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match=problem) as error:
        read_safetensors(path)
    assert str(error.value).startswith(str(path)) and "\n" not in str(error.value)


def test_every_valid_file_reads_back_whatever_its_first_byte(tmp_path: Path) -> None:
    """A header length of 128 mod 256 starts the file with 0x80, a pickle's first byte.

    safetensors pads its header to a multiple of 8 bytes; 256 consecutive metadata lengths
    give it every such residue modulo 256, so every first byte a file can have. A train state whose header happened to be 128 mod 256 bytes long was
    once refused as a pickle, which broke resuming a killed run.
    """
    from annotated.training.files import read_safetensors, save_safetensors

    first_bytes = set()
    for padding in range(256):
        path = tmp_path / f"{padding}.safetensors"
        save_safetensors(path, {"w": torch.arange(3.0)}, {"note": "x" * padding})
        first_bytes.add(path.read_bytes()[0])
        tensors, metadata = read_safetensors(path)
        assert torch.equal(tensors["w"], torch.arange(3.0)) and metadata["note"] == "x" * padding
    assert 0x80 in first_bytes
