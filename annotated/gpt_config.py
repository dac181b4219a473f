"""Configuration of the decoder-only GPT.

A GPT is described by one frozen :class:`GPTConfig`: its sizes under the paper's names
(:math:`N`, :math:`h`, :math:`d_{model}`; the command line keeps nanoGPT's flag names,
``--n-layer``, ``--n-head``, ``--block-size``, as ``annotated.fields.NANOGPT_NAMES`` says),
each field commented with its symbol, and the same *variant switches* as
:class:`~annotated.TransformerConfig` (normalisation, residual layout, activation,
positions). Three more switches, off by default, and the ``"relu2"`` activation are the
training tricks modded-nanogpt measured: QK-norm, zero-initialised residual projections and a
logit soft-cap (:class:`~annotated.GPT` gives their equations and why).
Frozen for the same reason: a checkpoint stores its config, and a config that changed after
the model was built would lie about the weights.

The model predicts token :math:`t+1` from at most :math:`T` tokens before it,

.. math::

    p(x_{t+1} \\mid x_{t-T+1}, \\dots, x_t), \\qquad T = \\texttt{block\\_size},

with :math:`N` layers of width :math:`d_{model}` and :math:`h` heads.

References
----------
Radford et al., "Language Models are Unsupervised Multitask Learners" (GPT-2), 2019;
Karpathy, nanoGPT (``model.py``, ``config/train_shakespeare_char.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from annotated.config import (
    CHOICES,
    Activation,
    Layout,
    Norm,
    Positions,
    check_choice,
    width_problems,
)
from annotated.fields import (
    NonNegativeFloat,
    Positive,
    PositiveFloat,
    Probability,
    check_bounds,
)


@dataclass(frozen=True)
class GPTConfig:
    """Hyperparameters of the decoder-only GPT; the defaults are GPT-2 small's.

    Parameters
    ----------
    vocab_size : int
        :math:`V`, the number of token ids (default GPT-2's 50,257; a run on a corpus sets its
        tokenizer's).
    max_len : int
        :math:`T`, the longest context the model reads (its positional table's length).
    N : int
        :math:`N`, the number of decoder blocks.
    h : int
        :math:`h`, attention heads per block; each has :math:`d_k = d_{model}/h`.
    d_model : int
        :math:`d_{model}`, the width of the residual stream.
    dropout : float
        :math:`P_{drop}` on embeddings, attention weights and sublayer outputs.
    bias : bool
        Biases in the linear layers and LayerNorms (nanoGPT: off is slightly better and
        faster).
    share_embeddings : bool
        Share the token embedding :math:`E` with the output projection, logits
        :math:`= h E^\\top` (Press & Wolf 2017): one matrix fewer, and it trains better at
        GPT-2's scale. Untied (off) costs :math:`V d_{model}` more parameters, the head's own
        matrix; modded-nanogpt untied it and trained faster.
    norm, layout, activation, positions
        The variant switches, as in :class:`~annotated.TransformerConfig`. The defaults are
        GPT-2's: LayerNorm, pre-norm, GELU, learned positions.
    norm_eps : float
        :math:`\\epsilon` inside the normalisation's square root (also QK-norm's).
    qk_norm : bool
        Normalise each head's query and key to unit RMS over :math:`d_k` before the scores
        (QK-norm), which bounds every score by :math:`\\sqrt{d_k}` so the softmax cannot
        saturate at a high learning rate. No parameters.
    zero_init : bool
        Start the two projections that write into the residual stream (attention's
        :math:`W^O`, the feed-forward :math:`W_2`) at exactly 0: with the pre-norm (or
        sandwich) layout every block starts as the identity, and the model as a bigram model
        (logits from the current token, and its position if absolute, alone).
    logit_softcap : float
        The bound :math:`c` of the tanh soft-cap, which maps each logit :math:`z` to
        :math:`c \\tanh(z / c)` (0: off; modded-nanogpt uses 30, later 15).

    Examples
    --------
    >>> from annotated import GPTConfig
    >>> config = GPTConfig.nanogpt_shakespeare_char(vocab_size=65)
    >>> config.N, config.h, config.d_model, config.max_len, config.d_ff
    (4, 4, 128, 64, 512)
    >>> config.bias, config.dropout, config.d_k
    (False, 0.0, 32)
    >>> GPTConfig(vocab_size=65, d_model=100, h=3)
    Traceback (most recent call last):
    ...
    ValueError: d_model (100) must be divisible by h (3): each head gets d_model / h features
    """

    vocab_size: Positive = 50257  # V
    max_len: Positive = 1024  # T, the context length
    N: Positive = 12  # N
    h: Positive = 12  # h
    d_model: Positive = 768  # d_model
    dropout: Probability = 0.0  # P_drop
    bias: bool = True  # biases in Linear and LayerNorm
    share_embeddings: bool = True  # output projection = token embedding E
    norm: Norm = "layer"
    layout: Layout = "pre"
    activation: Activation = "gelu"
    positions: Positions = "learned"
    norm_eps: PositiveFloat = 1e-5  # epsilon
    qk_norm: bool = False  # q, k <- q / rms(q), k / rms(k) per head
    zero_init: bool = False  # W^O and W_2 start at 0
    logit_softcap: NonNegativeFloat = 0.0  # c in c tanh(logits / c); 0 = off

    def __post_init__(self) -> None:
        check_bounds(self)
        for name in CHOICES:
            check_choice(name, getattr(self, name))
        problems = width_problems(self.d_model, self.h, self.positions)
        if problems:
            raise ValueError(problems[0])

    @property
    def d_k(self) -> int:
        """Width of one head, :math:`d_k = d_{model} / h`."""
        return self.d_model // self.h

    @property
    def d_ff(self) -> int:
        """Feed-forward hidden width, :math:`d_{ff} = 4 d_{model}` as in GPT-2."""
        return 4 * self.d_model

    @classmethod
    def gpt2(cls, vocab_size: int = 50257, **overrides: Any) -> GPTConfig:
        """GPT-2 small: N=12, h=12, d_model=768, T=1024, with biases (124 M parameters)."""
        return cls(vocab_size, **overrides)

    @classmethod
    def nanogpt_shakespeare_char(cls, vocab_size: int = 65, **overrides: Any) -> GPTConfig:
        """nanoGPT's CPU recipe for character-level Shakespeare.

        N=4, h=4, d_model=128, T=64, dropout 0, no bias; pre-norm LayerNorm, GELU, learned
        positions, tied weights (0.8 M parameters).
        """
        sizes: dict[str, Any] = {
            "max_len": 64,
            "N": 4,
            "h": 4,
            "d_model": 128,
            "dropout": 0.0,
            "bias": False,
        }
        return cls(vocab_size, **(sizes | overrides))

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready values (for checkpoint cards)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> GPTConfig:
        """Rebuild a config from :meth:`to_dict`'s output, rejecting unknown keys.

        Examples
        --------
        >>> from annotated import GPTConfig
        >>> config = GPTConfig.nanogpt_shakespeare_char(positions="rope")
        >>> GPTConfig.from_dict(config.to_dict()) == config
        True
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown GPTConfig fields: {unknown}")
        return cls(**values)
