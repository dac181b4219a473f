"""The residual connection around each sublayer, and where its normalisation sits.

Every attention and feed-forward sublayer is wrapped in a residual connection with a
normalisation. Three placements are in use: after the addition (*post*, the paper's section
3.1), on the sublayer's input (*pre*), or on both its input and its output (*sandwich*);
:class:`SublayerConnection` gives the three formulas.

The paper writes post-norm. The original Annotated Transformer's *prose* says so too, but its
``SublayerConnection`` *code* is pre-norm, with one extra norm at the end of the encoder and
decoder stacks. Pre-norm leaves an identity path from the output back to every layer, so
gradients do not shrink with depth and training needs no long warm-up (Xiong et al. 2020,
"On Layer Normalization in the Transformer Architecture"); that is why it is the default here
and in GPT-2 onwards. Sandwich-norm (CogView, Ding et al. 2021) also normalises the sublayer's
output before it joins the residual stream, bounding how much one layer can add.

Pre and sandwich layouts leave the stream unnormalised, so a stack of them ends in a final
norm, which :func:`final_norm` builds from the same settings; post-norm outputs are
normalised already. The builders (:func:`~annotated.make_model`, :class:`~annotated.GPT`)
pass it to the stack, so a stack holds exactly the norm its layout needs.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from annotated.config import check_choice
from annotated.dropout import Dropout
from annotated.norms import make_norm


class SublayerConnection(nn.Module):
    """A residual connection with a normalisation in the chosen place.

    .. math::

        \\text{post (the paper, 3.1):}\\quad & \\mathrm{Norm}(x + \\mathrm{Dropout}(\\mathrm{Sublayer}(x))) \\\\
        \\text{pre (default):}\\quad & x + \\mathrm{Dropout}(\\mathrm{Sublayer}(\\mathrm{Norm}(x))) \\\\
        \\text{sandwich:}\\quad & x + \\mathrm{Dropout}(\\mathrm{Norm}_2(\\mathrm{Sublayer}(\\mathrm{Norm}_1(x))))

    on ``(batch, seq, d_model)``. Pre-norm keeps an identity path from the output to every
    layer, so gradients do not shrink with depth; the paper's post-norm needs its warmup.

    Parameters
    ----------
    size : int
        :math:`d_{model}`.
    dropout : float
        :math:`P_{drop}` on the sublayer output, before it is added (paper 5.4).
    layout : {"post", "pre", "sandwich"}
        Where the norm sits; see the module docstring.
    norm : {"layer", "rms", "none"}
        Which normalisation.
    eps : float
        The norm's :math:`\\epsilon`.
    bias : bool
        Whether a LayerNorm learns its bias.

    Examples
    --------
    >>> import torch
    >>> from annotated import SublayerConnection
    >>> res = SublayerConnection(8, dropout=0.0, layout="pre")
    >>> x = torch.randn(2, 3, 8)                      # (batch, seq, d_model)
    >>> torch.equal(res(x, lambda y: torch.zeros_like(y)), x)   # a silent sublayer: identity
    True
    >>> post = SublayerConnection(8, dropout=0.0, layout="post")
    >>> torch.allclose(post(x, lambda y: y), post.norm(2 * x))
    True
    """

    def __init__(
        self,
        size: int,
        dropout: float,
        *,
        layout: str = "pre",
        norm: str = "layer",
        eps: float = 1e-5,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_choice("layout", layout)
        self.layout = layout
        self.size = size
        self.norm = make_norm(norm, size, eps, bias=bias)
        self.output_norm = make_norm(norm, size, eps, bias=bias) if layout == "sandwich" else None
        self.dropout = Dropout(dropout)

    def forward(
        self, x: torch.Tensor, sublayer: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor:
        """``x`` is ``(batch, seq, d_model)``; ``sublayer`` maps that shape to itself."""
        if self.layout == "post":
            return self.norm(x + self.dropout(sublayer(x)))
        out = sublayer(self.norm(x))
        if self.output_norm is not None:
            out = self.output_norm(out)
        return x + self.dropout(out)


def final_norm(
    layout: str, norm: str, d_model: int, eps: float = 1e-5, *, bias: bool = True
) -> nn.Module:
    """The norm that ends a stack of :class:`SublayerConnection` layers with these settings.

    The identity for post-norm layers, which end with their own norm; otherwise a norm of
    the chosen kind for the last layer's output ``(batch, seq, d_model)``, because pre and
    sandwich layers add to a residual stream that no layer normalises:

    .. math::

        \\mathrm{out}(x_N) = \\begin{cases} x_N & \\text{post} \\\\
            \\mathrm{Norm}(x_N) & \\text{pre, sandwich.} \\end{cases}

    Parameters
    ----------
    layout : {"post", "pre", "sandwich"}
        The layers' residual layout.
    norm : {"layer", "rms", "none"}
        Which normalisation.
    d_model : int
        :math:`d_{model}`.
    eps : float
        The norm's :math:`\\epsilon`.
    bias : bool
        Whether a LayerNorm learns its bias.

    Examples
    --------
    >>> from annotated import final_norm
    >>> final_norm("post", "layer", 8)
    Identity()
    >>> final_norm("pre", "rms", 8)
    RMSNorm()
    """
    check_choice("layout", layout)
    if layout == "post":
        return nn.Identity()
    return make_norm(norm, d_model, eps, bias=bias)
