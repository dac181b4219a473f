"""Attention masks.

Every mask in this package is a boolean tensor with one convention:
**True = may attend**. A mask entry :math:`M_{ij}` says whether query position :math:`i`
may look at key position :math:`j`; attention adds :math:`-\\infty` where :math:`M_{ij}`
is False, so that position gets exactly zero weight.

Masks broadcast against the attention scores ``(batch, heads, seq_q, seq_k)``:

* a source (padding) mask is ``(batch, 1, src_len)``: the same for every query;
* a target mask is ``(batch, tgt_len, tgt_len)``: causal *and* padding.

The original Annotated Transformer's ``make_std_mask`` masked padded *keys* but left
padded *query* rows open; :func:`target_mask` closes those rows too, so a padded position
attends to nothing and its attention output is exactly zero.
"""

from __future__ import annotations

import torch

from annotated._checks import check_tokens


def subsequent_mask(size: int) -> torch.Tensor:
    """Causal mask: position :math:`i` may attend to positions :math:`j \\le i`.

    .. math::

        M_{ij} = [\\, j \\le i \\,]

    Parameters
    ----------
    size : int
        Sequence length.

    Returns
    -------
    torch.Tensor
        Bool ``(1, size, size)``, lower-triangular with a True diagonal.

    Examples
    --------
    >>> from annotated import subsequent_mask
    >>> subsequent_mask(3).int()
    tensor([[[1, 0, 0],
             [1, 1, 0],
             [1, 1, 1]]], dtype=torch.int32)
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    return torch.ones(1, size, size, dtype=torch.bool).tril()


def padding_mask(tokens: torch.Tensor, pad: int = 0) -> torch.Tensor:
    """Source mask: every query may attend to every non-padding key.

    .. math::

        M_{b,1,j} = [\\, x_{bj} \\ne \\text{pad} \\,]

    Parameters
    ----------
    tokens : torch.Tensor
        Integer ``(batch, seq)``.
    pad : int
        The padding index (0 by default).

    Returns
    -------
    torch.Tensor
        Bool ``(batch, 1, seq)``.

    Examples
    --------
    >>> import torch
    >>> from annotated import padding_mask
    >>> padding_mask(torch.tensor([[5, 6, 0]])).int()
    tensor([[[1, 1, 0]]], dtype=torch.int32)
    """
    check_tokens("tokens", tokens)
    return (tokens != pad).unsqueeze(-2)


def target_mask(tokens: torch.Tensor, pad: int = 0) -> torch.Tensor:
    """Decoder self-attention mask: causal, padded keys hidden, padded query rows closed.

    .. math::

        M_{b,i,j} = [\\, j \\le i \\,] \\wedge [\\, y_{bj} \\ne \\text{pad} \\,]
                    \\wedge [\\, y_{bi} \\ne \\text{pad} \\,]

    The last factor is what the original's ``make_std_mask`` left out: a padded query row
    is fully masked, so its attention output is zero rather than an average of real tokens.

    Parameters
    ----------
    tokens : torch.Tensor
        Integer ``(batch, seq)``.
    pad : int
        The padding index (0 by default).

    Returns
    -------
    torch.Tensor
        Bool ``(batch, seq, seq)``.

    Examples
    --------
    >>> import torch
    >>> from annotated import target_mask
    >>> target_mask(torch.tensor([[1, 7, 0]]))[0].int()
    tensor([[1, 0, 0],
            [1, 1, 0],
            [0, 0, 0]], dtype=torch.int32)
    """
    check_tokens("tokens", tokens)
    real = tokens != pad
    return (
        subsequent_mask(tokens.size(-1)).to(tokens.device) & real.unsqueeze(-2) & real.unsqueeze(-1)
    )
