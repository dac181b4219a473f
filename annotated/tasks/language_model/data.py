"""Language-model batches: random windows of a long text, and the next-character loss.

A batch is :math:`B` windows of :math:`T + 1` consecutive tokens cut from the token stream
:math:`d` at random offsets :math:`o_b`; the model reads the first :math:`T` and predicts the
last :math:`T`, every position at once:

.. math::

    x_{b,t} = d_{o_b + t}, \\qquad y_{b,t} = d_{o_b + t + 1}, \\qquad
    \\mathcal{L} = -\\sum_{b,t} \\log p_\\theta(y_{b,t} \\mid x_{b, \\le t})

**Batches are indexed, not drawn from a running stream.** Micro-batch :math:`i` of a run with
seed :math:`s` takes its offsets from a generator seeded with :math:`(s, i)`, so a resumed run
needs only :math:`i` to see exactly the batches an uninterrupted run would have seen. The
generator is NumPy's: its ``SeedSequence`` hashes both numbers into the whole state, whereas
PyTorch's CPU generator keeps only the low 32 bits of a seed, so packing :math:`(s, i)` into
one 64-bit integer would silently give every seed the same batches.

**Data parallelism splits a global batch.** Under ``torchrun`` with :math:`W` ranks, micro-batch
:math:`i` draws :math:`B W` offsets and rank :math:`r` takes rows :math:`[rB, (r+1)B)`; the
:math:`W` ranks together train on exactly the batch one process with a per-step batch of
:math:`BW` would (see :mod:`annotated.training.distributed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class LMBatch:
    """Inputs and next-token targets of a language-model micro-batch.

    Parameters
    ----------
    x : torch.Tensor
        Input token ids ``(batch, seq)``.
    y : torch.Tensor
        Target token ids ``(batch, seq)``: ``x`` shifted left by one.
    """

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        """The number of windows (sequences)."""
        return self.x.size(0)

    def to(self, device: torch.device) -> LMBatch:
        """The batch on ``device``."""
        return LMBatch(self.x.to(device), self.y.to(device))


def batch_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of micro-batch ``index`` of a run seeded ``seed``.

    Examples
    --------
    >>> from annotated.tasks.language_model.data import batch_rng
    >>> int(batch_rng(0, 7).integers(100)) == int(batch_rng(0, 7).integers(100))  # of (s, i)
    True
    >>> len({int(batch_rng(s, 0).integers(2**62)) for s in range(3)})    # seeds differ
    3
    """
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be non-negative, got {seed}, {index}")
    return np.random.default_rng((seed, index))


def lm_batch(
    data: torch.Tensor,
    *,
    seed: int,
    index: int,
    batch_size: int,
    max_len: int,
    rank: int = 0,
    world_size: int = 1,
) -> LMBatch:
    """Micro-batch ``index``: ``batch_size`` random windows of ``data`` for rank ``rank``.

    Parameters
    ----------
    data : torch.Tensor
        The token stream, integer ``(n,)`` with :math:`n > T`.
    seed, index : int
        The run's seed and the micro-batch's position in the run.
    batch_size : int
        :math:`B`, windows per rank.
    max_len : int
        :math:`T`, tokens per window.
    rank, world_size : int
        This rank's share of the global batch of :math:`BW` windows.

    Returns
    -------
    LMBatch
        ``x`` and ``y``, each ``(batch_size, max_len)``.

    Examples
    --------
    >>> import torch
    >>> from annotated.tasks.language_model.data import lm_batch
    >>> data = torch.arange(100)
    >>> b = lm_batch(data, seed=0, index=3, batch_size=4, max_len=8)
    >>> b.x.shape, torch.equal(b.y, b.x + 1)              # (batch, seq); y is x shifted
    (torch.Size([4, 8]), True)
    >>> halves = [lm_batch(data, seed=0, index=3, batch_size=2, max_len=8, rank=r,
    ...                    world_size=2).x for r in (0, 1)]
    >>> torch.equal(torch.cat(halves), b.x)               # two ranks split one batch
    True
    """
    if data.dim() != 1 or data.numel() <= max_len:
        raise ValueError(
            f"need a (n,) token stream longer than max_len={max_len}, got shape {tuple(data.shape)}"
        )
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in [0, {world_size})")
    offsets = batch_rng(seed, index).integers(data.numel() - max_len, size=batch_size * world_size)
    starts = torch.from_numpy(offsets)
    starts = starts[rank * batch_size : (rank + 1) * batch_size]  # (batch,)
    windows = data[starts[:, None] + torch.arange(max_len + 1)]  # (batch, seq + 1)
    return LMBatch(windows[:, :-1], windows[:, 1:])


def lm_loss(model: nn.Module, batch: LMBatch) -> tuple[torch.Tensor, int]:
    """The summed next-token cross-entropy of ``batch`` and its token count.

    Summed rather than averaged so the training loop can divide by the tokens of all
    accumulated micro-batches (:mod:`annotated.training.loop`).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.tasks.language_model.data import lm_batch, lm_loss
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8))
    >>> loss, n = lm_loss(model, lm_batch(torch.arange(50) % 10, seed=0, index=0,
    ...                                   batch_size=3, max_len=8))
    >>> n, bool(abs(loss.item() / n - np.log(10)) < 0.2)    # near uniform before training
    (24, True)
    """
    logits = model(batch.x)  # (batch, seq, vocab)
    loss = F.cross_entropy(logits.flatten(0, 1), batch.y.flatten(), reduction="sum")
    return loss, batch.y.numel()
