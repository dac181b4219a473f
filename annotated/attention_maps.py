"""Attention maps: every attention layer's weights on one input, labelled with its tokens.

Inside :func:`~annotated.record_attention` each :class:`~annotated.MultiHeadedAttention`
keeps the weights of its last call. :func:`attention_maps` runs a model once on one input
and gathers those weights into one :class:`AttentionMap` per attention layer, with the
tokens each axis stands for, so that whoever draws them (the demo's tabs, the Lab, the
gallery) reads the same record and none reaches into the model's modules itself. The model
runs for inference: in eval mode, without gradients, its mode restored afterwards.

A GPT has one causal self-attention per block; an encoder-decoder has a self-attention per
encoder layer and, per decoder layer, a causal self-attention over the decoder's input and a
cross-attention from it to the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple, cast

import torch

from annotated.decoder import DecoderLayer
from annotated.decoding.inference import inference
from annotated.encoder import EncoderLayer
from annotated.gpt import GPT, GPTBlock
from annotated.masks import padding_mask, target_mask
from annotated.model import EncoderDecoder
from annotated.multi_head_attention import MultiHeadedAttention, record_attention

Stack = Literal["encoder", "decoder", "gpt"]
Kind = Literal["self", "cross"]
SHORT = {"encoder": "enc", "decoder": "dec", "gpt": "block"}  # the stack's word in a title


class AttentionMap(NamedTuple):
    """One attention layer's weights on one input, every head, with its axes' tokens.

    ``weights[i, q, k]`` is how much query ``queries[q]`` attends to key ``keys[k]`` in head
    :math:`i + 1`; each row is a distribution over the keys,

    .. math::

        A^{(l, i)}_{qk} \\ge 0, \\qquad \\sum_k A^{(l, i)}_{qk} = 1,

    and a masked key gets weight exactly 0.

    Parameters
    ----------
    stack : {"encoder", "decoder", "gpt"}
        Which stack of layers the attention sits in.
    kind : {"self", "cross"}
        Self-attention, or the decoder's cross-attention to the source.
    layer : int
        The layer's number in its stack, from 1.
    weights : torch.Tensor
        ``(h, seq_q, seq_k)``.
    queries, keys : list of str
        The token on each row and on each column.

    Examples
    --------
    >>> import torch
    >>> from annotated import AttentionMap
    >>> m = AttentionMap("decoder", "cross", 2, torch.full((4, 2, 3), 1 / 3), ["<s>", "1"],
    ...                  ["1", "2", "</s>"])
    >>> m.title, m.head(4).shape                          # (seq_q, seq_k)
    ('dec 2 cross-attention', torch.Size([2, 3]))
    """

    stack: Stack
    kind: Kind
    layer: int
    weights: torch.Tensor  # (h, seq_q, seq_k)
    queries: list[str]
    keys: list[str]

    @property
    def title(self) -> str:
        """``enc 1 self-attention``, ``dec 2 cross-attention``, ``block 1 self-attention``."""
        return f"{SHORT[self.stack]} {self.layer} {self.kind}-attention"

    def head(self, number: int) -> torch.Tensor:
        """The weights of head ``number`` (from 1, as :attr:`layer`): ``(seq_q, seq_k)``."""
        if not 1 <= number <= self.weights.size(0):
            raise ValueError(f"head must be from 1 to {self.weights.size(0)}, got {number}")
        return self.weights[number - 1]


def _recorded(attn: MultiHeadedAttention) -> torch.Tensor:
    """The one input's weights ``(h, seq_q, seq_k)`` that ``attn`` kept."""
    if attn.attn is None:
        raise RuntimeError("no attention weights were recorded")
    return attn.attn[0]


def attention_maps(
    model: GPT | EncoderDecoder,
    tokens: torch.Tensor,
    names: Sequence[str],
    target: torch.Tensor | None = None,
    *,
    pad: int = 0,
) -> list[AttentionMap]:
    """Every attention layer's weights on one input, in the order the model runs them.

    A GPT's self-attention, and an encoder-decoder's decoder self-attention, are causal:
    a query never sees a later position,

    .. math::

        A^{(l, i)}_{qk} = 0 \\quad \\text{for } k > q.

    Parameters
    ----------
    model : GPT or EncoderDecoder
        The model; it runs once, for inference.
    tokens : torch.Tensor
        Integer ``(1, seq)``: the GPT's input (at most ``max_len`` tokens), or the
        encoder-decoder's source ``(1, src_len)``.
    names : sequence of str
        The text of each token id, e.g. ``CharTokenizer.chars`` or ``Vocabulary.tokens``.
    target : torch.Tensor, optional
        Integer ``(1, tgt_len)``: the encoder-decoder's decoder input (``<s>`` and the answer
        so far). Required for an encoder-decoder, refused for a GPT.
    pad : int
        The padding id, for the encoder-decoder's masks.

    Returns
    -------
    list of AttentionMap
        A GPT: each block's self-attention. An encoder-decoder: each encoder layer's
        self-attention, then each decoder layer's self-attention and cross-attention.

    Examples
    --------
    >>> import torch
    >>> from annotated import GPT, GPTConfig, attention_maps
    >>> gpt = GPT(GPTConfig(vocab_size=3, max_len=8, N=2, h=2, d_model=8))
    >>> maps = attention_maps(gpt, torch.tensor([[0, 1, 2, 1]]), ["a", "b", "c"])
    >>> [m.title for m in maps], maps[0].weights.shape           # (h, seq_q, seq_k)
    (['block 1 self-attention', 'block 2 self-attention'], torch.Size([2, 4, 4]))
    >>> maps[0].keys, torch.triu(maps[0].head(1), diagonal=1).max().item()    # causal
    (['a', 'b', 'c', 'b'], 0.0)
    >>> from annotated import EncoderDecoder, get_task
    >>> task = get_task("copy")
    >>> v = task.vocab
    >>> model = EncoderDecoder.from_config(task.config())
    >>> src, tgt = task.source_tensor([["3", "1"]]), torch.tensor([[v.start, *v.encode(["3"])]])
    >>> maps = attention_maps(model, src, v.tokens, target=tgt, pad=v.pad)
    >>> [(m.title, m.queries, m.keys) for m in maps][-1]
    ('dec 1 cross-attention', ['<s>', '3'], ['3', '1', '</s>'])
    """
    if tokens.dim() != 2 or tokens.size(0) != 1:
        raise ValueError(f"tokens must be one input (1, seq), got shape {tuple(tokens.shape)}")
    labels = [names[i] for i in tokens[0].tolist()]
    if isinstance(model, GPT):
        if target is not None:
            raise ValueError("a GPT has no target: pass its whole input as tokens")
        with inference(model), record_attention(model):
            model(tokens)  # (1, seq) -> logits; the weights stay in each .attn
        blocks = [cast(GPTBlock, b) for b in model.blocks]
        return [
            AttentionMap("gpt", "self", i + 1, _recorded(b.self_attn), labels, labels)
            for i, b in enumerate(blocks)
        ]
    if target is None or target.dim() != 2 or target.size(0) != 1:
        raise ValueError("an encoder-decoder needs its decoder input: target of shape (1, tgt_len)")
    with inference(model), record_attention(model):
        model(tokens, target, padding_mask(tokens, pad), target_mask(target, pad))
    read = [names[i] for i in target[0].tolist()]
    encoder = [cast(EncoderLayer, layer) for layer in model.encoder.layers]
    decoder = [cast(DecoderLayer, layer) for layer in model.decoder.layers]
    maps = [
        AttentionMap("encoder", "self", i + 1, _recorded(layer.self_attn), labels, labels)
        for i, layer in enumerate(encoder)
    ]
    for i, layer in enumerate(decoder):
        maps.append(AttentionMap("decoder", "self", i + 1, _recorded(layer.self_attn), read, read))
        maps.append(
            AttentionMap("decoder", "cross", i + 1, _recorded(layer.src_attn), read, labels)
        )
    return maps
