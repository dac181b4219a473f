"""The full encoder-decoder model (paper section 3, Figure 1) and :func:`make_model`.

The encoder reads the whole source at once into a memory; the decoder predicts each target
token from the tokens before it and that memory, and the generator turns its states into
next-token log-probabilities (:class:`EncoderDecoder` gives the equations). Training feeds
the true previous tokens (teacher forcing) and predicts every position in parallel;
decoding feeds back its own predictions, one token per step, with the decoder's keys and
values cached between steps (:meth:`EncoderDecoder.make_cache`).
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from annotated.config import TransformerConfig
from annotated.decoder import Decoder, DecoderCache, DecoderLayer
from annotated.embeddings import Embeddings
from annotated.encoder import Encoder, EncoderLayer
from annotated.feed_forward import make_feed_forward
from annotated.multi_head_attention import MultiHeadedAttention
from annotated.positional import (
    LearnedPositionalEncoding,
    PositionalEncoding,
    make_positions,
)
from annotated.sublayer import final_norm


class Generator(nn.Module):
    """The final linear layer and log-softmax.

    .. math::

        \\log p(w \\mid \\cdot) = \\Big(\\log \\mathrm{softmax}(x W_{gen} + b)\\Big)_w
            = (x W_{gen} + b)_w - \\log \\sum_{v} e^{(x W_{gen} + b)_v}

    with :math:`W_{gen} \\in \\mathbb{R}^{d_{model} \\times V}`: ``(batch, seq, d_model)`` in,
    ``(batch, seq, vocab)`` out.

    Log-probabilities, not probabilities, because the losses (KL divergence, NLL) take logs and
    ``log_softmax`` computes them without the underflow of ``log(softmax(x))``.

    Examples
    --------
    >>> import torch
    >>> from annotated import Generator
    >>> gen = Generator(d_model=16, vocab=11)
    >>> logp = gen(torch.randn(2, 3, 16))             # (batch, seq, d_model) -> (batch, seq, vocab)
    >>> logp.shape, torch.allclose(logp.exp().sum(-1), torch.ones(2, 3))
    (torch.Size([2, 3, 11]), True)
    """

    def __init__(self, d_model: int, vocab: int) -> None:
        super().__init__()
        self.proj = nn.Linear(d_model, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, seq, d_model)`` -> log-probabilities ``(batch, seq, vocab)``."""
        return F.log_softmax(self.proj(x), dim=-1)


class EncoderDecoder(nn.Module):
    """The standard encoder-decoder architecture, as in the original Annotated Transformer.

    .. math::

        m = \\mathrm{Encoder}(\\mathrm{Embed}_{src}(x)), \\qquad
        h = \\mathrm{Decoder}(\\mathrm{Embed}_{tgt}(y),\\ m), \\qquad
        \\log p(y_{t+1} \\mid y_{\\le t}, x) = \\mathrm{Generator}(h_t)

    where each :math:`\\mathrm{Embed}` includes its positional encoding.

    ``forward`` returns the decoder's hidden states; the :attr:`generator` turns them into
    log-probabilities (kept separate so a loss can be computed in chunks, as in the original).

    Examples
    --------
    >>> import torch
    >>> from annotated import make_model, padding_mask, target_mask
    >>> model = make_model(src_vocab=11, tgt_vocab=11, N=2, d_model=32, d_ff=64, h=4)
    >>> src, tgt = torch.tensor([[1, 2, 3, 4]]), torch.tensor([[1, 2]])
    >>> out = model(src, tgt, padding_mask(src), target_mask(tgt))
    >>> out.shape, model.generator(out).shape
    (torch.Size([1, 2, 32]), torch.Size([1, 2, 11]))
    """

    def __init__(
        self,
        encoder: Encoder,
        decoder: Decoder,
        src_embed: nn.Module,
        tgt_embed: nn.Module,
        generator: Generator,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.src_embed = src_embed
        self.tgt_embed = tgt_embed
        self.generator = generator
        self.config: TransformerConfig | None = None

    def forward(
        self,
        src: torch.Tensor,
        tgt: torch.Tensor,
        src_mask: torch.Tensor | None,
        tgt_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """``src`` ``(batch, src_len)``, ``tgt`` ``(batch, tgt_len)`` -> ``(batch, tgt_len, d_model)``."""
        return self.decode(self.encode(src, src_mask), src_mask, tgt, tgt_mask)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor | None) -> torch.Tensor:
        """The memory, ``(batch, src_len, d_model)``."""
        return self.encoder(self.src_embed(src), src_mask)

    def decode(
        self,
        memory: torch.Tensor,
        src_mask: torch.Tensor | None,
        tgt: torch.Tensor,
        tgt_mask: torch.Tensor | None,
        *,
        cache: DecoderCache | None = None,
    ) -> torch.Tensor:
        """The decoder's hidden states for ``tgt`` given the ``memory``, ``(batch, tgt_len, d_model)``.

        With a ``cache`` from :meth:`make_cache`, ``tgt`` holds only the tokens after those
        already decoded; their positions continue from there (``tgt_mask`` may be None: the
        self-attention is causal by position).
        """
        start = cache[0][0].seen if cache else 0
        x = self.embed_target(tgt, start)  # (batch, tgt_len, d_model)
        return self.decoder(x, memory, src_mask, tgt_mask, cache=cache)

    def make_cache(self, memory: torch.Tensor) -> DecoderCache:
        """The caches for decoding token by token from ``memory`` ``(batch, src_len, d_model)``.

        One pair per decoder layer: an empty :class:`~annotated.KVCache` for the
        self-attention, and the memory's cross-attention keys and values, projected once.

        Examples
        --------
        >>> import torch
        >>> from annotated import make_model, padding_mask, subsequent_mask
        >>> model = make_model(11, 11, N=2, d_model=32, d_ff=64, h=4).eval()
        >>> src, tgt = torch.tensor([[3, 4, 5, 6]]), torch.tensor([[1, 7, 8]])
        >>> memory = model.encode(src, padding_mask(src))
        >>> full = model.decode(memory, padding_mask(src), tgt, subsequent_mask(3))
        >>> cache = model.make_cache(memory)
        >>> steps = [model.decode(memory, padding_mask(src), tgt[:, t : t + 1], None, cache=cache)
        ...          for t in range(3)]                      # one token each, (batch, 1, d_model)
        >>> torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)
        True
        """
        return self.decoder.make_cache(memory)

    def embed_target(self, tgt: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Embed target tokens ``(batch, tgt_len)`` at positions ``start, start + 1, ...``.

        Returns ``(batch, tgt_len, d_model)``. An absolute encoding is added from ``start``;
        that needs the ``tgt_embed`` that :meth:`from_config` builds,
        ``Sequential(Embeddings, positions)``.
        """
        if start == 0:
            return self.tgt_embed(tgt)
        if not (isinstance(self.tgt_embed, nn.Sequential) and len(self.tgt_embed) == 2):
            raise ValueError(
                "decoding with a cache needs tgt_embed = Sequential(Embeddings, positions), "
                "as EncoderDecoder.from_config builds it"
            )
        lut, positions = self.tgt_embed
        x = lut(tgt)  # (batch, tgt_len, d_model)
        if isinstance(positions, PositionalEncoding | LearnedPositionalEncoding):
            return positions(x, start)
        return positions(x)

    @classmethod
    def from_config(cls, config: TransformerConfig) -> EncoderDecoder:
        """Build and initialise the model a :class:`TransformerConfig` describes.

        Every matrix gets Xavier/Glorot uniform initialisation, as in the original: it keeps
        the variance of activations and gradients roughly constant through each linear layer.
        """
        c = config
        residual: dict[str, Any] = {"layout": c.layout, "norm": c.norm, "eps": c.norm_eps}
        norm = final_norm(c.layout, c.norm, c.d_model, c.norm_eps)
        after_embedding, hook = make_positions(c.positions, c.d_model, c.h, c.dropout, c.max_len)
        self_attn = MultiHeadedAttention(c.h, c.d_model, c.dropout, positions=hook)
        src_attn = MultiHeadedAttention(c.h, c.d_model, c.dropout)
        ff = make_feed_forward(c.activation, c.d_model, c.d_ff, c.dropout)
        src_lut, tgt_lut = Embeddings(c.d_model, c.src_vocab), Embeddings(c.d_model, c.tgt_vocab)
        generator = Generator(c.d_model, c.tgt_vocab)
        dc = copy.deepcopy
        model = cls(
            Encoder(
                EncoderLayer(c.d_model, dc(self_attn), dc(ff), c.dropout, **residual),
                c.N,
                dc(norm),
            ),
            Decoder(
                DecoderLayer(c.d_model, dc(self_attn), dc(src_attn), dc(ff), c.dropout, **residual),
                c.N,
                dc(norm),
            ),
            nn.Sequential(src_lut, dc(after_embedding)),
            nn.Sequential(tgt_lut, dc(after_embedding)),
            generator,
        )
        for p in model.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        if c.share_embeddings:
            tgt_lut.lut.weight = src_lut.lut.weight
            generator.proj.weight = src_lut.lut.weight
        model.config = config
        return model


def make_model(
    src_vocab: int,
    tgt_vocab: int,
    N: int = 6,
    d_model: int = 512,
    d_ff: int = 2048,
    h: int = 8,
    dropout: float = 0.1,
    **options: Any,
) -> EncoderDecoder:
    """Construct the Transformer; the defaults are the paper's base model.

    Every matrix :math:`W \\in \\mathbb{R}^{n_{out} \\times n_{in}}` starts Xavier/Glorot
    uniform,

    .. math::

        W_{ij} \\sim \\mathcal{U}(-a, a), \\qquad a = \\sqrt{\\frac{6}{n_{in} + n_{out}}},
        \\qquad \\operatorname{Var}(W_{ij}) = \\frac{a^2}{3} = \\frac{2}{n_{in} + n_{out}},

    the variance that keeps activations (forward) and gradients (backward) about the same
    size through a linear layer; vectors (biases, norm gains) keep their defaults.

    Parameters
    ----------
    src_vocab, tgt_vocab : int
        Vocabulary sizes.
    N, d_model, d_ff, h, dropout
        The paper's hyperparameters (Table 3, base row).
    **options
        Any other :class:`TransformerConfig` field: ``share_embeddings`` (tie the two
        embeddings and the generator, paper 3.4; needs equal vocabularies), ``layout``,
        ``norm``, ``activation``, ``positions``, ``max_len``, ``norm_eps``.

    Returns
    -------
    EncoderDecoder
        Xavier-initialised, with ``.config`` set.

    Examples
    --------
    >>> from annotated import make_model
    >>> model = make_model(10, 10)
    >>> sum(p.numel() for p in model.parameters())    # the paper's base size, untied
    44155914
    >>> w = model.encoder.layers[0].feed_forward.w_1.weight     # (d_ff, d_model) = (2048, 512)
    >>> a = (6 / (512 + 2048)) ** 0.5
    >>> bool(w.abs().max() <= a), round(w.var().item() / (2 / (512 + 2048)), 2)
    (True, 1.0)
    >>> tied = make_model(10, 10, N=1, d_model=16, d_ff=32, h=2, share_embeddings=True)
    >>> tied.generator.proj.weight is tied.src_embed[0].lut.weight
    True
    """
    config = TransformerConfig(src_vocab, tgt_vocab, N, d_model, d_ff, h, dropout, **options)
    return EncoderDecoder.from_config(config)
