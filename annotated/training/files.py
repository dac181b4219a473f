"""Safe checkpoint files: atomic writes and a safetensors reader that explains every failure.

A checkpoint is written to a temporary file beside its destination and then renamed over it
with :func:`os.replace`, which POSIX and Windows perform atomically: a reader (or a run killed
mid-write and restarted) sees either the old file or the new one, never half of one.

A safetensors file is an 8-byte little-endian header length :math:`n`, :math:`n` bytes of
JSON header (each tensor's dtype, shape and byte range), then the raw data, so

.. math::

    \\text{file size} = 8 + n + \\max_{\\text{tensors}} \\text{end offset}.

Reading checks that identity before trusting a byte, and no file is ever unpickled:
``torch.load`` on an untrusted file can run arbitrary code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import safetensors.torch
import torch

MAX_HEADER = 100_000_000  # bytes; a larger header length means the file is not safetensors


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable or does not fit; the message names the file."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from annotated.training.files import atomic_write
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(path, b"hello")
    >>> path.read_bytes(), [p.name for p in path.parent.iterdir()]
    (b'hello', ['note.txt'])
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_safetensors(
    path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]
) -> None:
    """Serialise ``tensors`` (no two may share memory) with string ``metadata``, atomically."""
    atomic_write(path, safetensors.torch.save(tensors, metadata=metadata))


def read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The tensors and metadata of the safetensors file ``path``, validated.

    Raises
    ------
    CheckpointError
        ``"<path>: <problem>"`` for a missing, empty, truncated, corrupted or pickled file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import torch
    >>> from annotated.training.files import read_safetensors, save_safetensors
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.safetensors"
    >>> save_safetensors(path, {"w": torch.ones(2)}, {"note": "hi"})
    >>> read_safetensors(path)
    ({'w': tensor([1., 1.])}, {'note': 'hi'})
    >>> _ = path.write_bytes(b"")
    >>> read_safetensors(path)
    Traceback (most recent call last):
    ...
    annotated.training.files.CheckpointError: .../w.safetensors: the file is empty
    """
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"{path}: cannot be read ({error.strerror})") from None
    problem, header = _check(data)
    if problem:
        raise CheckpointError(f"{path}: {problem}")
    try:
        tensors = safetensors.torch.load(data)
    except Exception as error:  # safetensors raises its own error types
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"{path}: corrupted safetensors data ({detail})") from None
    metadata = header.get("__metadata__") or {}
    return tensors, dict(metadata)


def _check(data: bytes) -> tuple[str | None, dict[str, Any]]:
    """The first problem with ``data`` as a safetensors file (or ``None``), and its header.

    The structure decides; only a file that fails it is named a zip archive or a pickle by
    its first bytes, because a valid header length can begin with the same byte as a pickle
    (``0x80``: any length that is 128 modulo 256).
    """
    if not data:
        return "the file is empty", {}
    problem, header = _structure(data)
    never = "annotated loads only safetensors and never unpickles"
    if problem and data[:2] == b"PK":
        return f"a zip archive (a torch.save file?); {never}", {}
    if problem and data[:1] == b"\x80":
        return f"a pickle file; {never}", {}
    return problem, header


def _structure(data: bytes) -> tuple[str | None, dict[str, Any]]:
    """The first way ``data`` breaks the safetensors layout (or ``None``), and its header."""
    if len(data) < 8:
        return f"truncated: {len(data)} bytes is too short for a safetensors header", {}
    n = int.from_bytes(data[:8], "little")
    if n > MAX_HEADER:
        return "not a safetensors file (corrupted header length)", {}
    if 8 + n > len(data):
        return f"truncated: the header needs {n} bytes, {len(data) - 8} follow", {}
    try:
        header = json.loads(data[8 : 8 + n])
        ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return "corrupted: the safetensors header is not valid", {}
    need, have = max(ends, default=0), len(data) - 8 - n
    if need > have:
        return f"truncated: the tensors need {need} bytes of data, {have} are there", header
    return None, header
