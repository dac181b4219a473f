"""What a Lab model says: Shakespeare sampled from the GPT, a task input decoded.

Sampling draws each token (a character, or a BPE piece) from the temperature-scaled
distribution,

.. math::

    x_{t+1} \\sim \\mathrm{softmax}(z_t / \\tau), \\qquad \\tau = 0 \\text{ is greedy},

with its own seeded generator (:func:`~annotated.generate`), so two people sampling at once
never share random state, and past the model's context with the shifted context of the
command line and the demo (``context="shift"``), so the same seed writes the same text there. A task input is decoded greedily
(:func:`~annotated.greedy_decode`) and compared with the task's answer.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from annotated.decoding.generate import generate
from annotated.decoding.greedy import greedy_decode
from annotated.lab.data import TaskData, TextData
from annotated.lab.run import LabRun
from annotated.masks import padding_mask
from annotated.model import EncoderDecoder
from annotated.tasks import Task
from annotated.tokenizers.protocol import TextTokenizer

MAX_PROMPT = 500
MAX_NEW = 1000


class Decoded(NamedTuple):
    """A task model's answer to an input and the right answer."""

    source: str
    answer: str
    expected: str

    @property
    def right(self) -> bool:
        """Whether the model answered correctly."""
        return self.answer == self.expected


def sample_text(
    model: nn.Module,
    tokenizer: TextTokenizer,
    prompt: str,
    length: int = 200,
    temperature: float = 0.8,
    seed: int = 0,
) -> str:
    """The prompt and ``length`` tokens sampled from a GPT: characters, for a character model.

    Examples
    --------
    >>> from annotated import GPT, GPTConfig
    >>> from annotated.lab import sample_text
    >>> from annotated.tokenizers import CharTokenizer
    >>> tok = CharTokenizer.from_text("ab ")
    >>> model = GPT(GPTConfig(vocab_size=3, max_len=8, N=1, h=2, d_model=8))
    >>> text = sample_text(model, tok, "ab", length=5, seed=1)
    >>> len(text), text.startswith("ab"), text == sample_text(model, tok, "ab", length=5, seed=1)
    (7, True, True)
    """
    if not prompt:
        raise ValueError("the prompt is empty: type the start of a speech, e.g. 'ROMEO:'")
    if len(prompt) > MAX_PROMPT:
        raise ValueError(f"the prompt is too long ({len(prompt)} characters; at most {MAX_PROMPT})")
    if not 1 <= length <= MAX_NEW:
        raise ValueError(f"length must be from 1 to {MAX_NEW}, got {length}")
    if not 0.0 <= temperature <= 2.0:
        raise ValueError(f"temperature must be from 0 to 2, got {temperature}")
    ids = tokenizer.encode(prompt)  # a character model's unknown ones: a ValueError naming them
    g = torch.Generator().manual_seed(seed)
    out = generate(model, torch.tensor([ids]), length, temperature=temperature, generator=g, context="shift")  # type: ignore[arg-type]  # fmt: skip
    return tokenizer.decode(out[0])


def decode_task(model: EncoderDecoder, task: Task, text: str) -> Decoded:
    """Greedily decode the task input ``text`` (e.g. ``3 1 4`` or ``12+34``).

    Examples
    --------
    >>> from annotated import EncoderDecoder, get_task
    >>> from annotated.lab import decode_task
    >>> task = get_task("sort")
    >>> out = decode_task(EncoderDecoder.from_config(task.config()), task, "3 1 2")
    >>> out.source, out.expected, isinstance(out.answer, str)
    ('3 1 2', '1 2 3', True)
    """
    source = task.parse(text)  # malformed input: a ValueError that says why
    answer = task.vocab.decode(answer_ids(model, task, source))
    return Decoded(task.render(source), task.render(answer), task.answer(text))


def answer_ids(model: EncoderDecoder, task: Task, source: list[str]) -> list[int]:
    """The greedy answer's ids to ``source``: ``<s>``, the answer, and ``</s>`` if it ended.

    Examples
    --------
    >>> from annotated import EncoderDecoder, get_task
    >>> from annotated.lab.outputs import answer_ids
    >>> task = get_task("copy")
    >>> ids = answer_ids(EncoderDecoder.from_config(task.config()), task, ["3", "1"])
    >>> ids[0] == task.vocab.start, len(ids) <= task.max_tgt_len + 2
    (True, True)
    """
    v = task.vocab
    src = task.source_tensor([source])  # (1, src_len)
    ys = greedy_decode(
        model, src, padding_mask(src, v.pad), task.max_tgt_len + 2, v.start, v.end, v.pad
    )
    return list(ys[0].tolist())


def respond(
    run: LabRun, text: str, length: int = 200, temperature: float = 0.8, seed: int = 0
) -> str:
    """What ``run``'s current model makes of ``text``: a Shakespeare run writes on from it, a
    task run decodes it and says whether its answer is right.

    Examples
    --------
    >>> from annotated.lab import LabConfig, LabRun, respond
    >>> run = LabRun(LabConfig(task="add", max_steps=1, batch_size=2, warmup=0))
    >>> respond(run, "12+34").startswith("12+34 → ")
    True
    """
    model = run.snapshot()
    if isinstance(run.data, TextData):
        return sample_text(model, run.data.tokenizer, text, length, temperature, seed)
    if not isinstance(run.data, TaskData) or not isinstance(model, EncoderDecoder):
        raise TypeError(f"cannot decode with data {type(run.data).__name__}")
    out = decode_task(model, run.data.task, text)
    verdict = "right" if out.right else f"wrong: expected {out.expected}"
    return f"{out.source} → {out.answer}   ({verdict})"
