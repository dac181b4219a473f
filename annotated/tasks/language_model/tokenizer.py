"""The tokenizer of a language-model run: which one (``--tokenizer``), and where it is kept.

* ``char`` (the default): one token per character of the corpus. Its characters are the
  card's ``vocab``, so it needs no file.
* ``bpe``: a byte-level BPE of at most ``--bpe-vocab`` tokens
  (:class:`~annotated.tokenizers.SubwordTokenizer`), trained on the *training* split only
  (the validation text must not shape the vocabulary it is scored with), normalising
  nothing: a play's newlines and spellings are part of what the model writes.
* ``tiktoken:PATH``: GPT-2's ranks file (:class:`~annotated.tokenizers.TiktokenTokenizer`).

A subword tokenizer is a file beside the checkpoint (``tokenizer.json``, or a copy of the
ranks file as ``tokenizer.tiktoken``), written atomically, and the card's ``tokenizer``
entry names its kind, its file and the file's SHA-256 (for ``tiktoken`` also the path it
came from and that file's SHA-256). Loading checks the file against the entry, so weights
never meet a tokenizer other than the one they were trained with:

.. math::

    \\mathrm{load}(\\text{run}) \\text{ succeeds} \\implies
    \\mathrm{SHA256}(\\text{tokenizer file}) = c_{\\text{tokenizer.sha256}}

A resumed run loads the file instead of training again. A card without the entry (the
shipped model's, and every run before subword tokenizers) is a character model.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from annotated.tokenizers.char import CharTokenizer
from annotated.tokenizers.protocol import TextTokenizer
from annotated.tokenizers.subword import SubwordTokenizer
from annotated.tokenizers.tiktoken_ranks import TiktokenTokenizer
from annotated.training.files import CheckpointError

# the subword kinds: their class and the file they are kept in beside the checkpoint
FILES: dict[str, tuple[type[SubwordTokenizer] | type[TiktokenTokenizer], str]] = {
    "bpe": (SubwordTokenizer, "tokenizer.json"),
    "tiktoken": (TiktokenTokenizer, "tokenizer.tiktoken"),
}
CHAR = {"kind": "char"}  # the card entry of a character tokenizer


def parse_choice(choice: str) -> tuple[str, str | None]:
    """The kind of ``--tokenizer`` ``choice`` and, for ``tiktoken:PATH``, the path.

    Examples
    --------
    >>> from annotated.tasks.language_model.tokenizer import parse_choice
    >>> parse_choice("bpe"), parse_choice("tiktoken:/models/gpt2.tiktoken")
    (('bpe', None), ('tiktoken', '/models/gpt2.tiktoken'))
    >>> parse_choice("gpt2")
    Traceback (most recent call last):
    ...
    ValueError: --tokenizer 'gpt2': choose char, bpe or tiktoken:PATH (a GPT-2 ranks file)
    """
    if choice in ("char", "bpe"):
        return choice, None
    kind, _, path = choice.partition(":")
    if kind == "tiktoken" and path:
        return kind, path
    raise ValueError(
        f"--tokenizer {choice!r}: choose char, bpe or tiktoken:PATH (a GPT-2 ranks file)"
    )


def build_tokenizer(choice: str, text: str, train_text: str, bpe_vocab: int) -> TextTokenizer:
    """The tokenizer ``choice`` describes, for a corpus ``text`` whose training split is
    ``train_text``: the characters of ``text``, a BPE trained on ``train_text``, or the ranks
    file's."""
    kind, path = parse_choice(choice)
    if kind == "char":
        return CharTokenizer.from_text(text)
    if kind == "bpe":
        return SubwordTokenizer.train([train_text], bpe_vocab, collapse_whitespace=False, nfc=False)
    assert path is not None
    return TiktokenTokenizer.load(path)


def save_tokenizer(tokenizer: TextTokenizer, choice: str, directory: Path) -> dict[str, Any]:
    """Write a subword tokenizer's file into ``directory``; the card's ``tokenizer`` entry."""
    kind, source = parse_choice(choice)
    if kind == "char":
        return dict(CHAR)
    kind_class, name = FILES[kind]
    assert isinstance(tokenizer, kind_class)
    tokenizer.save(directory / name)
    entry = {"kind": kind, "file": name, "sha256": sha256(directory / name)}
    if source is not None:
        entry |= {"path": str(Path(source).resolve()), "source_sha256": sha256(Path(source))}
    return entry


def load_tokenizer(card: dict[str, Any], directory: Path, where: Path) -> TextTokenizer:
    """The tokenizer the ``card`` of a checkpoint in ``directory`` describes.

    ``where`` (the card's path) names the problem in every :class:`CheckpointError`.
    """
    entry = card.get("tokenizer") or CHAR
    kind = entry.get("kind") if isinstance(entry, dict) else None
    if kind == "char":
        return char_tokenizer(card.get("vocab"), where)
    if kind not in FILES:
        raise CheckpointError(f"{where}: unknown tokenizer {entry!r} (known: char, bpe, tiktoken)")
    kind_class, name = FILES[kind]
    file = directory / str(entry.get("file", name))
    if not file.is_file():
        raise CheckpointError(f"{where}: its {kind} tokenizer {file} is missing")
    if sha256(file) != entry.get("sha256"):
        raise CheckpointError(f"{file}: does not match the SHA-256 in {where.name} (replaced?)")
    try:
        return kind_class.load(file)
    except ValueError as error:  # the message names the file
        raise CheckpointError(str(error)) from None


def char_tokenizer(vocab: Any, where: Path) -> CharTokenizer:
    """The character tokenizer of a card's ``vocab``, which must be in token (sorted) order.

    Token *i* of the model means the *i*-th character of the card; a tokenizer that numbered
    them differently would make the model read and write nonsense.
    """
    if not isinstance(vocab, list) or not all(isinstance(c, str) for c in vocab):
        raise CheckpointError(f"{where}: the card has no character vocabulary")
    try:
        tokenizer = CharTokenizer(vocab)
    except ValueError as error:
        raise CheckpointError(f"{where}: invalid vocabulary ({error})") from None
    if tokenizer.chars != vocab:
        raise CheckpointError(f"{where}: the vocabulary is not in sorted, distinct order")
    return tokenizer


def sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path``, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
