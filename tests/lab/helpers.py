"""Small configs and a small corpus, so the Lab's unit tests train in a fraction of a second."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from annotated.lab import LabConfig
from annotated.lab.data import TextData
from annotated.tokenizers.char import CharTokenizer

TEXT = (
    "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n" * 40
)
TINY_TASK = LabConfig(task="copy", N=1, d_model=64, h=2, max_steps=20, batch_size=16, warmup=2)
TINY_GPT = LabConfig(
    task="shakespeare",
    N=1,
    d_model=64,
    h=2,
    max_steps=20,
    batch_size=8,
    max_len=16,
    warmup=2,
)


def tiny_corpus() -> tuple[CharTokenizer, torch.Tensor, torch.Tensor]:
    """A repetitive text: a GPT learns it within a few dozen steps."""
    tok = CharTokenizer.from_text(TEXT)
    cut = int(len(TEXT) * 0.9)
    return tok, tok.encode_tensor(TEXT[:cut]), tok.encode_tensor(TEXT[cut:])


def gpt_data(config: LabConfig) -> TextData:
    """The tiny corpus as a run's data."""
    return TextData(config, tiny_corpus())


def tiny(config: LabConfig, **changes: Any) -> LabConfig:
    """``config`` with ``changes``."""
    return replace(config, **changes)
