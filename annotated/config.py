"""Configuration of the encoder-decoder Transformer.

A model is fully described by one frozen :class:`TransformerConfig`: the paper's
hyperparameters under the paper's symbols (:math:`N, d_{model}, d_{ff}, h, P_{drop}`)
and the *variant switches* that select one small building block each (normalisation,
residual layout, activation, positions). Frozen, because a checkpoint stores its config
and a config that changes after the model was built would lie about the weights.

The presets are the paper's Table 3 rows (``base``, ``big``) and a ``cpu_small`` size that
trains the synthetic tasks in seconds on a laptop.

References
----------
Vaswani et al., "Attention Is All You Need", NeurIPS 2017, section 3 and Table 3.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

from annotated.fields import Positive, PositiveFloat, Probability, check_bounds

Norm = Literal["layer", "rms", "none"]
Layout = Literal["post", "pre", "sandwich"]
Activation = Literal["relu", "gelu", "silu", "swiglu", "relu2"]
Positions = Literal["sinusoidal", "learned", "rope", "alibi", "none"]

CHOICES: dict[str, tuple[str, ...]] = {
    "norm": get_args(Norm),
    "layout": get_args(Layout),
    "activation": get_args(Activation),
    "positions": get_args(Positions),
}


def check_choice(name: str, value: str) -> None:
    """Raise a ``ValueError`` unless ``value`` is one of the allowed values of switch ``name``.

    Examples
    --------
    >>> from annotated.config import check_choice
    >>> check_choice("norm", "rms")
    >>> check_choice("norm", "batch")
    Traceback (most recent call last):
    ...
    ValueError: norm must be one of ('layer', 'rms', 'none'), got 'batch'
    """
    allowed = CHOICES[name]
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def width_problems(d_model: int, h: int, positions: str) -> list[str]:
    """The rules the model width breaks, as sentences; empty when it can be built.

    The head width is the constraint most choices run into:

    .. math::

        d_k = \\frac{d_{model}}{h} \\in \\mathbb{N}, \\qquad
        d_k \\equiv 0 \\pmod 2 \\text{ for RoPE}, \\qquad
        d_{model} \\equiv 0 \\pmod 2 \\text{ for sinusoids}

    RoPE rotates pairs of features; a sinusoidal table pairs a sine with a cosine at each
    frequency. Both configs raise the first problem; the Lab lists them all, with the nearest
    widths that build.

    Examples
    --------
    >>> from annotated.config import width_problems
    >>> width_problems(30, 4, "sinusoidal")
    ['d_model (30) must be divisible by h (4): each head gets d_model / h features']
    >>> width_problems(72, 8, "rope")
    ['RoPE rotates feature pairs, so d_k must be even, got 9']
    """
    out = []
    if d_model % h:
        out.append(
            f"d_model ({d_model}) must be divisible by h ({h}): each head gets d_model / h features"
        )
    elif positions == "rope" and (d_model // h) % 2:
        out.append(f"RoPE rotates feature pairs, so d_k must be even, got {d_model // h}")
    if positions == "sinusoidal" and d_model % 2:
        out.append(f"sinusoidal positions need an even d_model, got {d_model}")
    return out


@dataclass(frozen=True)
class TransformerConfig:
    """Hyperparameters of the encoder-decoder Transformer (paper section 3).

    Parameters
    ----------
    src_vocab : int
        Source vocabulary size.
    tgt_vocab : int
        Target vocabulary size.
    N : int
        Number of layers in the encoder and in the decoder (paper: :math:`N = 6`).
    d_model : int
        Width of every sublayer's input and output (paper: :math:`d_{model} = 512`).
    d_ff : int
        Inner width of the position-wise feed-forward network (paper: 2048).
    h : int
        Number of attention heads; each head has :math:`d_k = d_v = d_{model}/h`.
    dropout : float
        :math:`P_{drop}`, applied to every sublayer output, to the attention weights and
        to the sum of embeddings and positions (paper: 0.1).
    share_embeddings : bool
        Tie the source embedding, target embedding and generator weights (paper 3.4).
        Needs ``src_vocab == tgt_vocab``. Off by default: the synthetic tasks and most
        translation set-ups have separate vocabularies.
    norm : {"layer", "rms", "none"}
        The normalisation: LayerNorm (paper), RMSNorm, or none.
    layout : {"post", "pre", "sandwich"}
        Where the norm sits in each residual sublayer. ``"pre"`` is the default, as in the
        original Annotated Transformer's code: gradients reach the early layers through an
        identity path, so training is stable without a long warm-up (Xiong et al. 2020).
        ``"post"`` is the paper's layout.
    activation : {"relu", "gelu", "silu", "swiglu", "relu2"}
        The feed-forward non-linearity (paper: ReLU; ``"relu2"`` is ReLU squared).
    positions : {"sinusoidal", "learned", "rope", "alibi", "none"}
        How order enters the model (paper: sinusoidal). RoPE and ALiBi act inside
        self-attention; cross-attention compares positions of two different sequences and
        gets no positional signal of its own.
    max_len : int
        Longest sequence the positional table covers.
    norm_eps : float
        :math:`\\epsilon` inside the normalisation's square root.

    Examples
    --------
    >>> from annotated import TransformerConfig
    >>> config = TransformerConfig.base(src_vocab=100, tgt_vocab=100)
    >>> config.N, config.d_model, config.d_ff, config.h, config.d_k
    (6, 512, 2048, 8, 64)
    >>> TransformerConfig(src_vocab=10, tgt_vocab=10, d_model=30, h=4)
    Traceback (most recent call last):
    ...
    ValueError: d_model (30) must be divisible by h (4): each head gets d_model / h features
    """

    src_vocab: Positive
    tgt_vocab: Positive
    N: Positive = 6
    d_model: Positive = 512
    d_ff: Positive = 2048
    h: Positive = 8
    dropout: Probability = 0.1
    share_embeddings: bool = False
    norm: Norm = "layer"
    layout: Layout = "pre"
    activation: Activation = "relu"
    positions: Positions = "sinusoidal"
    max_len: Positive = 5000
    norm_eps: PositiveFloat = 1e-5

    def __post_init__(self) -> None:
        check_bounds(self)
        for name in CHOICES:
            check_choice(name, getattr(self, name))
        problems = width_problems(self.d_model, self.h, self.positions)
        if problems:
            raise ValueError(problems[0])
        if self.share_embeddings and self.src_vocab != self.tgt_vocab:
            raise ValueError(
                "share_embeddings needs src_vocab == tgt_vocab, "
                f"got {self.src_vocab} and {self.tgt_vocab}"
            )

    @property
    def d_k(self) -> int:
        """Width of one head, :math:`d_k = d_{model} / h`."""
        return self.d_model // self.h

    @classmethod
    def base(cls, src_vocab: int, tgt_vocab: int, **overrides: Any) -> TransformerConfig:
        """The paper's base model (Table 3): N=6, d_model=512, d_ff=2048, h=8, dropout 0.1."""
        return cls(src_vocab, tgt_vocab, **overrides)

    @classmethod
    def big(cls, src_vocab: int, tgt_vocab: int, **overrides: Any) -> TransformerConfig:
        """The paper's big model (Table 3): N=6, d_model=1024, d_ff=4096, h=16, dropout 0.3."""
        sizes: dict[str, Any] = {"d_model": 1024, "d_ff": 4096, "h": 16, "dropout": 0.3}
        return cls(src_vocab, tgt_vocab, **(sizes | overrides))

    @classmethod
    def cpu_small(cls, src_vocab: int, tgt_vocab: int, **overrides: Any) -> TransformerConfig:
        """A laptop-CPU size for the synthetic tasks: N=2, d_model=64, d_ff=256, h=4."""
        sizes: dict[str, Any] = {"N": 2, "d_model": 64, "d_ff": 256, "h": 4, "dropout": 0.0}
        return cls(src_vocab, tgt_vocab, **(sizes | overrides))

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready values (for checkpoint cards)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TransformerConfig:
        """Rebuild a config from :meth:`to_dict`'s output, rejecting unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TransformerConfig fields: {unknown}")
        return cls(**values)
