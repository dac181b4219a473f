"""What a language model asks of a tokenizer: text to ids, ids to text, and the ids' names.

A language model is trained on a token stream :math:`d = \\mathrm{encode}(x)` and writes text
:math:`\\mathrm{decode}(y)`; everything else it does (batches, the loss, sampling) sees only
integers below :math:`V`. So the language-model code depends on this interface and nothing
more, and characters (:class:`~annotated.tokenizers.CharTokenizer`), byte-level BPE
(:class:`~annotated.tokenizers.SubwordTokenizer`) and GPT-2's ranks
(:class:`~annotated.tokenizers.TiktokenTokenizer`) are interchangeable:

.. math::

    \\mathrm{encode} : \\Sigma^\\ast \\to \\{0, \\dots, V - 1\\}^\\ast, \\qquad
    \\mathrm{decode}(\\mathrm{encode}(x)) = x

for every text :math:`x` the tokenizer accepts (a character tokenizer accepts only strings
over its alphabet and names the characters it lacks; the byte-level ones accept any string).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class TextTokenizer(Protocol):
    """The tokenizer of a language model.

    Examples
    --------
    >>> from annotated.tokenizers import CharTokenizer, TextTokenizer
    >>> tok = CharTokenizer.from_text("to be")
    >>> isinstance(tok, TextTokenizer), tok.pieces[tok.encode("b")[0]]
    (True, 'b')
    """

    @property
    def vocab_size(self) -> int:
        """:math:`V`: every id is in ``[0, V)``."""
        ...

    @property
    def pieces(self) -> list[str]:
        """The readable text of each token id, in id order (axes and labels of figures)."""
        ...

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``; text the tokenizer cannot encode is a ``ValueError``."""
        ...

    def encode_tensor(self, text: str) -> torch.Tensor:
        """``text`` as a ``(seq,)`` int64 tensor."""
        ...

    def decode(self, ids: Iterable[int] | torch.Tensor) -> str:
        """The text of ``ids`` (a list or a ``(seq,)`` tensor)."""
        ...


def checked_ids(ids: Iterable[int] | torch.Tensor, vocab_size: int) -> list[int]:
    """``ids`` as a list of ints, each checked to be in ``[0, vocab_size)``.

    Examples
    --------
    >>> import torch
    >>> from annotated.tokenizers.protocol import checked_ids
    >>> checked_ids(torch.tensor([3, 1]), 5)                  # a (seq,) tensor
    [3, 1]
    >>> checked_ids([5], 5)
    Traceback (most recent call last):
    ...
    ValueError: token id 5 is out of range for a vocabulary of 5
    """
    values = ids.tolist() if isinstance(ids, torch.Tensor) else [int(i) for i in ids]
    bad = [i for i in values if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(f"token id {bad[0]} is out of range for a vocabulary of {vocab_size}")
    return values


def decode_stream(
    tokenizer: TextTokenizer, tokens: Iterable[int | torch.Tensor], *, hold: int = 4
) -> Iterator[str]:
    """The text of a stream of tokens, piece by piece, each as soon as it is whole.

    A byte-level token can end inside a character's UTF-8 bytes; its text then ends in
    ``�`` until the next tokens complete it, so such a piece waits for them (for at most
    ``hold`` tokens: a model can sample bytes that never make a character). A character
    tokenizer's pieces are its tokens' characters, one each.

    Parameters
    ----------
    tokenizer : TextTokenizer
        The model's tokenizer.
    tokens : iterable of int or torch.Tensor
        Token ids, or ``(1,)`` tensors as :func:`~annotated.generate_stream` yields them.
    hold : int
        The most tokens a piece waits for.

    Examples
    --------
    >>> from annotated.tokenizers import CharTokenizer
    >>> from annotated.tokenizers.protocol import decode_stream
    >>> tok = CharTokenizer.from_text("to be")
    >>> list(decode_stream(tok, tok.encode("be to")))
    ['b', 'e', ' ', 't', 'o']
    """
    pending: list[int] = []
    for token in tokens:
        pending += token.tolist() if isinstance(token, torch.Tensor) else [int(token)]
        text = tokenizer.decode(pending)
        if not text.endswith("\ufffd") or len(pending) >= hold:
            yield text
            pending = []
    if pending:
        yield tokenizer.decode(pending)
