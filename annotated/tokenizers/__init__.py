"""Tokenizers: text to token ids and back, one place for every model of the package.

* :class:`Vocabulary`: the synthetic tasks' symbols with ``<pad>``, ``<s>``, ``</s>``;
* :class:`CharTokenizer`: one token per character (character-level Shakespeare);
* :class:`SubwordTokenizer`: byte-level BPE subwords (translation, subword language models);
* :class:`TiktokenTokenizer`: GPT-2's byte-level BPE from its ranks file, through ``tiktoken``.

The three text tokenizers satisfy :class:`TextTokenizer`, the interface a language model uses.
"""

from annotated.tokenizers.char import CharTokenizer
from annotated.tokenizers.protocol import TextTokenizer
from annotated.tokenizers.subword import SubwordTokenizer
from annotated.tokenizers.tiktoken_ranks import TiktokenTokenizer
from annotated.tokenizers.vocabulary import Vocabulary

__all__ = ["CharTokenizer", "SubwordTokenizer", "TextTokenizer", "TiktokenTokenizer", "Vocabulary"]
