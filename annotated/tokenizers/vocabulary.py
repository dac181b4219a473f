"""The vocabulary convention shared by the synthetic tasks.

Every task's vocabulary is the same three special tokens followed by the task's symbols:

.. math::

    \\underbrace{\\texttt{<pad>}}_{0},\\ \\underbrace{\\texttt{<s>}}_{1},\\
    \\underbrace{\\texttt{</s>}}_{2},\\ \\underbrace{s_1}_{3},\\ \\dots,\\
    \\underbrace{s_n}_{n + 2}

Padding is index 0 because every mask in the package defaults to ``pad=0``; the start and end
tokens are distinct from every symbol, so a decoder can always tell "the answer is over"
from "the answer contains this symbol" (the original Annotated Transformer's copy task used
the symbol 1 as its start token, so 1 could never be copied).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PAD, START, END = 0, 1, 2
SPECIALS = ("<pad>", "<s>", "</s>")


@dataclass(frozen=True)
class Vocabulary:
    """The special tokens then ``symbols``; a symbol's index is its position in :attr:`tokens`.

    Parameters
    ----------
    symbols : tuple of str
        The task's symbols, distinct, none of them a special token.

    Examples
    --------
    >>> from annotated import Vocabulary
    >>> vocab = Vocabulary(tuple("0123456789"))
    >>> len(vocab), vocab.pad, vocab.start, vocab.end
    (13, 0, 1, 2)
    >>> vocab.encode(["3", "1", "4"])
    [6, 4, 7]
    >>> vocab.decode([1, 6, 4, 7, 2, 0, 0])          # stops at </s>, skips <s> and <pad>
    ['3', '1', '4']
    >>> vocab.encode(["x"])
    Traceback (most recent call last):
    ...
    ValueError: 'x' is not in the vocabulary (symbols: 0 1 2 3 4 5 6 7 8 9)
    """

    symbols: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.symbols:
            raise ValueError("a vocabulary needs at least one symbol")
        clash = [s for s in self.symbols if s in SPECIALS or not s]
        if clash:
            raise ValueError(f"symbols may not be empty or special tokens, got {clash}")
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError(f"symbols must be distinct, got {self.symbols}")

    @property
    def tokens(self) -> tuple[str, ...]:
        """Every token in index order: the specials, then the symbols."""
        return SPECIALS + self.symbols

    @property
    def pad(self) -> int:
        """Index of ``<pad>`` (0)."""
        return PAD

    @property
    def start(self) -> int:
        """Index of ``<s>``, the decoder's first input (1)."""
        return START

    @property
    def end(self) -> int:
        """Index of ``</s>``, which ends every target (2)."""
        return END

    def __len__(self) -> int:
        return len(SPECIALS) + len(self.symbols)

    def encode(self, symbols: Sequence[str]) -> list[int]:
        """Indices of ``symbols``; an unknown symbol is a ``ValueError`` that names it."""
        index = {s: i for i, s in enumerate(self.tokens)}
        out = []
        for s in symbols:
            if s not in index or s in SPECIALS:
                raise ValueError(
                    f"{s!r} is not in the vocabulary (symbols: {' '.join(self.symbols)})"
                )
            out.append(index[s])
        return out

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Symbols of ``ids`` up to the first ``</s>``; ``<s>`` and ``<pad>`` are skipped."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self):
                raise ValueError(f"token index {i} is out of range for a vocabulary of {len(self)}")
            if i == END:
                break
            if i >= len(SPECIALS):
                out.append(self.tokens[i])
        return out
