"""Cleaning sentence pairs: one spelling of each text, sentence shape, lengths, duplicates.

Two sources typed by different people spell the same sentence differently: curly or straight
quotes, German „…“ or English “…”, non-breaking or doubled spaces, a precomposed ``ä`` or
``a`` followed by a combining diaeresis. :func:`normalise` gives each text one spelling, so
that deduplication and the split hash (:mod:`.splits`) see equal sentences as equal bytes. A
pair whose lengths disagree wildly is a misalignment, not a translation: German runs about
10-20% longer than English in characters, so a pair is kept when

.. math::

    \\max(|g|, |e|) \\le r \\cdot \\min(|g|, |e|) + c, \\qquad r = 2,\\; c = 10

with :math:`|g|, |e|` the lengths in characters of the German and English text; the slack
:math:`c` spares short pairs such as ``Ja.`` / ``Yes, please.``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

Pair = tuple[str, str]  # (german, english)

LENGTH_RATIO = 2.0  # r: the longer text may be this many times the shorter ...
LENGTH_SLACK = 10  # c: ... plus this many characters
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))  # soft hyphen, zero widths
QUOTES = str.maketrans({**dict.fromkeys("„“”‟«»〝〞＂", '"'), **dict.fromkeys("‚‘’‛‹›", "'")})
SENTENCE_END = re.compile(r"""[.!?]['")\]]*$""")
ELLIPSIS = re.compile(r"…|\.\.")


def normalise(text: str) -> str:
    """``text`` in one spelling: NFC, straight quotes, single spaces, nothing invisible.

    Whitespace of every kind (tabs, newlines, non-breaking spaces) becomes one space, so a
    normalised text always fits in one field of a TSV line. Normalising twice changes nothing.

    Examples
    --------
    >>> from annotated.corpora.de_en.cleaning import normalise
    >>> normalise("  „Geh\u00a0weg“,\\tsagte er.\\n")
    '"Geh weg", sagte er.'
    >>> normalise("Ma\u0308dchen’s") == "Mädchen's"
    True
    """
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE).translate(QUOTES)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def word_count(text: str) -> int:
    """The number of space-separated words in ``text``."""
    return len(text.split())


def is_sentence(text: str, min_words: int, max_words: int) -> bool:
    """Whether ``text`` looks like one whole sentence of ``min_words`` to ``max_words`` words.

    A sentence here starts with a capital letter or a digit, ends with ``.``, ``!`` or ``?``
    (a closing quote or bracket may follow) and has no ellipsis, which marks a fragment.

    Examples
    --------
    >>> from annotated.corpora.de_en.cleaning import is_sentence
    >>> is_sentence("Wählen Sie eine Linienfarbe aus.", 3, 30)
    True
    >>> [is_sentence(t, 3, 30) for t in ["to be afraid of dogs.", "Adel verpflichtet.", "Er sagte …"]]
    [False, False, False]
    """
    opening = text.lstrip("\"'(")
    return (
        (opening[:1].isupper() or opening[:1].isdigit())
        and SENTENCE_END.search(text) is not None
        and ELLIPSIS.search(text) is None
        and min_words <= word_count(text) <= max_words
    )


def lengths_agree(german: str, english: str) -> bool:
    """Whether the lengths of a pair agree: :math:`\\max \\le r \\min + c` (module docstring).

    Examples
    --------
    >>> from annotated.corpora.de_en.cleaning import lengths_agree
    >>> lengths_agree("Ja.", "Yes, please."), lengths_agree("Ja.", "Yes, and so it goes on and on.")
    (True, False)
    """
    short, long = sorted((len(german), len(english)))
    return long <= LENGTH_RATIO * short + LENGTH_SLACK


def clean(pairs: Iterable[Pair], seen: set[str] | None = None) -> list[Pair]:
    """The normalised pairs worth keeping, each German sentence once, in input order.

    A pair is dropped when either side is empty, when both sides are equal (an untranslated
    paragraph), when the lengths disagree (:func:`lengths_agree`), or when its German
    sentence came before, here or in ``seen`` (which this call extends). One English per
    German keeps one reference per test sentence, and makes the split by German trivially
    disjoint.

    Examples
    --------
    >>> from annotated.corpora.de_en.cleaning import clean
    >>> clean([("Guten  Tag.", "Good day."), ("Guten Tag.", "Hello."), ("OK.", "OK.")])
    [('Guten Tag.', 'Good day.')]
    """
    seen = set() if seen is None else seen
    kept = []
    for raw_german, raw_english in pairs:
        german, english = normalise(raw_german), normalise(raw_english)
        if not german or not english or german == english or german in seen:
            continue
        if lengths_agree(german, english):
            seen.add(german)
            kept.append((german, english))
    return kept
