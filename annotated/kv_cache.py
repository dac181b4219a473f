"""A key/value cache for incremental decoding.

When a decoder generates token :math:`t+1`, the keys and values of tokens
:math:`1 \\dots t` are the same as one step earlier (causality: no earlier position sees a
later one). Keeping them turns each step from a pass over the whole prefix,
:math:`O(t \\cdot d^2)` for the projections, into a pass over one token, :math:`O(d^2)`,
plus its attention over the :math:`t` cached keys.

The cache also tracks *absolute* positions: a new token is at position ``seen`` (the number
of tokens that came before it), not at 0 -- forgetting this is the classic cache bug.

Two uses: a decoder's self-attention appends each new token's keys and values; its
cross-attention fills one cache with the encoder output's keys and values before the first
step and reads it unchanged (:meth:`~annotated.MultiHeadedAttention.cache_memory`). Beam
search reorders the caches' rows as hypotheses are extended from other parents.
"""

from __future__ import annotations

import torch


class KVCache:
    """The cached keys and values of one attention layer.

    Appending the new tokens' keys and values extends the cache along the sequence:

    .. math::

        K \\leftarrow \\begin{bmatrix} K \\\\ K_{new} \\end{bmatrix}, \\qquad
        V \\leftarrow \\begin{bmatrix} V \\\\ V_{new} \\end{bmatrix}

    Examples
    --------
    >>> import torch
    >>> from annotated import KVCache
    >>> cache = KVCache()
    >>> k = v = torch.randn(1, 2, 3, 4)             # (batch, heads, seq, d_k)
    >>> keys, values = cache.append(k, v)
    >>> cache.seen, keys.shape
    (3, torch.Size([1, 2, 3, 4]))
    >>> keys, values = cache.append(k[:, :, :1], v[:, :, :1])
    >>> cache.seen, keys.shape, cache.key_positions.tolist()
    (4, torch.Size([1, 2, 4, 4]), [0, 1, 2, 3])
    """

    def __init__(self) -> None:
        self.keys: torch.Tensor | None = None
        self.values: torch.Tensor | None = None
        self.seen = 0

    def __len__(self) -> int:
        return 0 if self.keys is None else self.keys.size(-2)

    @property
    def key_positions(self) -> torch.Tensor:
        """Absolute positions of the cached keys, ``(len(self),)``."""
        device = None if self.keys is None else self.keys.device
        return torch.arange(self.seen - len(self), self.seen, device=device)

    def append(self, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add the new tokens' ``(batch, heads, seq_new, d_k)`` keys and values.

        Returns all cached keys and values, ``(batch, heads, len(self), d_k)``.
        """
        if self.keys is None or self.values is None:
            self.keys, self.values = keys, values
        else:
            self.keys = torch.cat((self.keys, keys), dim=-2)
            self.values = torch.cat((self.values, values), dim=-2)
        self.seen += keys.size(-2)
        return self.keys, self.values

    def reorder(self, index: torch.Tensor) -> None:
        """Keep the rows ``index`` ``(new_batch,)`` of the batch, in that order.

        Beam search calls it after each step: hypothesis :math:`j` now continues the one
        that was in row ``index[j]``, so it must see that row's keys and values.

        Examples
        --------
        >>> import torch
        >>> from annotated import KVCache
        >>> cache = KVCache()
        >>> keys = torch.arange(3.0).view(3, 1, 1, 1)         # (batch, heads, seq, d_k)
        >>> _ = cache.append(keys, keys)
        >>> cache.reorder(torch.tensor([2, 2, 0]))
        >>> cache.keys.flatten().tolist(), cache.seen
        ([2.0, 2.0, 0.0], 1)
        """
        if self.keys is None or self.values is None:
            return
        self.keys = self.keys.index_select(0, index)
        self.values = self.values.index_select(0, index)
