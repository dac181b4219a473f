"""GPT-2's tokenizer from its ranks file, loaded offline through ``tiktoken``.

A ranks file (``gpt2.tiktoken``, shipped for instance inside the ``openai-whisper`` package)
lists GPT-2's 50,256 byte-level BPE tokens, one a line: the token's bytes in base64 and its
rank. The rank is both the token's id and the order of the merges. Encoding a pre-token
(GPT-2's regular expression cuts the text into words, numbers, punctuation runs and spaces)
starts from its bytes :math:`s_1 \\dots s_m` and merges, again and again, the adjacent pair
whose concatenation has the lowest rank :math:`r`:

.. math::

    i^\\star = \\operatorname*{arg\\,min}_{i} r(s_i s_{i+1}), \\qquad
    s_{i^\\star} \\leftarrow s_{i^\\star} s_{i^\\star + 1},

until no adjacent pair is a token. Every single byte is a token, so every string encodes,
with no unknown token. GPT-2's one special token, ``<|endoftext|>``, takes the id after
the last rank (50,256); text that spells it is encoded as text.

Nothing is downloaded: the file is read from the path given, and ``tiktoken`` (an optional
dependency, ``pip install 'annotated[tiktoken]'``) only runs the merges.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import torch

from annotated.tokenizers.protocol import checked_ids
from annotated.tokenizers.subword import unicode_text
from annotated.training.files import atomic_write

FILENAME = "tokenizer.tiktoken"  # the name of the ranks file beside a checkpoint


def _tiktoken() -> Any:
    """The ``tiktoken`` module, or a one-line error saying how to install it."""
    try:
        import tiktoken
    except ImportError:
        raise ValueError(
            "--tokenizer tiktoken:PATH needs the tiktoken package: pip install 'annotated[tiktoken]'"
        ) from None
    return tiktoken


def read_ranks(path: Path | str) -> dict[bytes, int]:
    """The ranks of the file at ``path``: ``BASE64-TOKEN RANK`` on each line.

    The ranks must be :math:`0, \\dots, n - 1`, each once, and include the 256 single bytes.

    Raises
    ------
    ValueError
        ``"<path>: <problem>"`` for a missing, unreadable or malformed file.

    Examples
    --------
    >>> import base64, pathlib, tempfile
    >>> from annotated.tokenizers.tiktoken_ranks import read_ranks
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ranks.tiktoken"
    >>> _ = path.write_text("".join(f"{base64.b64encode(bytes([b])).decode()} {b}\\n"
    ...                             for b in range(256)))
    >>> len(read_ranks(path))
    256
    >>> _ = path.write_text("not a ranks file\\n")
    >>> read_ranks(path)
    Traceback (most recent call last):
    ...
    ValueError: ...ranks.tiktoken: not a tiktoken ranks file (line 1 is not 'BASE64-TOKEN RANK')
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file (a tiktoken ranks file such as gpt2.tiktoken)")
    ranks: dict[bytes, int] = {}
    for n, line in enumerate(path.read_bytes().splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            if len(parts) != 2:
                raise ValueError
            token, rank = base64.b64decode(parts[0], validate=True), int(parts[1])
        except (ValueError, binascii.Error):
            raise ValueError(
                f"{path}: not a tiktoken ranks file (line {n} is not 'BASE64-TOKEN RANK')"
            ) from None
        if not token or token in ranks:
            raise ValueError(
                f"{path}: not a tiktoken ranks file (line {n}: empty or repeated token)"
            )
        ranks[token] = rank
    if sorted(ranks.values()) != list(range(len(ranks))):
        raise ValueError(
            f"{path}: not a tiktoken ranks file (the ranks are not 0 to n - 1, each once)"
        )
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise ValueError(
            f"{path}: not a byte-level ranks file ({len(missing)} of the 256 bytes have no token)"
        )
    return ranks


class TiktokenTokenizer:
    """GPT-2's byte-level BPE, run by ``tiktoken`` from a ranks file.

    Parameters
    ----------
    ranks : dict of bytes to int
        Each token's bytes and rank (:func:`read_ranks`).

    Examples
    --------
    >>> import base64, pathlib, tempfile
    >>> from annotated.tokenizers import TiktokenTokenizer
    >>> tokens = [bytes([b]) for b in range(256)] + [b"to", b" b", b" be"]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.tiktoken"
    >>> _ = path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\\n"
    ...                             for r, t in enumerate(tokens)))
    >>> tok = TiktokenTokenizer.load(path)
    >>> tok.vocab_size, [tok.pieces[i] for i in tok.encode("to be")]   # 259 ranks + <|endoftext|>
    (260, ['to', ' be'])
    >>> tok.decode(tok.encode("tö bé 😀")), tok.encode_tensor("to be").shape    # (seq,)
    ('tö bé 😀', torch.Size([2]))
    """

    def __init__(self, ranks: dict[bytes, int]) -> None:
        tiktoken = _tiktoken()
        from tiktoken_ext.openai_public import ENDOFTEXT, r50k_pat_str  # GPT-2's pattern

        self.ranks = ranks
        self.encoding = tiktoken.Encoding(
            "gpt2", pat_str=r50k_pat_str, mergeable_ranks=ranks,
            special_tokens={ENDOFTEXT: len(ranks)},
        )  # fmt: skip

    @classmethod
    def load(cls, path: Path | str) -> TiktokenTokenizer:
        """The tokenizer of the ranks file at ``path`` (see :func:`read_ranks`)."""
        _tiktoken()  # the missing package is the first thing to say
        return cls(read_ranks(path))

    def save(self, path: Path | str) -> None:
        """Write the ranks to ``path`` in the ranks-file format, in rank order, atomically."""
        in_order = sorted(self.ranks.items(), key=lambda item: item[1])
        atomic_write(Path(path), b"".join(base64.b64encode(t) + b" %d\n" % r for t, r in in_order))

    @property
    def vocab_size(self) -> int:
        """:math:`V`: the ranks and ``<|endoftext|>`` (50,257 for GPT-2)."""
        return int(self.encoding.n_vocab)

    @cached_property
    def pieces(self) -> list[str]:
        """The readable text of each token id; part of a character's bytes shows as ``�``."""
        token_bytes = self.encoding.decode_single_token_bytes
        return [token_bytes(i).decode("utf-8", errors="replace") for i in range(self.vocab_size)]

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``; ``<|endoftext|>`` in the text is text, not the special id."""
        return list(self.encoding.encode_ordinary(unicode_text(text)))

    def encode_tensor(self, text: str) -> torch.Tensor:
        """``text`` as a ``(seq,)`` int64 tensor of token ids."""
        return torch.tensor(self.encode(text), dtype=torch.int64)

    def decode(self, ids: Iterable[int] | torch.Tensor) -> str:
        """The text of ``ids`` (a list or a ``(seq,)`` tensor)."""
        values = checked_ids(ids, self.vocab_size)
        return str(self.encoding.decode(values))
