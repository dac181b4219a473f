"""annotated: the Annotated Transformer as a readable, tested, installable package.

The public names follow the original Annotated Transformer (Rush et al., 2018; Huang et al.,
2022), so its readers find ``attention``, ``MultiHeadedAttention``, ``subsequent_mask``,
``SublayerConnection``, ``Generator`` and ``make_model`` where they expect them.
"""

from annotated.attention import attention
from annotated.config import TransformerConfig
from annotated.decoder import Decoder, DecoderLayer
from annotated.embeddings import Embeddings
from annotated.encoder import Encoder, EncoderLayer
from annotated.feed_forward import PositionwiseFeedForward, SwiGLU
from annotated.kv_cache import KVCache
from annotated.masks import padding_mask, subsequent_mask, target_mask
from annotated.model import EncoderDecoder, Generator, make_model
from annotated.multi_head_attention import MultiHeadedAttention, record_attention
from annotated.norms import LayerNorm, RMSNorm
from annotated.positional import (
    ALiBi,
    AttentionPositions,
    LearnedPositionalEncoding,
    PositionalEncoding,
    RotaryEmbedding,
)
from annotated.shapes import trace_shapes
from annotated.sublayer import SublayerConnection

__version__ = "0.1.0"

__all__ = [
    "ALiBi",
    "AttentionPositions",
    "Decoder",
    "DecoderLayer",
    "Embeddings",
    "Encoder",
    "EncoderDecoder",
    "EncoderLayer",
    "Generator",
    "KVCache",
    "LayerNorm",
    "LearnedPositionalEncoding",
    "MultiHeadedAttention",
    "PositionalEncoding",
    "PositionwiseFeedForward",
    "RMSNorm",
    "RotaryEmbedding",
    "SublayerConnection",
    "SwiGLU",
    "TransformerConfig",
    "attention",
    "make_model",
    "padding_mask",
    "record_attention",
    "subsequent_mask",
    "target_mask",
    "trace_shapes",
]
