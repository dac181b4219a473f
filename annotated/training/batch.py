"""A batch of source and target sequences with their masks (the original's ``Batch``).

Teacher forcing shifts the target by one: the decoder reads
:math:`y^{in} = y_{0:T-1}` and is trained to output :math:`y^{out} = y_{1:T}`, so position
:math:`t` predicts token :math:`t+1` from the tokens before it. The loss is summed over the
real (non-padding) output tokens,

.. math::

    n_{tokens} = \\sum_{b, t} [\\, y^{out}_{b,t} \\ne \\text{pad} \\,],

and divided by that count, so a batch of short sequences weighs each token as much as a
batch of long ones.
"""

from __future__ import annotations

import torch

from annotated._checks import check_tokens
from annotated.masks import padding_mask, target_mask


class Batch:
    """Source, shifted target, both masks and the number of target tokens.

    Parameters
    ----------
    src : torch.Tensor
        Source indices ``(batch, src_len)``.
    tgt : torch.Tensor
        Full target indices ``(batch, tgt_len + 1)``, starting with the start token.
    pad : int
        Padding index.

    Attributes
    ----------
    src_mask : torch.Tensor
        Bool ``(batch, 1, src_len)``, True = may attend.
    tgt : torch.Tensor
        Decoder input :math:`y^{in}`, ``(batch, tgt_len)``.
    tgt_y : torch.Tensor
        Decoder output :math:`y^{out}`, ``(batch, tgt_len)``.
    tgt_mask : torch.Tensor
        Bool ``(batch, tgt_len, tgt_len)``: causal and padding.
    ntokens : int
        Real tokens in :attr:`tgt_y`.

    Examples
    --------
    >>> import torch
    >>> from annotated import Batch
    >>> batch = Batch(torch.tensor([[5, 6, 7]]), torch.tensor([[1, 5, 6, 2, 0]]))
    >>> batch.tgt, batch.tgt_y, batch.ntokens
    (tensor([[1, 5, 6, 2]]), tensor([[5, 6, 2, 0]]), 3)
    >>> batch.src_mask.shape, batch.tgt_mask.shape, len(batch)
    (torch.Size([1, 1, 3]), torch.Size([1, 4, 4]), 1)
    """

    def __init__(self, src: torch.Tensor, tgt: torch.Tensor, pad: int = 0) -> None:
        check_tokens("src", src)
        check_tokens("tgt", tgt)
        if src.size(0) != tgt.size(0) or tgt.size(1) < 2:
            raise ValueError(
                "src and tgt must have the same batch size and tgt at least 2 tokens, "
                f"got {tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        self.pad = pad
        self.src = src
        self.src_mask = padding_mask(src, pad)
        self.tgt = tgt[:, :-1]
        self.tgt_y = tgt[:, 1:]
        self.tgt_mask = target_mask(self.tgt, pad)
        self.ntokens = int((self.tgt_y != pad).sum())

    def __len__(self) -> int:
        """The number of sequences."""
        return self.src.size(0)

    def to(self, device: torch.device | str) -> Batch:
        """The same batch on ``device``: itself if it is there already (no masks rebuilt).

        >>> import torch
        >>> from annotated.training.batch import Batch
        >>> batch = Batch(torch.tensor([[5, 6]]), torch.tensor([[1, 7, 8]]), pad=0)
        >>> batch.to("cpu") is batch
        True
        """
        if self.src.device == torch.device(device):
            return self
        tgt = torch.cat([self.tgt, self.tgt_y[:, -1:]], dim=1)
        return Batch(self.src.to(device), tgt.to(device), self.pad)


def pad_rows(rows: list[list[int]], pad: int) -> torch.Tensor:
    """Right-pad token rows to the longest: ``(batch, longest)``.

    Examples
    --------
    >>> from annotated.training.batch import pad_rows
    >>> pad_rows([[5, 6, 7], [8]], pad=0)
    tensor([[5, 6, 7],
            [8, 0, 0]])
    """
    width = max(len(r) for r in rows)
    return torch.tensor([r + [pad] * (width - len(r)) for r in rows], dtype=torch.long)
