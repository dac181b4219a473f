"""Keeping training-only text clear of the held-out sentences.

Besides its sentences, LibreOffice's help holds text that is not a sentence to translate
but still teaches a model the help's German and English: headings, labels, menu paths and
long paragraphs. Such *training-only* pairs go into the training split, after its
sentences; the validation and test splits stay whole sentences, split by hash
(:mod:`.splits`). A training-only pair must not give away a held-out (validation or test)
pair, so it is dropped when

.. math::

    g \\sqsupseteq g_h \\;\\lor\\; e \\sqsupseteq e_h
    \\quad \\text{for some held-out pair } (g_h, e_h)

where :math:`(g, e)` is the training-only pair and :math:`x \\sqsupseteq y` says that
:math:`y` occurs in :math:`x` starting at one of its words (a long paragraph that quotes a
test sentence, or repeats it with a sentence more).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from annotated.corpora.de_en.cleaning import Pair


class HeldOut:
    """The held-out pairs, indexed by first word to test training-only pairs quickly.

    Examples
    --------
    >>> from annotated.corpora.de_en.held_out import HeldOut
    >>> held = HeldOut([("Klicken Sie auf OK.", "Click OK.")])
    >>> held.touches(("Dann: Klicken Sie auf OK. Fertig.", "Then click OK to finish."))
    True
    >>> held.touches(("Datei - Speichern", "Then: Click OK."))
    True
    >>> held.touches(("Auf OK klicken", "Click OK"))
    False
    """

    def __init__(self, pairs: Iterable[Pair]) -> None:
        self._german, self._english = _Index(), _Index()
        for german, english in pairs:
            self._german.add(german)
            self._english.add(english)

    def touches(self, pair: Pair) -> bool:
        """Whether the German of ``pair`` holds a held-out German text, or its English one."""
        german, english = pair
        return self._german.found_in(german) or self._english.found_in(english)


class _Index:
    """Texts by their first word, to find them where a word starts in a text.

    A text of several words can only start where a text's word equals its first word (both
    end at a space); a text of one word, where a word begins with it.
    """

    def __init__(self) -> None:
        self._by_first_word: dict[str, list[str]] = defaultdict(list)
        self._single_words: list[str] = []

    def add(self, text: str) -> None:
        """Index ``text`` (normalised: single spaces)."""
        first, space, _ = text.partition(" ")
        if space:
            self._by_first_word[first].append(text)
        else:
            self._single_words.append(text)

    def found_in(self, text: str) -> bool:
        """Whether an indexed text occurs in ``text`` starting at one of its words."""
        position = 0
        for word in text.split(" "):
            candidates = self._by_first_word.get(word, ())
            if any(text.startswith(candidate, position) for candidate in candidates):
                return True
            if any(word.startswith(single) for single in self._single_words):
                return True
            position += len(word) + 1
        return False
