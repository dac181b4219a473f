"""The decoder-only GPT (Radford et al. 2018, 2019): a causal Transformer language model.

The tokens are embedded (with positions), pass through :math:`N` blocks, and a last norm
and a linear head give the next-token logits (:class:`GPT` gives the equations). A block is
the encoder layer of the paper with a causal mask -- masked self-attention, then the
position-wise feed-forward network, each in a residual sublayer -- and no cross-attention,
because there is no source to read. Every position predicts the next token
from the ones before it, so one forward pass over a sequence of length :math:`t` trains
:math:`t` predictions at once.

The initialisation and the head follow GPT-2 and nanoGPT: all weights start at
:math:`\\mathcal{N}(0, 0.02^2)`, the two projections that write into the residual stream at
:math:`0.02/\\sqrt{2N}` so the stream's variance does not grow with depth, and the output
projection is the token embedding itself (weight tying, Press & Wolf 2017).

The token embedding is scaled by :math:`\\sqrt{d_{model}}` only with sinusoidal positions.
That is the paper's pairing (sections 3.4-3.5): its sinusoids have unit amplitude, and the
scale lifts the embeddings towards them. GPT-2's learned positions start at the embeddings'
own scale and need none. Unscaled, the sinusoids are 50 times larger than 0.02-sized
embeddings and drown them: on character-level Shakespeare (nanoGPT's recipe, 500 steps) the
validation loss was 3.35 unscaled against 2.31 scaled, the same as learned positions.

Three switches of :class:`~annotated.GPTConfig`, off by default, are training tricks that
modded-nanogpt (Jordan et al. 2024, GPT-2 small on FineWeb, 45 minutes to under 2 on eight
H100s) measured as records: ``qk_norm`` (in :class:`~annotated.MultiHeadedAttention`),
``zero_init`` and ``logit_softcap`` (equations in :class:`GPT`), with the ``"relu2"``
activation of :mod:`annotated.feed_forward`. ReLU², QK-norm and zero-initialised projections
came in together, so their shares are not known apart; the record that untied the head
(``share_embeddings=False``, with an RMSNorm after the embedding and a zero-initialised
head) went from 12.0 to 10.8 minutes; the soft-cap came with other tweaks. Each one's worth
at this package's scale is for the ladder benchmark to measure.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from annotated._checks import check_token_range, check_tokens
from annotated.encoder import clones
from annotated.feed_forward import make_feed_forward
from annotated.gpt_config import GPTConfig
from annotated.kv_cache import KVCache
from annotated.multi_head_attention import MultiHeadedAttention
from annotated.positional import AttentionPositions, make_positions
from annotated.sublayer import SublayerConnection, final_norm


class GPTBlock(nn.Module):
    """Causal self-attention then feed-forward, each in a :class:`~annotated.SublayerConnection`.

    .. math::

        a = \\mathrm{Sublayer}(x,\\ \\mathrm{SelfAttn}(\\cdot;\\ \\text{causal})), \\qquad
        \\text{output} = \\mathrm{Sublayer}(a,\\ \\mathrm{FFN})

    Parameters
    ----------
    config : GPTConfig
        Sizes and switches.
    positions : AttentionPositions, optional
        The relative position scheme (RoPE, ALiBi) shared by all blocks, if any.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPTBlock, GPTConfig
    >>> block = GPTBlock(GPTConfig(vocab_size=10, N=1, h=2, d_model=8))
    >>> block(torch.randn(2, 5, 8)).shape            # (batch, seq, d_model)
    torch.Size([2, 5, 8])
    """

    def __init__(self, config: GPTConfig, positions: AttentionPositions | None = None) -> None:
        super().__init__()
        c = config
        self.self_attn = MultiHeadedAttention(
            c.h,
            c.d_model,
            c.dropout,
            positions=positions,
            bias=c.bias,
            qk_norm=c.qk_norm,
            norm_eps=c.norm_eps,
        )
        self.feed_forward = make_feed_forward(
            c.activation, c.d_model, c.d_ff, c.dropout, bias=c.bias
        )
        sublayer = SublayerConnection(
            c.d_model, c.dropout, layout=c.layout, norm=c.norm, eps=c.norm_eps, bias=c.bias
        )
        self.sublayer = clones(sublayer, 2)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """``x`` ``(batch, seq, d_model)`` -> ``(batch, seq, d_model)``.

        With a ``cache``, ``x`` holds the new tokens only; they attend to the cached ones too.
        """
        x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, is_causal=True, cache=cache))
        return self.sublayer[1](x, self.feed_forward)


class GPT(nn.Module):
    """A decoder-only Transformer language model built from the package's blocks.

    .. math::

        h_0 &= s\\, E_{x} \\;(+\\, P_{0:t} \\text{ for absolute positions}), \\qquad
            s = \\sqrt{d_{model}} \\text{ with sinusoids, else } 1 \\\\
        h_l &= \\mathrm{Block}_l(h_{l-1}), \\qquad l = 1, \\dots, N \\\\
        \\mathrm{logits} &= \\mathrm{Norm}(h_N)\\, W_{out}, \\qquad W_{out} = E^\\top
        \\text{ when tied}

    for tokens ``(batch, seq)``; the module docstring says why :math:`s` depends on the
    positions. :math:`\\mathrm{Norm}` is the final norm the layout needs
    (:func:`~annotated.sublayer.final_norm`). Token ids are checked against the vocabulary
    on the CPU, where reading them is free; on an accelerator that read would stall every
    step, so there the data side checks the ids once per batch instead.

    Two switches change this. ``zero_init`` starts the residual projections at
    zero, :math:`W^O = W_2 = 0` (biases are zero already), so with the pre-norm layout, at
    step 0,

    .. math::

        a = h + \\mathrm{Attn}(\\mathrm{Norm}(h))\\, W^O = h, \\qquad
        \\mathrm{Block}_l(h) = a + \\phi(\\mathrm{Norm}(a)\\, W_1)\\, W_2 = h, \\qquad
        \\mathrm{logits} = \\mathrm{Norm}(h_0)\\, W_{out}:

    the model starts as a bigram model and each block learns a correction to the identity.
    The gradient :math:`\\partial L / \\partial W^O = u^\\top \\delta` still reaches them
    (:math:`u` the concatenated heads, :math:`\\delta` the stream's gradient), so the first
    step moves them; modded-nanogpt calls it muP-like. ``logit_softcap`` :math:`c > 0` ends
    with

    .. math::

        \\mathrm{logits} \\leftarrow c \\tanh(\\mathrm{logits} / c), \\qquad
        |\\mathrm{logits}| < c, \\qquad c \\tanh(z / c) = z - \\frac{z^3}{3 c^2} + O(z^5):

    bounded by :math:`c`, the identity to first order for small logits, so it only reins in a
    confident prediction (Gemma 2's cap; modded-nanogpt's 30, then 15).

    Parameters
    ----------
    config : GPTConfig
        Sizes and variant switches.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig
    >>> model = GPT(GPTConfig.nanogpt_shakespeare_char(vocab_size=65))
    >>> sum(p.numel() for p in model.parameters())     # tied: E counted once
    804096
    >>> tokens = torch.randint(65, (2, 10))              # (batch, seq)
    >>> model(tokens).shape                              # (batch, seq, vocab_size)
    torch.Size([2, 10, 65])
    >>> model.lm_head.weight is model.tok_embed.weight
    True
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        c = config
        self.config = config
        self.tok_embed = nn.Embedding(c.vocab_size, c.d_model)  # E, (V, d_model)
        self.embed_positions, hook = make_positions(
            c.positions, c.d_model, c.h, c.dropout, c.max_len
        )
        # absolute schemes add P_{start:start+seq}; the others are Dropout, positions act inside
        self.absolute = c.positions in ("sinusoidal", "learned")
        self.embed_scale = math.sqrt(c.d_model) if c.positions == "sinusoidal" else 1.0
        self.blocks = nn.ModuleList(GPTBlock(c, hook) for _ in range(c.N))
        self.norm = final_norm(c.layout, c.norm, c.d_model, c.norm_eps, bias=c.bias)
        self.lm_head = nn.Linear(c.d_model, c.vocab_size, bias=False)
        self._init_weights()
        if c.share_embeddings:
            self.lm_head.weight = self.tok_embed.weight

    def _init_weights(self) -> None:
        """GPT-2's initialisation: N(0, 0.02²), residual projections N(0, 0.02²/2N), biases 0.

        With ``zero_init`` the residual projections start at exactly 0 instead.
        """
        residual_std = 0.02 / math.sqrt(2 * self.config.N)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() > 1:
                is_residual = name.endswith(("w_o.weight", "feed_forward.w_2.weight"))
                if is_residual and self.config.zero_init:
                    nn.init.zeros_(p)  # every block starts as the identity
                else:
                    nn.init.normal_(p, std=residual_std if is_residual else 0.02)

    @classmethod
    def from_config(cls, config: GPTConfig) -> GPT:
        """The model ``config`` describes (the constructor, under the name checkpoints use)."""
        return cls(config)

    def make_cache(self) -> list[KVCache]:
        """An empty :class:`~annotated.KVCache` per block, for incremental decoding.

        Examples
        --------
        >>> import torch
        >>> from annotated import GPT, GPTConfig
        >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=2, h=2, d_model=8))
        >>> cache = model.make_cache()
        >>> prompt = torch.tensor([[1, 2, 3]])                          # (batch, seq)
        >>> _ = model(prompt, cache=cache)
        >>> step = model(torch.tensor([[4]]), cache=cache)              # position 3, not 0
        >>> torch.allclose(step[:, -1], model(torch.tensor([[1, 2, 3, 4]]))[:, -1], atol=1e-6)
        True
        """
        return [KVCache() for _ in self.blocks]

    def forward(self, idx: torch.Tensor, *, cache: list[KVCache] | None = None) -> torch.Tensor:
        """Next-token logits for every position.

        Parameters
        ----------
        idx : torch.Tensor
            Integer token ids ``(batch, seq)``.
        cache : list of KVCache, optional
            From :meth:`make_cache`. ``idx`` then holds only the tokens after those already
            cached; their positions continue from ``cache[0].seen``.

        Returns
        -------
        torch.Tensor
            Logits ``(batch, seq, vocab_size)``: row :math:`t` scores token :math:`t+1`.
        """
        check_tokens("idx", idx)
        check_token_range(idx, self.config.vocab_size)  # free on the CPU only: see the class
        if cache is not None and len(cache) != len(self.blocks):
            raise ValueError(f"cache must hold one KVCache per block ({len(self.blocks)})")
        start = 0 if cache is None else cache[0].seen
        x = self.tok_embed(idx)  # (batch, seq, d_model)
        if self.embed_scale != 1.0:
            x = x * self.embed_scale
        x = self.embed_positions(x, start) if self.absolute else self.embed_positions(x)
        for i, block in enumerate(self.blocks):
            x = block(x, None if cache is None else cache[i])
        logits = self.lm_head(self.norm(x))  # (batch, seq, vocab_size)
        c = self.config.logit_softcap
        return c * torch.tanh(logits / c) if c > 0 else logits
