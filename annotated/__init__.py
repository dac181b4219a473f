"""annotated: the Annotated Transformer as a readable, tested, installable package.

The public names follow the original Annotated Transformer (Rush et al., 2018; Huang et al.,
2022), so its readers find ``attention``, ``MultiHeadedAttention``, ``subsequent_mask``,
``SublayerConnection``, ``Generator`` and ``make_model`` where they expect them.
"""

from annotated.attention import attention
from annotated.attention_maps import AttentionMap, attention_maps
from annotated.config import TransformerConfig
from annotated.decoder import Decoder, DecoderLayer
from annotated.decoding import (
    beam_search,
    generate,
    generate_stream,
    greedy_decode,
    mean_cross_entropy,
    next_token_logits,
    perplexity,
    sample_next,
    top_k_filter,
    top_p_filter,
)
from annotated.dropout import Dropout
from annotated.embeddings import Embeddings
from annotated.encoder import Encoder, EncoderLayer
from annotated.feed_forward import PositionwiseFeedForward, SwiGLU
from annotated.gpt import GPT, GPTBlock
from annotated.gpt_config import GPTConfig
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
from annotated.sublayer import SublayerConnection, final_norm
from annotated.tasks import Task, Vocabulary, exact_match, get_task, load_task_model, predict
from annotated.tasks.language_model import load_corpus, split_corpus
from annotated.tasks.translation.evaluation import translate
from annotated.tokenizers import SubwordTokenizer
from annotated.training import (
    Batch,
    LabelSmoothing,
    LoopOptions,
    LossCompute,
    Muon,
    Snapshots,
    TrainState,
    average_weights,
    load_checkpoint,
    make_optimizer,
    newton_schulz,
    paper_adam,
    rate,
    save_checkpoint,
    train,
    warmup_cosine,
)

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022  plain sorted(), as tests/test_public_api.py checks ("GPT")
    "ALiBi",
    "AttentionMap",
    "AttentionPositions",
    "Batch",
    "Decoder",
    "DecoderLayer",
    "Dropout",
    "Embeddings",
    "Encoder",
    "EncoderDecoder",
    "EncoderLayer",
    "GPT",
    "GPTBlock",
    "GPTConfig",
    "Generator",
    "KVCache",
    "LabelSmoothing",
    "LayerNorm",
    "LearnedPositionalEncoding",
    "LoopOptions",
    "LossCompute",
    "MultiHeadedAttention",
    "Muon",
    "PositionalEncoding",
    "PositionwiseFeedForward",
    "RMSNorm",
    "RotaryEmbedding",
    "Snapshots",
    "SublayerConnection",
    "SubwordTokenizer",
    "SwiGLU",
    "Task",
    "TrainState",
    "TransformerConfig",
    "Vocabulary",
    "attention",
    "attention_maps",
    "average_weights",
    "beam_search",
    "exact_match",
    "final_norm",
    "generate",
    "generate_stream",
    "get_task",
    "greedy_decode",
    "load_checkpoint",
    "load_corpus",
    "load_task_model",
    "make_model",
    "make_optimizer",
    "mean_cross_entropy",
    "newton_schulz",
    "next_token_logits",
    "padding_mask",
    "paper_adam",
    "perplexity",
    "predict",
    "rate",
    "record_attention",
    "sample_next",
    "save_checkpoint",
    "split_corpus",
    "subsequent_mask",
    "target_mask",
    "top_k_filter",
    "top_p_filter",
    "trace_shapes",
    "train",
    "translate",
    "warmup_cosine",
]
