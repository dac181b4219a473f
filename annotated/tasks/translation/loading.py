"""Load a trained translation model: the checkpoint and the subword tokenizer beside it.

A translation run directory holds ``tokenizer.json`` next to ``model.safetensors``; the card
names it, and loading checks that the tokenizer's size is the model's vocabulary, because
a model that learned "id 517 is *Linie*" would translate nonsense with another numbering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import torch

from annotated.corpora.de_en.cleaning import Pair
from annotated.corpora.de_en.store import load_by_source, read_manifest
from annotated.model import EncoderDecoder
from annotated.tokenizers import SubwordTokenizer
from annotated.training.checkpoint import load_checkpoint
from annotated.training.files import CheckpointError


class TranslationModel(NamedTuple):
    """A trained German-to-English encoder-decoder (eval mode), its tokenizer and its card."""

    model: EncoderDecoder
    tokenizer: SubwordTokenizer
    card: dict[str, Any]


def load_translation_model(
    path: Path | str, device: torch.device | str = "cpu", tokenizer: Path | str | None = None
) -> TranslationModel:
    """Load a translation checkpoint (run directory, ``.safetensors`` or ``.json``).

    ``tokenizer`` is the tokenizer file; by default the card's, beside the weights.
    """
    checkpoint = load_checkpoint(path, device)
    card, where = checkpoint.card, checkpoint.path.with_suffix(".json")
    if not isinstance(checkpoint.model, EncoderDecoder) or card.get("task") != "translate":
        raise CheckpointError(f"{where}: a {card.get('task')!r} model, not a translation model")
    file = Path(tokenizer) if tokenizer else checkpoint.path.parent / card.get("tokenizer", "")
    tok = SubwordTokenizer.load(file)
    config = checkpoint.model.config
    if config is None or tok.vocab_size != config.src_vocab:
        raise CheckpointError(
            f"{file}: a tokenizer of {tok.vocab_size} tokens for a model of "
            f"{config.src_vocab if config else '?'}: not the tokenizer this model was trained with"
        )
    return TranslationModel(checkpoint.model, tok, card)


def corpus_root(card: dict[str, Any], root: Path | str | None = None) -> Path | None:
    """``root``, else the corpus folder of the card's options; ``None`` is the user's cache."""
    chosen = root or card.get("options", {}).get("corpus")
    return None if chosen is None else Path(chosen)


def held_out_test_pairs(
    card: dict[str, Any], root: Path | str | None = None
) -> dict[str, list[Pair]]:
    """The test pairs of each source of the corpus in ``root``, checked against ``card``.

    ``root`` defaults to the card's corpus (:func:`corpus_root`). A score is only comparable
    with the card's when it is measured on the same sentences, so the corpus files must have
    the SHA-256s the card recorded.

    Raises
    ------
    ValueError
        When the corpus differs from the one the model was trained and scored on.
    """
    where = corpus_root(card, root)
    files = read_manifest(where)["files"]
    if "corpus" in card and files != card["corpus"]["files"]:
        raise ValueError(
            f"the corpus in {where or 'the cache'} differs from the one this model was "
            "scored on (SHA-256s of its files); rebuild it with `annotated data de-en`"
        )
    return load_by_source("test", where)
