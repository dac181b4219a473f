"""Example sentences of the Ding dictionary (Debian ``trans-de-en``, GPL-2+).

The package holds one file, ``usr/share/trans/de-en``: one entry per line, German and
English separated by `` :: ``, aligned sub-entries by `` | `` (a headword, its inflections,
phrases, then example sentences), synonyms by ``; ``, and annotations in brackets::

    Geld {n} [fin.] | ... | Ich habe kein Geld. :: money | ... | I haven't any money.

An entry whose two sides have different numbers of sub-entries cannot be aligned and is
skipped. Each side loses its annotations (``{m}``, ``[ugs.]``, ``(on)``, ``<Aalmolch>``,
abbreviations such as ``/Adr./``), keeps the first of each ``a/b`` alternative (both sides
list alternatives in the same order: ``nationalen/öffentlichen`` :: ``national/public``),
and then the whole sentences of at least 3 words without ellipses are the sentence pairs: the
headwords and phrases ("to be afraid of sth.") are dictionary entries, not text to translate
or to score. Phrases of 3 words or more still teach vocabulary and idiom, so they become
training-only pairs (:mod:`.held_out`), unless their entry has a held-out sentence.
"""

from __future__ import annotations

import re
from pathlib import Path

from annotated.corpora.de_en.cleaning import Pair, is_sentence, normalise, word_count

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


def synonyms(side: str) -> list[str]:
    """The ``; ``-separated synonyms of one sub-entry, without annotations or alternatives.

    A synonym that still holds a slash between words (``A / B``) is left out: it is an
    alternative that :func:`resolve_alternatives` cannot pick from.
    """
    found = resolve_alternatives(strip_annotations(side)).split("; ")
    return [s for s in found if "/ " not in s and " /" not in s]


def sentences(side: str) -> list[str]:
    """The whole sentences among the synonyms of one sub-entry."""
    return [s for s in synonyms(side) if _is_sentence(s)]


def phrases(side: str) -> list[str]:
    """The phrases among the synonyms of one sub-entry: 3 to 40 words, not a sentence.

    Headwords and two-word entries (a noun and its article, ``Zahnwanderung``) are left out:
    they are most of the dictionary's entries, each teaches one rare word, and at this
    corpus's size they would outnumber its sentences many times over.

    Examples
    --------
    >>> from annotated.corpora.de_en.ding import phrases
    >>> phrases("den Löffel abgeben [ugs.]; abkratzen; Er hat den Löffel abgegeben.")
    ['den Löffel abgeben']
    """
    return [
        s for s in synonyms(side) if not _is_sentence(s) and MIN_WORDS <= word_count(s) <= MAX_WORDS
    ]


def _is_sentence(text: str) -> bool:
    """Whether a synonym is a sentence of :data:`MIN_WORDS` to :data:`MAX_WORDS` words."""
    return is_sentence(text, MIN_WORDS, MAX_WORDS)


def sub_entries(line: str) -> list[tuple[str, str]]:
    """The aligned ``(german, english)`` sub-entries of a line; none when it has none.

    A comment, a line without exactly one `` :: ``, and an entry whose two sides have
    different numbers of sub-entries give none.
    """
    if line.startswith("#") or line.count(" :: ") != 1:
        return []
    german, english = line.rstrip("\n").split(" :: ")
    german_parts, english_parts = german.split(" | "), english.split(" | ")
    if len(german_parts) != len(english_parts):
        return []
    return list(zip(german_parts, english_parts, strict=True))


def paired(german: list[str], english: list[str]) -> list[Pair]:
    """German synonym :math:`i` with English synonym :math:`\\min(i, m - 1)` (none if :math:`m = 0`)."""
    return [(s, english[min(i, len(english) - 1)]) for i, s in enumerate(german) if english]


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
    return [
        pair
        for german, english in sub_entries(line)
        for pair in paired(sentences(german), sentences(english))
    ]


def parse_phrases(line: str) -> list[Pair]:
    """The phrase pairs (:func:`phrases`) of one dictionary line, paired as its sentences.

    Examples
    --------
    >>> from annotated.corpora.de_en.ding import parse_phrases
    >>> parse_phrases("Löffel {m} | den Löffel abgeben [ugs.] :: spoon | to kick the bucket")
    [('den Löffel abgeben', 'to kick the bucket')]
    """
    return [
        pair
        for german, english in sub_entries(line)
        for pair in paired(phrases(german), phrases(english))
    ]


def read_lines(root: Path) -> list[str]:
    """The lines of the dictionary in the unpacked package ``root``.

    Raises
    ------
    FileNotFoundError
        When ``root`` has no ``usr/share/trans/de-en``.
    """
    path = root / PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no Ding dictionary there; unpack trans-de-en into {root} "
            "(or run `annotated data de-en` without --unpacked to fetch it)"
        )
    return path.read_text(encoding="utf-8").splitlines()


def read_pairs(root: Path) -> list[Pair]:
    """Every sentence pair of the dictionary in the unpacked package ``root``, in file order.

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
    return [pair for line in read_lines(root) for pair in parse_line(line)]


def read_phrases(root: Path) -> list[tuple[Pair, tuple[str, ...]]]:
    """Every phrase pair of the dictionary in ``root``, with its entry's German sentences.

    The sentences are what :class:`~annotated.corpora.de_en.held_out.HeldOut` checks: a
    phrase whose entry has a held-out example sentence paraphrases it, and is left out.
    """
    found = []
    for line in read_lines(root):
        related = tuple(german for german, _ in parse_line(line))
        found += [(pair, related) for pair in parse_phrases(line)]
    return found
