"""Example sentences of the Ding dictionary (Debian ``trans-de-en``, GPL-2+).

The package holds one file, ``usr/share/trans/de-en``: one entry per line, German and
English separated by `` :: ``, aligned sub-entries by `` | `` (a headword, its inflections,
phrases, then example sentences), synonyms by ``; ``, and annotations in brackets::

    Geld {n} [fin.] | ... | Ich habe kein Geld. :: money | ... | I haven't any money.

An entry whose two sides have different numbers of sub-entries cannot be aligned and is
skipped. Each side loses its annotations (``{m}``, ``[ugs.]``, ``(on)``, ``<Aalmolch>``,
abbreviations such as ``/Adr./``), keeps the first of each ``a/b`` alternative (both sides
list alternatives in the same order: ``nationalen/öffentlichen`` :: ``national/public``),
and then only whole sentences of at least 3 words without ellipses remain: the headwords and
phrases ("to be afraid of sth.") are dictionary entries, not text to translate.
"""

from __future__ import annotations

import re
from pathlib import Path

from annotated.corpora.de_en.cleaning import Pair, is_sentence, normalise

PATH = Path("usr/share/trans/de-en")  # inside the unpacked package
MIN_WORDS = 3
MAX_WORDS = 40
BRACKETED = re.compile(r"\s*(?:\{[^{}]*\}|\[[^\[\]]*\]|\([^()]*\)|<[^<>]*>)")
ABBREVIATION = re.compile(r"\s/\S(?:[^/]*\S)?/(?=[\s;,]|$)")  # " /Adr./", " /p. A.; p. Adr./"
ALTERNATIVES = re.compile(r"\b([^\W\d_]+)(?:/[^\W\d_]+)+\b")  # "er/sie" -> "er"
SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")


def strip_annotations(text: str) -> str:
    """``text`` without bracketed annotations and slash abbreviations, brackets inside out.

    Examples
    --------
    >>> from annotated.corpora.de_en.ding import strip_annotations
    >>> strip_annotations("Ausgangspunkt {m} (auch [übtr.]) /Ausg./")
    'Ausgangspunkt'
    >>> strip_annotations("He poured the money down the drain (down a rat hole).")
    'He poured the money down the drain.'
    """
    text = ABBREVIATION.sub("", text)
    while (stripped := BRACKETED.sub("", text)) != text:
        text = stripped
    return SPACE_BEFORE_PUNCTUATION.sub(r"\1", normalise(text))


def resolve_alternatives(text: str) -> str:
    """``text`` with each ``a/b`` (or ``a/b/c``) of letters replaced by its first word ``a``.

    Numbers (``1/2``, ``24/7``) stay as they are.

    Examples
    --------
    >>> from annotated.corpora.de_en.ding import resolve_alternatives
    >>> resolve_alternatives("Es liegt im nationalen/öffentlichen Interesse, 24/7.")
    'Es liegt im nationalen Interesse, 24/7.'
    """
    return ALTERNATIVES.sub(r"\1", text)


def sentences(side: str) -> list[str]:
    """The whole sentences among the ``; ``-separated synonyms of one sub-entry."""
    synonyms = resolve_alternatives(strip_annotations(side)).split("; ")
    return [s for s in synonyms if "/ " not in s and " /" not in s and _is_sentence(s)]


def _is_sentence(text: str) -> bool:
    """Whether a synonym is a sentence of :data:`MIN_WORDS` to :data:`MAX_WORDS` words."""
    return is_sentence(text, MIN_WORDS, MAX_WORDS)


def parse_line(line: str) -> list[Pair]:
    """The sentence pairs of one dictionary line (none for comments, headwords, misalignment).

    German synonym :math:`i` pairs with English synonym :math:`\\min(i, m - 1)` of the same
    sub-entry (:math:`m` English synonyms): in a dictionary every synonym translates every
    other, and Ding tends to list parallel variants in the same order.

    Examples
    --------
    >>> from annotated.corpora.de_en.ding import parse_line
    >>> parse_line("Geld {n} | Ich habe kein Geld. :: money | I haven't any money.")
    [('Ich habe kein Geld.', "I haven't any money.")]
    >>> parse_line("Wozu? | Was soll das?; Was bringt das? [ugs.] :: Why? | What's the use?")
    [('Was soll das?', "What's the use?"), ('Was bringt das?', "What's the use?")]
    >>> parse_line("a | b :: c")  # two German sub-entries, one English: not aligned
    []
    """
    if line.startswith("#") or line.count(" :: ") != 1:
        return []
    german, english = line.rstrip("\n").split(" :: ")
    german_parts, english_parts = german.split(" | "), english.split(" | ")
    if len(german_parts) != len(english_parts):
        return []
    pairs = []
    for german_part, english_part in zip(german_parts, english_parts, strict=True):
        targets = sentences(english_part)
        if targets:
            sources = sentences(german_part)
            pairs += [(s, targets[min(i, len(targets) - 1)]) for i, s in enumerate(sources)]
    return pairs


def read_pairs(root: Path) -> list[Pair]:
    """Every sentence pair of the dictionary in the unpacked package ``root``, in file order.

    Raises
    ------
    FileNotFoundError
        When ``root`` has no ``usr/share/trans/de-en``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from annotated.corpora.de_en.ding import PATH, read_pairs
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / PATH).parent.mkdir(parents=True)
    >>> _ = (root / PATH).write_text("# Version :: 1\\nSo geht das nicht! :: That won't do!\\n")
    >>> read_pairs(root)
    [('So geht das nicht!', "That won't do!")]
    """
    path = root / PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no Ding dictionary there; unpack trans-de-en into {root} "
            "(or run `annotated data de-en` without --unpacked to fetch it)"
        )
    with open(path, encoding="utf-8") as lines:
        return [pair for line in lines for pair in parse_line(line)]
