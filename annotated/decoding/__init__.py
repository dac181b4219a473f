"""Decoding: turning a trained model's distributions into sequences.

Encoder-decoder search (greedy, beam) and decoder-only generation (greedy, temperature,
top-k, top-p sampling with a KV cache).
"""
