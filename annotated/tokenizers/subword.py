"""Byte-level BPE subwords: one vocabulary for German and English, or for any text.

Byte-pair encoding (Sennrich et al., 2016) starts from single symbols and merges the most
frequent adjacent pair into a new symbol, over and over. With :math:`c(a, b)` the number of
times symbol :math:`a` is directly followed by :math:`b` in the training text (within a
pre-tokenized word), each step is

.. math::

    (a^\\star, b^\\star) = \\operatorname*{arg\\,max}_{(a, b)} c(a, b), \\qquad
    \\mathcal{V} \\leftarrow \\mathcal{V} \\cup \\{a^\\star b^\\star\\},

every occurrence of :math:`a^\\star b^\\star` in the text becomes the one new symbol, and the
counts are taken again, until :math:`|\\mathcal{V}| = V` (or no pair occurs twice). Encoding
replays the learned merges in order.

*Byte-level* (GPT-2's choice): the starting symbols are the 256 bytes of UTF-8, not
characters, so every string (umlauts, emoji, a script never seen in training) has an
encoding and no unknown token exists: what a user types is never silently replaced.

*One shared vocabulary*: the paper shares one BPE vocabulary of about 37,000 tokens between
source and target (section 5.1), which is what lets it tie the source embedding, the target
embedding and the pre-softmax projection into one matrix (section 3.4); German and English
share many subwords (names, numbers, ``-ung`` beside ``-ing``). Here a few thousand
suffice for a corpus of tens of thousands of sentences.

Normalisation (stored in ``tokenizer.json``, so a loaded tokenizer applies the same) is
Unicode NFC, then, unless ``collapse_whitespace=False``, every run of whitespace becomes one
space and the ends are stripped: right for sentences, wrong for a language model whose
newlines matter. :meth:`SubwordTokenizer.normalize` is the definition of normalised text,
and ``decode(encode(s)) == normalize(s)`` for every string ``s``. A language model's
tokenizer normalises nothing (``nfc=False, collapse_whitespace=False``): it writes the text
it read, byte for byte, so ``decode(encode(s)) == s``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from annotated.tokenizers.protocol import checked_ids
from annotated.tokenizers.vocabulary import END, PAD, SPECIALS, START
from annotated.training.files import CheckpointError, atomic_write

FILENAME = "tokenizer.json"  # the name a tokenizer has beside its checkpoint
MIN_VOCAB = len(SPECIALS) + 256  # the special tokens and one token per byte


def _byte_symbols() -> dict[str, int]:
    """GPT-2's byte-level alphabet: the printable character that stands for each byte.

    Printable Latin-1 bytes stand for themselves; the others (control characters, space)
    are shifted to code points from 256 on, so that a space shows as ``Ġ``.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    shifted = [b for b in range(256) if b not in printable]
    symbols = {chr(b): b for b in printable}
    symbols |= {chr(256 + n): b for n, b in enumerate(shifted)}
    return symbols


BYTE_OF_SYMBOL = _byte_symbols()


def unicode_text(text: str) -> str:
    """``text``, checked to be Unicode text: a lone surrogate has no UTF-8 bytes to encode."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"text has a lone surrogate {text[error.start]!r} at {error.start}, which is not "
                "Unicode text; decode the input bytes with errors='replace'"
            ) from None
    return text


class SubwordTokenizer:
    """A byte-level BPE tokenizer with ``<pad>``, ``<s>``, ``</s>`` at ids 0, 1, 2.

    Build one with :meth:`train` or :meth:`load`; the constructor wraps a Hugging Face
    :class:`tokenizers.Tokenizer` and checks that it has this layout. Training merges the
    most frequent adjacent pair of symbols, :math:`V - 259` times (after the specials and the
    256 bytes):

    .. math::

        (a^\\star, b^\\star) = \\operatorname*{arg\\,max}_{(a, b)} c(a, b), \\qquad
        \\mathcal{V} \\leftarrow \\mathcal{V} \\cup \\{a^\\star b^\\star\\}

    Parameters
    ----------
    backend : tokenizers.Tokenizer
        A byte-level BPE whose first three ids are ``<pad>``, ``<s>``, ``</s>``.

    Examples
    --------
    >>> from annotated.tokenizers import SubwordTokenizer
    >>> lines = ["Wählen Sie eine Linienfarbe aus.", "Choose a line colour."] * 50
    >>> tok = SubwordTokenizer.train(lines, vocab_size=300)
    >>> tok.vocab_size <= 300, (tok.pad, tok.start, tok.end)
    (True, (0, 1, 2))
    >>> tok.tokens("Wählen Sie  eine Farbe!")
    ['Wählen', ' Sie', ' eine', ' ', 'F', 'ar', 'be', '!']
    >>> tok.decode(tok.encode("Grüße 😀  aus\\nKöln")), tok.decode([1, *tok.encode("aus"), 2, 0])
    ('Grüße 😀 aus Köln', 'aus')
    """

    def __init__(self, backend: Tokenizer) -> None:
        found = [backend.id_to_token(i) for i in range(len(SPECIALS))]
        layout = json.loads(backend.to_str())
        kinds = [(layout.get(part) or {}).get("type") for part in ("pre_tokenizer", "decoder")]
        model = layout["model"]
        byte_level = model.get("type") == "BPE" and kinds == ["ByteLevel", "ByteLevel"]
        if tuple(found) != SPECIALS or not byte_level or model.get("unk_token"):
            raise ValueError(
                f"not a byte-level BPE with {', '.join(SPECIALS)} at ids 0, 1, 2 (found "
                f"{found}); train one with SubwordTokenizer.train"
            )
        # "<s>" typed by a user is text, not the start token: specials never come from text
        backend.encode_special_tokens = True
        self.backend = backend

    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        vocab_size: int,
        *,
        collapse_whitespace: bool = True,
        nfc: bool = True,
        min_frequency: int = 2,
    ) -> SubwordTokenizer:
        """Learn a vocabulary of at most ``vocab_size`` tokens from ``texts``.

        Parameters
        ----------
        texts : iterable of str
            The training text, e.g. the training split's sentences of both languages (never
            the validation or test split, whose scores would then flatter the model).
        vocab_size : int
            :math:`V`, at least 259 (the three special tokens and the 256 bytes).
        collapse_whitespace : bool
            Normalise every run of whitespace to one space and strip the ends (sentences);
            ``False`` keeps whitespace as it is (a language model's newlines).
        nfc : bool
            Compose characters (Unicode NFC) first, so ``u`` + combining diaeresis and ``ü``
            are one spelling; ``False`` keeps the text as it is.
        min_frequency : int
            A pair seen fewer times is never merged: a merge learned from one occurrence
            fits the training text, not the language.
        """
        if vocab_size < MIN_VOCAB:
            raise ValueError(
                f"vocab_size must be at least {MIN_VOCAB} (3 special tokens and 256 bytes), "
                f"got {vocab_size}"
            )
        steps: list[normalizers.Normalizer] = [normalizers.NFC()] if nfc else []
        if collapse_whitespace:
            steps += [normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip()]
        backend = Tokenizer(models.BPE())
        backend.normalizer = normalizers.Sequence(steps)
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        backend.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            special_tokens=list(SPECIALS),
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        backend.train_from_iterator(texts, trainer)
        return cls(backend)

    @classmethod
    def load(cls, path: Path | str) -> SubwordTokenizer:
        """The tokenizer saved at ``path`` (a ``tokenizer.json``).

        Raises
        ------
        CheckpointError
            ``"<path>: <problem>"`` for a missing, unreadable or foreign file.
        """
        path = Path(path)
        if not path.is_file():
            raise CheckpointError(f"{path}: no such file; save a trained tokenizer there first")
        try:
            backend = Tokenizer.from_str(path.read_text(encoding="utf-8"))
            return cls(backend)
        except Exception as error:  # tokenizers raises a bare Exception for a malformed file
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise CheckpointError(f"{path}: not a tokenizer.json of annotated ({detail})") from None

    def save(self, path: Path | str) -> None:
        """Write the tokenizer to ``path`` (conventionally ``tokenizer.json``), atomically."""
        path = Path(path)
        if path.is_dir():
            raise ValueError(f"{path} is a directory; give the file, e.g. {path / FILENAME}")
        atomic_write(path, self.backend.to_str(pretty=True).encode("utf-8"))

    @property
    def vocab_size(self) -> int:
        """:math:`V`, the number of token ids, special tokens included."""
        return int(self.backend.get_vocab_size(with_added_tokens=True))

    @property
    def pad(self) -> int:
        """Id of ``<pad>`` (0), the id every mask of the package treats as padding."""
        return PAD

    @property
    def start(self) -> int:
        """Id of ``<s>`` (1), the decoder's first input."""
        return START

    @property
    def end(self) -> int:
        """Id of ``</s>`` (2), which ends every target."""
        return END

    def normalize(self, text: str) -> str:
        """``text`` as the tokenizer sees it (NFC, and whitespace collapsed if trained so)."""
        normalizer = self.backend.normalizer
        return text if normalizer is None else str(normalizer.normalize_str(unicode_text(text)))

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``, without special tokens."""
        return list(self.backend.encode(unicode_text(text), add_special_tokens=False).ids)

    def encode_tensor(self, text: str) -> torch.Tensor:
        """``text`` as a ``(seq,)`` int64 tensor of token ids (a language model's stream)."""
        return torch.tensor(self.encode(text), dtype=torch.int64)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """The token ids of each of ``texts``, encoded in parallel by the Rust backend."""
        encodings = self.backend.encode_batch(
            [unicode_text(t) for t in texts], add_special_tokens=False
        )
        return [list(e.ids) for e in encodings]

    def decode(self, ids: Iterable[int] | torch.Tensor) -> str:
        """The text of ``ids`` (a list or a ``(seq,)`` tensor); ``<pad>``, ``<s>``, ``</s>`` dropped."""
        values = checked_ids(ids, self.vocab_size)
        return str(self.backend.decode(values, skip_special_tokens=True))

    @cached_property
    def pieces(self) -> list[str]:
        """The readable text of each token id: the specials' names, then each token's bytes.

        A token that holds part of a character's UTF-8 bytes shows ``�`` for the part.
        """
        pieces = list(SPECIALS)
        for i in range(len(SPECIALS), self.vocab_size):
            data = bytes(BYTE_OF_SYMBOL[c] for c in self.backend.id_to_token(i) or "")
            pieces.append(data.decode("utf-8", errors="replace"))
        return pieces

    def tokens(self, text: str) -> list[str]:
        """The readable text of each token of ``text``: ``" world"``, not ``"Ġworld"``.

        The pieces join to ``normalize(text)``. A character whose UTF-8 bytes are split
        across tokens (an emoji, say) is shown on the token that completes it; the tokens
        before show ``""``. For the axes of attention heatmaps.
        """
        decoder = codecs.getincrementaldecoder("utf-8")()  # the tokens' bytes are valid UTF-8
        tokens = self.backend.encode(unicode_text(text), add_special_tokens=False).tokens
        return [decoder.decode(bytes(BYTE_OF_SYMBOL[c] for c in token)) for token in tokens]
