"""Decoding: turning a trained model's distributions into sequences.

Encoder-decoder search (greedy, beam) and decoder-only generation (greedy, temperature,
top-k, top-p sampling with a KV cache).
"""

from annotated.decoding.beam import Beams, beam_search, length_penalty
from annotated.decoding.generate import generate, generate_stream, next_token_logits
from annotated.decoding.greedy import greedy_decode
from annotated.decoding.perplexity import mean_cross_entropy, perplexity
from annotated.decoding.sampling import sample_next, top_k_filter, top_p_filter

__all__ = [
    "Beams",
    "beam_search",
    "generate",
    "generate_stream",
    "greedy_decode",
    "length_penalty",
    "mean_cross_entropy",
    "next_token_logits",
    "perplexity",
    "sample_next",
    "top_k_filter",
    "top_p_filter",
]
