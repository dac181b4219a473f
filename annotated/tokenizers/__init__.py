"""Tokenizers: text to token ids and back, one place for every model of the package.

* :class:`Vocabulary`: the synthetic tasks' symbols with ``<pad>``, ``<s>``, ``</s>``;
* :class:`CharTokenizer`: one token per character (character-level Shakespeare);
* :class:`SubwordTokenizer`: byte-level BPE subwords (translation, subword language models).
"""

from annotated.tokenizers.char import CharTokenizer
from annotated.tokenizers.subword import SubwordTokenizer
from annotated.tokenizers.vocabulary import Vocabulary

__all__ = ["CharTokenizer", "SubwordTokenizer", "Vocabulary"]
