"""The positions probe: how an attention score depends on the distance between two positions.

Two views, both as functions of the distance :math:`\\delta = m - n` between a query at
position :math:`m` and a key at :math:`n`, out to lengths the model never trained on:

*The scheme alone*, with no learned weights:

.. math::

    \\text{sinusoidal: } \\frac{\\langle PE_m, PE_n \\rangle}{d_{model}/2}
        = \\frac{2}{d_{model}} \\sum_i \\cos(\\delta\\, \\omega_i), \\qquad
    \\text{RoPE: } \\frac{\\langle R_m u, R_n u \\rangle}{\\lVert u \\rVert^2}
        = \\frac{2}{d_k} \\sum_i \\cos(\\delta\\, \\theta_i), \\qquad
    \\text{ALiBi: } -m_h\\, |\\delta|

for :math:`u` the all-ones vector; learned positions give the cosine similarity of the
table's rows :math:`P_m, P_n` averaged over all pairs at distance :math:`\\delta` (and
nothing past the table: there is no vector to look up); no positions give 0.

*The model*: the first self-attention layer's score :math:`q_m \\cdot k_n / \\sqrt{d_k}`
(plus ALiBi's bias) when every position holds the same content -- the mean token
embedding -- so that only position can make two scores differ. The query sits at the last
position of a sequence of the probe's length. Past the training length, sinusoids and RoPE
are evaluated where the model never saw them, and ALiBi's line simply continues: the
extrapolation question of Press et al. (2022), "Train Short, Test Long".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from annotated.gpt import GPT
from annotated.lab.config import LabConfig
from annotated.multi_head_attention import MultiHeadedAttention
from annotated.positional import (
    ALiBi,
    LearnedPositionalEncoding,
    RotaryEmbedding,
    alibi_slopes,
    sinusoidal_table,
)

MAX_PROBE_LENGTH = 1024


@dataclass(frozen=True)
class PositionProbe:
    """Scores as functions of the distance :math:`\\delta = 0, \\dots, L - 1`.

    Parameters
    ----------
    positions : str
        The scheme probed.
    distance : numpy.ndarray
        :math:`\\delta`, ``(length,)``.
    scheme_score : numpy.ndarray
        The scheme alone, ``(rows, length)``: one row per head for ALiBi, else one.
    model_score : numpy.ndarray
        The model's first self-attention, ``(h, length)``; NaN where the model has no
        position (past a learned table).
    trained_length : int
        The longest sequence seen in training; distances beyond it were never trained.
    """

    positions: str
    distance: np.ndarray
    scheme_score: np.ndarray
    model_score: np.ndarray
    trained_length: int


def cosine_sum(length: int, frequencies: torch.Tensor) -> np.ndarray:
    """:math:`\\frac{1}{F} \\sum_i \\cos(\\delta \\omega_i)` for :math:`\\delta < ` ``length``, ``(length,)``.

    Examples
    --------
    >>> import math
    >>> import torch
    >>> from annotated.lab.probe import cosine_sum
    >>> cosine_sum(3, torch.tensor([0.0, math.pi]))           # 1, then (1 + cos pi δ) / 2
    array([1., 0., 1.])
    """
    delta = torch.arange(length, dtype=torch.float64)[:, None]  # (length, 1)
    return torch.cos(delta * frequencies.to(torch.float64)).mean(-1).numpy()


def scheme_scores(
    positions: str, length: int, d_model: int, h: int, table: torch.Tensor | None
) -> np.ndarray:
    """The scheme alone (see the module docstring), ``(rows, length)``.

    ``table`` is the learned table ``(max_len, d_model)`` for ``positions="learned"``.

    Examples
    --------
    >>> from annotated.lab.probe import scheme_scores
    >>> float(scheme_scores("sinusoidal", 5, 16, 4, None)[0, 0])          # δ = 0: identical
    1.0
    >>> scheme_scores("alibi", 3, 16, 2, None).tolist()                    # -m_h δ per head
    [[0.0, -0.0625, -0.125], [0.0, -0.00390625, -0.0078125]]
    """
    if positions == "sinusoidal":
        pe = sinusoidal_table(2, d_model)  # the frequencies are the table's: PE[1] = sin/cos(ω)
        return cosine_sum(length, torch.atan2(pe[1, 0::2], pe[1, 1::2]).double())[None]
    if positions == "rope":
        return cosine_sum(length, RotaryEmbedding(d_model // h).inv_freq)[None]
    if positions == "alibi":
        slopes = alibi_slopes(h)[:, None].double()  # (h, 1)
        return (0.0 - slopes * torch.arange(length)).numpy()  # 0.0 - ...: no -0.0 at δ = 0
    if positions == "learned" and table is not None:
        unit = nn.functional.normalize(table.detach().double(), dim=-1)  # (max_len, d_model)
        sims = unit @ unit.T  # (max_len, max_len)
        out = np.full(length, np.nan)
        for d in range(min(length, table.size(0))):
            out[d] = float(torch.diagonal(sims, -d).mean())
        return out[None]
    return np.zeros((1, length))


def _pieces(model: nn.Module) -> tuple[torch.Tensor, nn.Module, Any, MultiHeadedAttention]:
    """The mean token embedding ``(d_model,)``, the position module, the first sublayer, and
    the first self-attention of ``model`` (a GPT reads tokens; a task model its source)."""
    m: Any = model  # a GPT or an EncoderDecoder, read by attribute
    if isinstance(model, GPT):
        block = m.blocks[0]
        content = model.tok_embed.weight.mean(0) * model.embed_scale
        return content, model.embed_positions, block.sublayer[0], block.self_attn
    embed, position = m.src_embed[0], m.src_embed[1]
    content = embed(torch.arange(embed.lut.num_embeddings)[None])[0].mean(0)  # scaled by √d
    layer = m.encoder.layers[0]
    return content, position, layer.sublayer[0], layer.self_attn


def model_scores(model: nn.Module, length: int) -> np.ndarray:
    """The first self-attention's scores of the last position to each earlier one, ``(h, length)``.

    Examples
    --------
    >>> import numpy as np
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.lab.probe import model_scores
    >>> model = GPT(GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8,
    ...                       positions="none"))
    >>> s = model_scores(model, 12)                   # no positions: every distance scores alike
    >>> s.shape, bool(np.allclose(s, s[:, :1], atol=1e-5))
    ((2, 12), True)
    """
    content, position, sublayer, attn = _pieces(model)
    d = content.numel()
    out = np.full((attn.h, length), np.nan)
    with torch.no_grad():
        n = length
        if isinstance(position, LearnedPositionalEncoding):
            n = min(length, position.weight.size(0))  # no vector past the table
            x = content + position.weight[:n]  # (seq, d_model)
        elif hasattr(position, "pe"):
            x = content + sinusoidal_table(n, d)  # extended past the table: never trained there
        else:
            x = content.expand(n, d)
        x = x[None]  # (1, seq, d_model)
        if sublayer.layout != "post":
            x = sublayer.norm(x)
        q = attn.w_q(x).view(1, n, attn.h, attn.d_k).transpose(1, 2)  # (1, h, seq, d_k)
        k = attn.w_k(x).view(1, n, attn.h, attn.d_k).transpose(1, 2)
        pos = torch.arange(n)
        if attn.positions is not None:
            q, k = attn.positions.rotate(q, pos), attn.positions.rotate(k, pos)
        last = q[0, :, -1:] @ k[0].transpose(-2, -1) / math.sqrt(attn.d_k)  # (h, 1, seq)
        if isinstance(attn.positions, ALiBi):
            last = last + attn.positions.bias(pos[-1:], pos)
        out[:, :n] = last[:, 0].flip(-1).double().numpy()  # column δ is key n - 1 - δ
    return out


def probe_positions(
    model: nn.Module, config: LabConfig, length: int | None = None
) -> PositionProbe:
    """Probe ``model`` (trained from ``config``) out to ``length`` positions.

    Parameters
    ----------
    model : GPT or EncoderDecoder
        A snapshot of the run's model.
    config : LabConfig
        Its config (the scheme, the sizes, the training length).
    length : int, optional
        How far to probe; default four times the training length, at most
        :data:`MAX_PROBE_LENGTH`.

    Examples
    --------
    >>> from annotated.lab import LabConfig, probe_positions
    >>> config = LabConfig(positions="rope", max_len=16)
    >>> from annotated.lab.run import build_model
    >>> probe = probe_positions(build_model(config, 20), config)
    >>> probe.distance.shape, probe.scheme_score.shape, probe.model_score.shape
    ((64,), (1, 64), (4, 64))
    """
    trained = config.trained_length()
    length = min(length or 4 * trained, MAX_PROBE_LENGTH)
    if length < 2:
        raise ValueError(f"probe at least 2 positions, got {length}")
    _, position, _, _ = _pieces(model)
    table = position.weight if isinstance(position, LearnedPositionalEncoding) else None
    return PositionProbe(
        config.positions,
        np.arange(length),
        scheme_scores(config.positions, length, config.d_model, config.h, table),
        model_scores(model, length),
        trained,
    )
