"""Multi-head attention (paper section 3.2.2).

Instead of one attention over :math:`d_{model}`-wide vectors, :math:`h` heads each attend
over a :math:`d_k = d_{model} / h`-wide projection, and their outputs are concatenated and
projected back (:class:`MultiHeadedAttention` gives the equation). The :math:`h`
projections of size :math:`d_k` are stored as one :math:`d_{model} \\times d_{model}` matrix
and split by a reshape, so all heads are computed by one matrix product; the total cost
equals one full-width head, yet each head can attend to a different position for a
different reason.

Two paths compute the same thing. When a plot needs the weights
(:func:`record_attention`), the explicit :func:`~annotated.attention` runs and the weights are
kept in ``.attn``. Otherwise PyTorch's fused ``scaled_dot_product_attention`` runs, which
never materialises them and is faster; tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from annotated._checks import check_float, check_mask
from annotated.attention import attention
from annotated.dropout import Dropout
from annotated.kv_cache import KVCache
from annotated.positional.relative import AttentionPositions


class MultiHeadedAttention(nn.Module):
    """Project into :math:`h` heads, attend in each, concatenate, project back (section 3.2.2).

    .. math::

        \\mathrm{MultiHead}(Q, K, V) = \\mathrm{Concat}(\\mathrm{head}_1, \\dots,
        \\mathrm{head}_h) W^O, \\qquad
        \\mathrm{head}_i = \\mathrm{softmax}\\left(
            \\frac{Q W^Q_i \\, (K W^K_i)^\\top}{\\sqrt{d_k}}\\right) V W^V_i

    with :math:`d_k = d_{model} / h`, and each projection carrying a bias when ``bias`` is
    set. ``query`` is ``(batch, seq_q, d_model)``, ``key`` and ``value``
    ``(batch, seq_k, d_model)``; each head works on ``(batch, h, seq, d_k)`` and the result
    is ``(batch, seq_q, d_model)``. A mask sets excluded scores to :math:`-\\infty` before
    the softmax, and ``positions`` rotates :math:`Q, K` (RoPE) or adds a bias to the scores
    (ALiBi). Several narrow heads cost as much as one full-width head, yet each can attend
    to a different position for a different reason.

    With ``qk_norm``, each head's query and key are normalised to unit RMS over its
    :math:`d_k` features right after the projection, before RoPE:

    .. math::

        q \\leftarrow \\frac{q}{\\mathrm{rms}(q)}, \\quad
        k \\leftarrow \\frac{k}{\\mathrm{rms}(k)}, \\qquad
        \\mathrm{rms}(z) = \\sqrt{\\tfrac{1}{d_k} \\textstyle\\sum_i z_i^2 + \\epsilon}
        \\quad\\Longrightarrow\\quad
        \\left| \\frac{q \\cdot k}{\\sqrt{d_k}} \\right| \\le
        \\frac{\\lVert q \\rVert \\lVert k \\rVert}{\\sqrt{d_k}} \\le \\sqrt{d_k}

    since a unit-RMS vector has length at most :math:`\\sqrt{d_k}` (Cauchy-Schwarz; RoPE is a
    rotation and keeps the lengths). Without it a score grows with the weights
    :math:`W^Q, W^K`, and a high learning rate can push the softmax to one-hot, where its
    gradient vanishes (Dehghani et al. 2023 saw this at scale; modded-nanogpt adopted
    QK-norm alongside ReLU² and zero-initialised projections).

    Parameters
    ----------
    h : int
        Number of heads.
    d_model : int
        Model width; must be divisible by ``h``.
    dropout : float
        :math:`P_{drop}` on the attention weights.
    positions : AttentionPositions, optional
        A relative position scheme applied inside attention (RoPE, ALiBi).
    bias : bool
        Whether the four projections have biases.
    qk_norm : bool
        Normalise each head's query and key to unit RMS (no gain) before the scores.
    norm_eps : float
        :math:`\\epsilon` of that normalisation.

    Attributes
    ----------
    attn : torch.Tensor or None
        The last weights ``(batch, h, seq_q, seq_k)``, kept while :attr:`record_attn` is set.

    Examples
    --------
    >>> import torch
    >>> from annotated import MultiHeadedAttention, record_attention, subsequent_mask
    >>> mha = MultiHeadedAttention(h=4, d_model=32, dropout=0.0)
    >>> x = torch.randn(2, 5, 32)                     # (batch, seq, d_model)
    >>> mha(x, x, x).shape
    torch.Size([2, 5, 32])
    >>> with record_attention(mha):
    ...     _ = mha(x, x, x, mask=subsequent_mask(5))
    >>> mha.attn.shape                                # (batch, h, seq_q, seq_k)
    torch.Size([2, 4, 5, 5])
    >>> MultiHeadedAttention(h=3, d_model=32)
    Traceback (most recent call last):
    ...
    ValueError: d_model (32) must be divisible by h (3): each head gets d_model / h features
    """

    def __init__(
        self,
        h: int,
        d_model: int,
        dropout: float = 0.1,
        *,
        positions: AttentionPositions | None = None,
        bias: bool = True,
        qk_norm: bool = False,
        norm_eps: float = 1e-5,
    ) -> None:
        super().__init__()
        if h < 1 or d_model % h:
            raise ValueError(
                f"d_model ({d_model}) must be divisible by h ({h}): "
                "each head gets d_model / h features"
            )
        self.h = h
        self.d_k = d_model // h
        self.d_model = d_model
        self.w_q = nn.Linear(d_model, d_model, bias=bias)
        self.w_k = nn.Linear(d_model, d_model, bias=bias)
        self.w_v = nn.Linear(d_model, d_model, bias=bias)
        self.w_o = nn.Linear(d_model, d_model, bias=bias)
        self.dropout = Dropout(dropout)
        self.positions = positions
        self.qk_norm = qk_norm
        self.norm_eps = norm_eps
        self.record_attn = False
        self.attn: torch.Tensor | None = None

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor | None,
        value: torch.Tensor | None,
        mask: torch.Tensor | None = None,
        *,
        cache: KVCache | None = None,
        is_causal: bool = False,
    ) -> torch.Tensor:
        """Attend from ``query`` ``(batch, seq_q, d_model)`` to ``key``/``value`` ``(batch, seq_k, d_model)``.

        ``mask`` is bool ``(batch or 1, seq_q or 1, seq_k)``, True = may attend; it is shared by
        all heads. With a ``cache``, ``key`` and ``value`` are the new tokens only and the
        cached ones are prepended; with a cache and ``key = value = None``, the cached keys
        and values are read as they are (a memory projected once, by :meth:`cache_memory`).
        ``is_causal`` adds the causal mask :math:`n \\le m` for a query at absolute position
        :math:`m` and a key at :math:`n`, so it stays right with a cache; alone, it lets the
        fused kernel skip the masked half instead of reading a mask.
        Returns ``(batch, seq_q, d_model)``.
        """
        check_float("query", query, dim=3, last=self.d_model)
        if key is not None and value is not None:  # else a memory cache is read as it is
            check_float("key", key, dim=3, last=self.d_model)
            check_float("value", value, dim=3, last=self.d_model)
            if self.positions is not None and cache is None and key.size(1) != query.size(1):
                raise ValueError(
                    "relative positions (RoPE, ALiBi) compare positions within one sequence; "
                    f"got {query.size(1)} queries and {key.size(1)} keys (cross-attention?)"
                )
        batch = query.size(0)
        start = 0 if cache is None else cache.seen
        q = self._unit_rms(self._split_heads(self.w_q(query)))  # (batch, h, seq_q, d_k)
        query_pos = torch.arange(start, start + q.size(-2), device=q.device)  # absolute, (seq_q,)
        if key is None or value is None:
            k, v, key_pos = self._read_memory(cache, key, value, is_causal)
        else:
            k = self._unit_rms(self._split_heads(self.w_k(key)))  # (batch, h, seq_new, d_k)
            v = self._split_heads(self.w_v(value))  # (batch, h, seq_new, d_k)
            key_pos = torch.arange(start, start + k.size(-2), device=k.device)  # (seq_new,)
            if self.positions is not None:
                q, k = self.positions.rotate(q, query_pos), self.positions.rotate(k, key_pos)
            if cache is not None:
                k, v = cache.append(k, v)  # (batch, h, seq_k, d_k)
                key_pos = cache.key_positions  # (seq_k,)
        bias = None
        if self.positions is not None:
            bias = self.positions.bias(query_pos, key_pos)
            bias = None if bias is None else bias.to(q.dtype)
        mask, fused_causal = self._mask_rules(
            mask, batch, query_pos, key_pos, is_causal=is_causal, bias=bias
        )
        if self.record_attn:
            x, p_attn = attention(q, k, v, mask, self.dropout, bias=bias)
            self.attn = p_attn.detach()
        else:
            x = self._fused(q, k, v, mask, bias, is_causal=fused_causal)
        x = x.transpose(1, 2).reshape(
            batch, -1, self.d_model
        )  # concat heads: (batch, seq_q, d_model)
        return self.w_o(x)

    def cache_memory(self, memory: torch.Tensor) -> KVCache:
        """A :class:`~annotated.KVCache` holding the keys and values of ``memory``, projected once.

        Cross-attention reads the same encoder output :math:`m` ``(batch, src_len, d_model)``
        at every decoding step, so :math:`m W^K` and :math:`m W^V` are computed here once and
        then read by ``forward(query, None, None, mask, cache=...)``.

        Examples
        --------
        >>> import torch
        >>> from annotated import MultiHeadedAttention
        >>> mha = MultiHeadedAttention(h=2, d_model=8, dropout=0.0)
        >>> memory, y = torch.randn(1, 5, 8), torch.randn(1, 1, 8)   # (batch, seq, d_model)
        >>> cache = mha.cache_memory(memory)
        >>> cache.keys.shape                                          # (batch, h, src_len, d_k)
        torch.Size([1, 2, 5, 4])
        >>> torch.allclose(mha(y, None, None, cache=cache), mha(y, memory, memory), atol=1e-6)
        True
        """
        check_float("memory", memory, dim=3, last=self.d_model)
        if self.positions is not None:
            raise ValueError(
                "a memory cache is for cross-attention, which takes no position scheme"
            )
        cache = KVCache()
        cache.append(
            self._unit_rms(self._split_heads(self.w_k(memory))),
            self._split_heads(self.w_v(memory)),
        )  # (batch, h, src_len, d_k) each
        return cache

    def _read_memory(
        self,
        cache: KVCache | None,
        key: torch.Tensor | None,
        value: torch.Tensor | None,
        is_causal: bool,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The keys, values ``(batch, h, seq_k, d_k)`` and key positions of a memory cache."""
        if key is not None or value is not None or cache is None or cache.keys is None:
            raise ValueError(
                "key and value may be None only together, with a filled cache to read "
                "(see cache_memory)"
            )
        if self.positions is not None or is_causal:
            raise ValueError("a memory cache is read without positions or a causal mask")
        assert cache.values is not None
        return cache.keys, cache.values, cache.key_positions

    def _mask_rules(
        self,
        mask: torch.Tensor | None,
        batch: int,
        query_pos: torch.Tensor,
        key_pos: torch.Tensor,
        *,
        is_causal: bool,
        bias: torch.Tensor | None,
    ) -> tuple[torch.Tensor | None, bool]:
        """The mask every head applies, ``(batch, 1, seq_q, seq_k)`` or None, and whether the
        fused kernel's own ``is_causal`` flag stands in for the causal part of it.

        The rules: the caller's mask is shared by all heads; one query is the newest token
        and sees every key, so it needs no causal mask; the fused kernel's causal flag aligns
        the square's top-left corners, so it is used only when there are as many keys as
        queries, no other mask or bias, and no weights to record; otherwise the causal mask
        :math:`n \\le m` is built from the absolute positions and joined to the caller's.
        """
        seq_q, seq_k = query_pos.numel(), key_pos.numel()
        if mask is not None:
            if mask.dim() != 3:
                raise ValueError(
                    f"mask must be (batch, seq_q, seq_k) with size-1 dimensions allowed, "
                    f"got shape {tuple(mask.shape)}"
                )
            mask = mask.unsqueeze(1)  # the same mask for every head: (batch, 1, seq_q, seq_k)
            check_mask("mask", mask, (batch, self.h, seq_q, seq_k))
        if not is_causal or seq_q == 1:
            return mask, False
        if mask is None and bias is None and seq_k == seq_q and not self.record_attn:
            return None, True
        causal = key_pos <= query_pos[:, None]  # (seq_q, seq_k), True = may attend
        return (causal if mask is None else mask & causal), False

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, seq, d_model)`` -> ``(batch, h, seq, d_k)``."""
        return x.view(x.size(0), -1, self.h, self.d_k).transpose(1, 2)

    def _unit_rms(self, x: torch.Tensor) -> torch.Tensor:
        """Queries or keys ``(batch, h, seq, d_k)`` over their RMS per head, with ``qk_norm``."""
        return F.rms_norm(x, (self.d_k,), eps=self.norm_eps) if self.qk_norm else x

    def _fused(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        mask: torch.Tensor | None,
        bias: torch.Tensor | None,
        *,
        is_causal: bool = False,
    ) -> torch.Tensor:
        """PyTorch's fused kernel; fully masked rows come back as zeros (the bool-mask kernel
        already does this, a float mask needs the guard)."""
        dropout_p = self.dropout.p if self.training else 0.0
        if bias is None or mask is None:
            attn_mask = mask if bias is None else bias
            return F.scaled_dot_product_attention(
                q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal
            )
        # A float mask whose row is all -inf gives NaN: open such rows, then zero their output.
        empty = ~mask.any(-1, keepdim=True)  # (batch, 1, seq_q, 1)
        attn_mask = bias.masked_fill(~(mask | empty), float("-inf"))
        x = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=dropout_p)
        return x.masked_fill(empty, 0.0)


@contextmanager
def record_attention(model: nn.Module) -> Iterator[nn.Module]:
    """Within this block, every :class:`MultiHeadedAttention` in ``model`` keeps its weights.

    The explicit attention path runs and each module's ``.attn`` holds its last weights
    ``(batch, h, seq_q, seq_k)``; on exit the fused path is restored.

    Examples
    --------
    >>> import torch
    >>> from annotated import MultiHeadedAttention, record_attention
    >>> mha = MultiHeadedAttention(h=2, d_model=8)
    >>> with record_attention(mha):
    ...     _ = mha(torch.randn(1, 3, 8), torch.randn(1, 4, 8), torch.randn(1, 4, 8))
    >>> mha.attn.shape, mha.record_attn
    (torch.Size([1, 2, 3, 4]), False)
    """
    modules = [m for m in model.modules() if isinstance(m, MultiHeadedAttention)]
    before = [m.record_attn for m in modules]
    for m in modules:
        m.record_attn = True
    try:
        yield model
    finally:
        for m, flag in zip(modules, before, strict=True):
            m.record_attn = flag
