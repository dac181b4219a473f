"""Load a trained character-level GPT: the checkpoint and the tokenizer its card describes.

A language-model checkpoint is self-contained: its card lists the characters the model was
trained on, in token order, so the tokenizer is rebuilt from the card and the corpus is not
needed to generate text. Loading insists the list is a valid character vocabulary whose
sorted order is the card's order, because token *i* of the model means the *i*-th character
of the card, and a tokenizer that numbered them differently would make the model read and
write nonsense.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import torch

from annotated.gpt import GPT
from annotated.tokenizers.char import CharTokenizer
from annotated.training.checkpoint import load_checkpoint
from annotated.training.files import CheckpointError


class LanguageModel(NamedTuple):
    """A trained GPT (eval mode), its character tokenizer and its card."""

    model: GPT
    tokenizer: CharTokenizer
    card: dict[str, Any]


def load_language_model(path: Path | str, device: torch.device | str = "cpu") -> LanguageModel:
    """Load a GPT checkpoint (run directory, ``.safetensors`` or ``.json``) and its tokenizer.

    Examples
    --------
    >>> import tempfile
    >>> from annotated import GPT, GPTConfig, save_checkpoint
    >>> from annotated.tasks import load_language_model
    >>> from annotated.tokenizers import CharTokenizer
    >>> tok = CharTokenizer.from_text("to be or not")
    >>> model = GPT(GPTConfig(vocab_size=tok.vocab_size, max_len=8, N=1, h=2,
    ...                       d_model=8))
    >>> run = tempfile.mkdtemp()
    >>> _ = save_checkpoint(run, model, vocab=tok.chars, task="shakespeare")
    >>> lm = load_language_model(run)
    >>> lm.tokenizer.decode(lm.tokenizer.encode("not to be"))
    'not to be'
    """
    checkpoint = load_checkpoint(path, device)
    card, where = checkpoint.card, checkpoint.path.with_suffix(".json")
    if not isinstance(checkpoint.model, GPT):
        raise CheckpointError(
            f"{where}: an {card['architecture']!r} checkpoint, not a language model (gpt)"
        )
    vocab = card.get("vocab")
    if not isinstance(vocab, list) or not all(isinstance(c, str) for c in vocab):
        raise CheckpointError(f"{where}: the card has no character vocabulary")
    try:
        tokenizer = CharTokenizer(vocab)
    except ValueError as error:
        raise CheckpointError(f"{where}: invalid vocabulary ({error})") from None
    if tokenizer.chars != vocab:
        raise CheckpointError(f"{where}: the vocabulary is not in sorted, distinct order")
    return LanguageModel(checkpoint.model, tokenizer, card)
