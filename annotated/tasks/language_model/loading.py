"""Load a trained GPT: the checkpoint and the tokenizer its card describes.

A language-model checkpoint is self-contained: a character model's card lists the characters
it was trained on, in token order, and a subword model's tokenizer file lies beside the
weights, its SHA-256 in the card (:mod:`annotated.tasks.language_model.tokenizer`). The
corpus is not needed to generate text. The tokenizer must have exactly the model's
:math:`V` ids, since token *i* of the model is token *i* of the tokenizer:

.. math::

    V_{\\text{tokenizer}} = V_{\\text{model}} \\quad (\\texttt{config.vocab\\_size})
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import torch

from annotated.gpt import GPT
from annotated.tasks.language_model.tokenizer import load_tokenizer
from annotated.tokenizers.protocol import TextTokenizer
from annotated.training.checkpoint import load_checkpoint
from annotated.training.files import CheckpointError


class LanguageModel(NamedTuple):
    """A trained GPT (eval mode), its tokenizer and its card."""

    model: GPT
    tokenizer: TextTokenizer
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
    tokenizer = load_tokenizer(card, checkpoint.path.parent, where)
    if tokenizer.vocab_size != checkpoint.model.config.vocab_size:
        raise CheckpointError(
            f"{where}: the tokenizer has {tokenizer.vocab_size} tokens, the model "
            f"{checkpoint.model.config.vocab_size}"
        )
    return LanguageModel(checkpoint.model, tokenizer, card)
