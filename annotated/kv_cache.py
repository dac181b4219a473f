"""A key/value cache for incremental decoding.

When a decoder generates token :math:`t+1`, the keys and values of tokens
:math:`1 \\dots t` are the same as one step earlier (causality: no earlier position sees a
later one). Keeping them turns each step from a pass over the whole prefix,
:math:`O(t \\cdot d^2)` for the projections, into a pass over one token, :math:`O(d^2)`,
plus its attention over the :math:`t` cached keys.

The cache also tracks *absolute* positions: a new token is at position ``seen`` (the number
of tokens that came before it), not at 0 -- forgetting this is the classic cache bug.

With ``window`` set the cache keeps only the latest ``window`` tokens: *sliding-window
attention* (as in Longformer and Mistral), meaningful with relative positions (RoPE, ALiBi),
whose scores depend on distances alone. It is not the same as re-running the model on the
last ``window`` tokens once there are two or more layers: a cached key in layer 2 was
computed when older tokens were still in view. :func:`~annotated.generate` therefore
re-encodes the window past ``max_len`` rather than rolling the cache.
"""

from __future__ import annotations

import torch


class KVCache:
    """The cached keys and values of one attention layer.

    Appending the new tokens' keys and values extends the cache along the sequence:

    .. math::

        K \\leftarrow \\begin{bmatrix} K \\\\ K_{new} \\end{bmatrix}, \\qquad
        V \\leftarrow \\begin{bmatrix} V \\\\ V_{new} \\end{bmatrix}

    Parameters
    ----------
    window : int, optional
        Keep at most this many tokens, dropping the oldest (a sliding window).

    Examples
    --------
    >>> cache = KVCache()
    >>> k = v = torch.randn(1, 2, 3, 4)             # (batch, heads, seq, d_k)
    >>> keys, values = cache.append(k, v)
    >>> cache.seen, keys.shape
    (3, torch.Size([1, 2, 3, 4]))
    >>> keys, values = cache.append(k[:, :, :1], v[:, :, :1])
    >>> cache.seen, keys.shape, cache.key_positions.tolist()
    (4, torch.Size([1, 2, 4, 4]), [0, 1, 2, 3])
    """

    def __init__(self, window: int | None = None) -> None:
        if window is not None and window < 1:
            raise ValueError(f"window must be positive, got {window}")
        self.window = window
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
        if self.window is not None and len(self) > self.window:
            self.keys = self.keys[..., -self.window :, :]
            self.values = self.values[..., -self.window :, :]
        return self.keys, self.values
