"""Position schemes: how a permutation-blind attention layer learns word order.

Two families. *Absolute* schemes add a vector to each token's embedding once
(:class:`PositionalEncoding`, :class:`LearnedPositionalEncoding`). *Relative* schemes act
inside every self-attention layer (:class:`RotaryEmbedding`, :class:`ALiBi`) through the
:class:`AttentionPositions` hook. :func:`make_positions` builds either from a config switch.
"""

from __future__ import annotations

from torch import nn

from annotated.config import check_choice
from annotated.dropout import Dropout
from annotated.positional.alibi import ALiBi, alibi_slopes
from annotated.positional.learned import LearnedPositionalEncoding
from annotated.positional.relative import AttentionPositions
from annotated.positional.rope import RotaryEmbedding
from annotated.positional.sinusoidal import PositionalEncoding, sinusoidal_table

__all__ = [
    "ALiBi",
    "AttentionPositions",
    "LearnedPositionalEncoding",
    "PositionalEncoding",
    "RotaryEmbedding",
    "alibi_slopes",
    "make_positions",
    "sinusoidal_table",
]


def make_positions(
    kind: str, d_model: int, h: int, dropout: float, max_len: int
) -> tuple[nn.Module, AttentionPositions | None]:
    """Build a position scheme: the module applied after the embeddings, and the attention hook.

    Absolute schemes return ``(encoding, None)``; relative ones return
    ``(Dropout, hook)``, the hook to be shared by every self-attention layer; ``"none"``
    returns ``(Dropout, None)``.

    Examples
    --------
    >>> from annotated.positional import make_positions
    >>> after_embedding, hook = make_positions("rope", d_model=16, h=4, dropout=0.1, max_len=64)
    >>> after_embedding, hook
    (Dropout(p=0.1, inplace=False), RotaryEmbedding())
    >>> make_positions("sinusoidal", 16, 4, 0.1, 64)[1] is None
    True
    """
    check_choice("positions", kind)
    if kind == "sinusoidal":
        return PositionalEncoding(d_model, dropout, max_len), None
    if kind == "learned":
        return LearnedPositionalEncoding(d_model, dropout, max_len), None
    hook: AttentionPositions | None = None
    if kind == "rope":
        hook = RotaryEmbedding(d_model // h)
    elif kind == "alibi":
        hook = ALiBi(h)
    return Dropout(dropout), hook
