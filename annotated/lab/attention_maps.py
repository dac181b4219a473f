"""The attention of a Lab model right now: every layer's weights on one input.

The maps are :class:`~annotated.AttentionMap` records from :func:`~annotated.attention_maps`,
taken on a snapshot of the model, so the run keeps training while they are drawn. A GPT shows
its causal self-attention over a piece of text; a task model its encoder self-attention,
decoder self-attention and cross-attention over an input and the model's own greedy answer.
"""

from __future__ import annotations

import torch

from annotated.attention_maps import AttentionMap, attention_maps
from annotated.gpt import GPT
from annotated.lab.data import TaskData, TextData
from annotated.lab.outputs import answer_ids
from annotated.lab.run import LabRun
from annotated.model import EncoderDecoder


def run_attention(run: LabRun, text: str) -> list[AttentionMap]:
    """Every layer's attention maps of ``run``'s current model on ``text``.

    A GPT reads the last ``max_len`` tokens of ``text`` (characters, or BPE pieces); a task model reads ``text`` as
    its input and its own greedy answer to it as the decoder's input.

    Examples
    --------
    >>> from annotated.lab import LabConfig, LabRun, run_attention
    >>> run = LabRun(LabConfig(task="copy", max_steps=1, batch_size=2, warmup=0))
    >>> [m.title for m in run_attention(run, "1 2")][:3]  # LabConfig's default depth: 2
    ['enc 1 self-attention', 'enc 2 self-attention', 'dec 1 self-attention']
    """
    model = run.snapshot()
    if isinstance(run.data, TextData) and isinstance(model, GPT):
        if not text:
            raise ValueError("type some text to look at")
        tokenizer = run.data.tokenizer
        window = tokenizer.encode_tensor(text)[-model.config.max_len :]  # (seq,)
        return attention_maps(model, window[None], tokenizer.pieces)
    if isinstance(run.data, TaskData) and isinstance(model, EncoderDecoder):
        task = run.data.task
        source = task.parse(text)  # malformed input: a ValueError that says why
        ids = answer_ids(model, task, source)
        read = ids[: ids.index(task.vocab.end)] if task.vocab.end in ids else ids  # <s>, answer
        src = task.source_tensor([source])  # (1, src_len)
        return attention_maps(
            model, src, task.vocab.tokens, torch.tensor([read]), pad=task.vocab.pad
        )
    raise TypeError(f"no attention maps for data {type(run.data).__name__}")
