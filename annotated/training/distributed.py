"""Data-parallel training under ``torchrun``: one process per device, gradients averaged.

``torchrun --nproc_per_node W`` starts :math:`W` copies of the same command and tells each its
``RANK`` :math:`r`, ``LOCAL_RANK`` and ``WORLD_SIZE`` :math:`W` in the environment. Every rank
holds the same model; :class:`~torch.nn.parallel.DistributedDataParallel` (DDP) broadcasts
rank 0's weights at the start and, during ``backward``, averages each gradient over the ranks
(an all-reduce, overlapped with the rest of the backward pass):

.. math::

    g = \\frac{1}{W} \\sum_{r=0}^{W-1} g_r

So every rank makes the same update, and the weights stay identical without ever being sent
again. With a per-rank batch of :math:`B` sequences the update is that of one process with a
**global batch of** :math:`B \\cdot W` (times the gradient-accumulation steps): the training
loop divides the summed loss by its own :math:`n` tokens, and because every rank has the same
:math:`n`,

.. math::

    \\frac{1}{W} \\sum_r \\frac{\\nabla \\sum_{i \\in B_r} \\ell_i}{n}
    = \\frac{\\nabla \\sum_{i \\in B_0 \\cup \\dots \\cup B_{W-1}} \\ell_i}{W n}.

The backend is ``gloo`` on the CPU and ``nccl`` on CUDA GPUs (rank :math:`r` uses GPU
``LOCAL_RANK``). Only rank 0 logs, evaluates and writes files; the others wait for it at the
next all-reduce. Outside ``torchrun`` (no ``WORLD_SIZE``) everything here is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistributedContext:
    """Where this process stands among the ranks of a run.

    Parameters
    ----------
    rank : int
        :math:`r`, this process's index among all processes.
    world_size : int
        :math:`W`, the number of processes.
    local_rank : int
        The index among the processes of this machine (the GPU to use).
    device : torch.device
        The device this rank trains on.

    Examples
    --------
    >>> import torch
    >>> from annotated.training.distributed import DistributedContext
    >>> ctx = DistributedContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"))
    >>> ctx.is_main, ctx.enabled
    (True, False)
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that logs and writes files."""
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        """Whether there is more than one process."""
        return self.world_size > 1

    def wrap(self, model: nn.Module) -> nn.Module:
        """``model`` in :class:`~torch.nn.parallel.DistributedDataParallel`, if enabled.

        Examples
        --------
        >>> import torch
        >>> from annotated.training.distributed import DistributedContext
        >>> ctx = DistributedContext()
        >>> model = torch.nn.Linear(2, 2)
        >>> ctx.wrap(model) is model                      # one process: unchanged
        True
        """
        if not self.enabled:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def mean(self, value: float) -> float:
        """The mean of ``value`` over all ranks (every rank must call it).

        .. math::

            \\bar v = \\frac{1}{W} \\sum_r v_r

        Examples
        --------
        >>> from annotated.training.distributed import DistributedContext
        >>> DistributedContext().mean(2.5)
        2.5
        """
        if not self.enabled:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t.item()) / self.world_size

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        if self.enabled:
            dist.barrier()


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DDP wrapper (or ``model`` itself).

    Examples
    --------
    >>> import torch
    >>> from annotated.training.distributed import unwrap
    >>> model = torch.nn.Linear(2, 2)
    >>> unwrap(model) is model
    True
    """
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def init_distributed(device: torch.device) -> DistributedContext:
    """Join the process group ``torchrun`` set up, or return the one-process context.

    Parameters
    ----------
    device : torch.device
        The device asked for; under ``torchrun`` a ``cuda`` device becomes
        ``cuda:LOCAL_RANK``.

    Returns
    -------
    DistributedContext
        ``world_size == 1`` when not launched by ``torchrun``.

    Examples
    --------
    >>> import torch
    >>> from annotated.training.distributed import init_distributed
    >>> init_distributed(torch.device("cpu")).world_size      # not under torchrun
    1
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistributedContext(device=device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise ValueError(f"distributed training runs on cpu or cuda, not {device.type}")
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
    return DistributedContext(rank, world_size, local_rank, device)


def shutdown_distributed(ctx: DistributedContext) -> None:
    """Leave the process group (at the end of a run)."""
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()
