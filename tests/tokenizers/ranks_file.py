"""A tiny tiktoken ranks file the tests write themselves (no GPT-2 file is needed or fetched).

The format of ``gpt2.tiktoken``: one token a line, its bytes in base64 and its rank. The
256 single bytes come first (so every string encodes), then a few merges of the plays.
"""

from __future__ import annotations

import base64
from pathlib import Path

MERGES = [
    b"th", b"the", b" t", b" the", b"ou", b" w", b"er", b"Ro", b"Rom", b"Rome", b"Romeo",
    b"in", b"ing", b"an", b"and", b" and", b"\n\n", b"O ", b"or", b" to", b" be",
]  # fmt: skip
TOKENS = [bytes([b]) for b in range(256)] + MERGES


def write_ranks(path: Path, tokens: list[bytes] = TOKENS) -> Path:
    """Write ``tokens`` (rank = position) as a ranks file at ``path``; the path."""
    path.write_bytes(b"".join(base64.b64encode(t) + b" %d\n" % r for r, t in enumerate(tokens)))
    return path
