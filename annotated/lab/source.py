"""See the code: the source of the building blocks a Lab config chooses, read from the package.

The Lab shows the code that actually ran, not a copy that could drift from it: every entry
is ``inspect.getsource`` of a class or function of :mod:`annotated`. A config selects

.. math::

    \\text{model} \\circ \\text{layer} \\circ
    \\{\\text{attention},\\ \\text{positions},\\ \\text{residual + norm},\\ \\text{feed-forward}\\}

and each switch maps to the one small module that implements it; a Muon run adds its
optimizer and :func:`~annotated.newton_schulz`.
"""

from __future__ import annotations

import inspect
from typing import Any

from annotated.attention import attention
from annotated.decoder import DecoderLayer
from annotated.embeddings import Embeddings
from annotated.encoder import EncoderLayer
from annotated.feed_forward import PositionwiseFeedForward, SwiGLU
from annotated.gpt import GPT, GPTBlock
from annotated.lab.config import LabConfig
from annotated.model import EncoderDecoder
from annotated.multi_head_attention import MultiHeadedAttention
from annotated.norms import LayerNorm, RMSNorm
from annotated.positional import (
    ALiBi,
    LearnedPositionalEncoding,
    PositionalEncoding,
    RotaryEmbedding,
)
from annotated.sublayer import SublayerConnection
from annotated.training.muon import Muon, make_optimizer, newton_schulz

NORMS: dict[str, Any] = {"layer": LayerNorm, "rms": RMSNorm}
POSITIONS: dict[str, Any] = {
    "sinusoidal": PositionalEncoding,
    "learned": LearnedPositionalEncoding,
    "rope": RotaryEmbedding,
    "alibi": ALiBi,
}


def chosen_blocks(config: LabConfig) -> dict[str, Any]:
    """The classes and functions ``config`` builds its model from, by a short title.

    Examples
    --------
    >>> from annotated.lab import LabConfig, chosen_blocks
    >>> list(chosen_blocks(LabConfig(norm="rms", activation="swiglu", positions="rope")))
    ['GPT', 'GPTBlock', 'MultiHeadedAttention', 'attention', 'RotaryEmbedding', 'SublayerConnection', 'RMSNorm', 'SwiGLU']
    >>> list(chosen_blocks(LabConfig(task="sort", norm="none", positions="none")))[:4]
    ['EncoderDecoder', 'EncoderLayer', 'DecoderLayer', 'Embeddings']
    >>> list(chosen_blocks(LabConfig(optimizer="muon")))[-3:]
    ['make_optimizer', 'Muon', 'newton_schulz']
    """
    if config.family == "gpt":
        blocks: list[Any] = [GPT, GPTBlock]
    else:
        blocks = [EncoderDecoder, EncoderLayer, DecoderLayer, Embeddings]
    blocks += [MultiHeadedAttention, attention]
    if config.positions in POSITIONS:
        blocks.append(POSITIONS[config.positions])
    blocks.append(SublayerConnection)
    if config.norm in NORMS:
        blocks.append(NORMS[config.norm])
    blocks.append(SwiGLU if config.activation == "swiglu" else PositionwiseFeedForward)
    if config.optimizer == "muon":
        blocks += [make_optimizer, Muon, newton_schulz]
    return {b.__name__: b for b in blocks}


def source_of(config: LabConfig, name: str) -> str:
    """The source of building block ``name`` of ``config``, with the file it lives in.

    Examples
    --------
    >>> from annotated.lab import LabConfig, source_of
    >>> print(source_of(LabConfig(norm="rms"), "RMSNorm").splitlines()[0])
    # annotated/norms.py
    >>> source_of(LabConfig(norm="rms"), "LayerNorm")
    Traceback (most recent call last):
    ...
    ValueError: LayerNorm is not one of this config's blocks: GPT, GPTBlock, ...
    """
    blocks = chosen_blocks(config)
    if name not in blocks:
        raise ValueError(f"{name} is not one of this config's blocks: {', '.join(blocks)}")
    obj = blocks[name]
    module = inspect.getmodule(obj)
    path = (module.__name__ if module else "annotated").replace(".", "/") + ".py"
    return f"# {path}\n" + inspect.getsource(obj)
