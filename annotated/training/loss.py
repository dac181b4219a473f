"""The loss of one batch: generator, criterion, and the token count to normalise by.

The loss is returned *summed*, with its token count :math:`n` beside it, rather than as a mean: the training
loop adds the sums and the counts of all micro-batches of one optimizer step and divides
once, which is what makes gradient accumulation exact (see :mod:`annotated.training.loop`).
"""

from __future__ import annotations

import torch
from torch import nn

from annotated.model import EncoderDecoder
from annotated.training.batch import Batch


class LossCompute:
    """``loss_fn(model, batch) -> (summed loss, n_tokens)`` for an encoder-decoder.

    .. math::

        \\mathcal{L}_{batch} = \\sum_{b, t} \\ell\\big(\\log p(\\cdot \\mid y^{in}_{b, \\le t}, x_b),\\
        y^{out}_{b, t}\\big), \\qquad n = n_{tokens}

    summed over the non-padding target positions :math:`(b, t)` of the ``(batch, tgt_len)``
    targets, with :math:`\\ell` the ``criterion``.

    The original's ``SimpleLossCompute`` divided by the batch's token count, multiplied back,
    and stepped the optimizer itself; here the loss function only computes, and the loop owns
    normalisation and stepping.

    Parameters
    ----------
    criterion : torch.nn.Module
        Maps log-probabilities ``(n, vocab)`` and targets ``(n,)`` to a summed loss, e.g.
        :class:`LabelSmoothing`.

    Examples
    --------
    >>> import torch
    >>> from annotated import Batch, LabelSmoothing, LossCompute, make_model
    >>> model = make_model(7, 7, N=1, d_model=16, d_ff=32, h=2)
    >>> batch = Batch(torch.tensor([[3, 4, 5]]), torch.tensor([[1, 3, 4, 5, 2]]))
    >>> loss, n = LossCompute(LabelSmoothing(7, padding_idx=0))(model, batch)
    >>> loss.shape, n                                 # a summed scalar, 4 target tokens
    (torch.Size([]), 4)
    """

    def __init__(self, criterion: nn.Module) -> None:
        self.criterion = criterion

    def __call__(self, model: EncoderDecoder, batch: Batch) -> tuple[torch.Tensor, int]:
        """The summed loss over ``batch.tgt_y`` ``(batch, tgt_len)`` and its token count."""
        out = model(
            batch.src, batch.tgt, batch.src_mask, batch.tgt_mask
        )  # (batch, tgt_len, d_model)
        logp = model.generator(out)  # (batch, tgt_len, vocab)
        loss = self.criterion(logp.reshape(-1, logp.size(-1)), batch.tgt_y.reshape(-1))
        return loss, batch.ntokens
