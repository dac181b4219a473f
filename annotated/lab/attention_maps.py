"""The attention of a Lab model right now: every layer's weights on one input.

Each map is a row-stochastic matrix per head,

.. math::

    A^{(l, i)} = \\mathrm{softmax}\\Big(\\frac{Q K^\\top}{\\sqrt{d_k}} + M\\Big), \\qquad
    \\sum_j A^{(l, i)}_{qj} = 1,

recorded with :func:`~annotated.record_attention` on a snapshot of the model, so the run
keeps training while the maps are drawn. A GPT shows its causal self-attention over a piece
of text; a task model its encoder self-attention, decoder self-attention and
cross-attention over an input and the model's own answer.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from annotated.decoding.greedy import greedy_decode
from annotated.gpt import GPT
from annotated.lab.data import TaskData, TextData
from annotated.lab.run import LabRun
from annotated.masks import padding_mask, target_mask
from annotated.model import EncoderDecoder
from annotated.multi_head_attention import MultiHeadedAttention, record_attention
from annotated.tasks.seq2seq.data import Task
from annotated.tokenizers.char import CharTokenizer


class AttentionMap(NamedTuple):
    """One layer's weights ``(h, seq_q, seq_k)``; ``rows[q]`` attends to ``cols[k]``."""

    title: str
    layer: int  # 1-based
    weights: np.ndarray  # (h, seq_q, seq_k)
    rows: list[str]
    cols: list[str]


def _each(layers: Any) -> list[Any]:
    """The layers of a ``ModuleList`` (typed loosely: each has ``self_attn``)."""
    return list(layers)


def _weights(attn: MultiHeadedAttention) -> np.ndarray:
    if attn.attn is None:
        raise RuntimeError("no attention weights were recorded")
    return attn.attn[0].numpy()  # (h, seq_q, seq_k)


def gpt_attention(model: GPT, tokenizer: CharTokenizer, text: str) -> list[AttentionMap]:
    """Each block's causal self-attention over the last ``max_len`` characters of ``text``.

    Examples
    --------
    >>> tok = CharTokenizer.from_text("to be or not")
    >>> model = GPT(GPTConfig(vocab_size=tok.vocab_size, max_len=8, N=2, h=2,
    ...                       d_model=8))
    >>> maps = gpt_attention(model, tok, "not to be")
    >>> [m.title for m in maps], maps[0].weights.shape       # (h, seq_q, seq_k)
    (['block 1 self-attention', 'block 2 self-attention'], (2, 8, 8))
    """
    if not text:
        raise ValueError("type some text to look at")
    ids = tokenizer.encode(text)[-model.config.max_len :]
    with torch.no_grad(), record_attention(model):
        model(torch.tensor([ids]))  # (1, seq) -> logits; the weights stay in each .attn
    chars = [tokenizer.chars[i] for i in ids]
    return [
        AttentionMap(f"block {i + 1} self-attention", i + 1, _weights(b.self_attn), chars, chars)
        for i, b in enumerate(_each(model.blocks))
    ]


def task_attention(model: EncoderDecoder, task: Task, text: str) -> list[AttentionMap]:
    """Every layer's three attentions for task input ``text`` and the model's greedy answer.

    Examples
    --------
    >>> task = get_task("copy")
    >>> maps = task_attention(EncoderDecoder.from_config(task.config()), task, "3 1 4")
    >>> [m.title for m in maps]
    ['enc 1 self-attention', 'dec 1 self-attention', 'dec 1 cross-attention']
    >>> maps[0].weights.shape                                # (h, src_len, src_len) with </s>
    (2, 4, 4)
    """
    source = task.parse(text)
    v = task.vocab
    src = task.source_tensor([source])  # (1, src_len)
    src_mask = padding_mask(src, v.pad)  # (1, 1, src_len)
    ys = greedy_decode(model, src, src_mask, task.max_tgt_len + 2, v.start, v.end, v.pad)
    ids = ys[0].tolist()
    if v.end in ids:
        ids = ids[: ids.index(v.end)]  # what the decoder read: <s> and the answer
    tgt = torch.tensor([ids])  # (1, tgt_len)
    with torch.no_grad(), record_attention(model):
        model(src, tgt, src_mask, target_mask(tgt, v.pad))
    src_tokens = [*source, "</s>"]
    tgt_tokens = [v.tokens[i] for i in ids]
    maps = [
        AttentionMap(
            f"enc {i + 1} self-attention", i + 1, _weights(layer.self_attn), src_tokens, src_tokens
        )
        for i, layer in enumerate(_each(model.encoder.layers))
    ]
    for i, layer in enumerate(_each(model.decoder.layers)):
        maps.append(
            AttentionMap(
                f"dec {i + 1} self-attention",
                i + 1,
                _weights(layer.self_attn),
                tgt_tokens,
                tgt_tokens,
            )
        )
        maps.append(
            AttentionMap(
                f"dec {i + 1} cross-attention",
                i + 1,
                _weights(layer.src_attn),
                tgt_tokens,
                src_tokens,
            )
        )
    return maps


def run_attention(run: LabRun, text: str) -> list[AttentionMap]:
    """Every layer's attention maps of ``run``'s current model on ``text``.

    Examples
    --------
    >>> from annotated.lab import LabConfig
    >>> run = LabRun(LabConfig(task="copy", steps=1, batch_size=2, warmup=0))
    >>> [m.title for m in run_attention(run, "1 2")][:3]  # LabConfig's default depth: 2
    ['enc 1 self-attention', 'enc 2 self-attention', 'dec 1 self-attention']
    """
    model = run.snapshot()
    if isinstance(run.data, TextData) and isinstance(model, GPT):
        return gpt_attention(model, run.data.tokenizer, text)
    if isinstance(run.data, TaskData) and isinstance(model, EncoderDecoder):
        return task_attention(model, run.data.task, text)
    raise TypeError(f"no attention maps for data {type(run.data).__name__}")
