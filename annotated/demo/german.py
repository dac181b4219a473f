"""Is the input German? Cheap checks of what a person types into the Translate tab.

The model was trained on German sentences of a dictionary and of software help pages. Any
string has an encoding (the subword vocabulary is byte-level), so the model never fails on a
strange input: it writes something. What it writes for an emoji, a Russian sentence or an
English one is noise, and a reader should be told so rather than left to guess. These checks
run before the model, in microseconds, and need no model:

* **refused** (:class:`gradio.Error`): empty text, more than :data:`MAX_CHARS` characters,
  no letter at all (only emoji, digits or punctuation), or no Latin letter (another script);
* **noted** (a line of the tab's status, and the translation is still made): emoji and
  other symbols, letters of another script beside the Latin ones, or more of the common
  words of English, French, Spanish, Italian or Dutch than of German.

The language guess counts a few dozen function words of each language (articles, pronouns,
prepositions), the words every sentence has; a word two of the languages share (``in``,
``was``, ``des``) counts for neither. It is a hint, not a classifier: a German sentence
without function words ("Datei speichern") gives no hint at all, and is translated silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from annotated.demo.checks import refused

MAX_CHARS = 500  # a few sentences; the page's text box stops typing there
EXAMPLE = "Klicken Sie auf OK."
GERMAN = frozenset(
    "der die das den dem ein eine einen einem einer und ist sind nicht sie ich wir ihr "
    "es sich mit auf für von zu zum zur im aus bei nach über unter wird werden oder wenn "
    "dass auch noch nur kein keine mein dein sein wie hier diese dieser dieses".split()
)
OTHERS = {
    "English": frozenset(
        "the and of to is are with this that you your it for on be have has from by at "
        "can which there they we our not my".split()
    ),
    "French": frozenset(
        "le la les et est une pour avec dans sur vous nous ce cette qui que pas sont "
        "au aux je il elle mon ma mes".split()
    ),
    "Spanish": frozenset(
        "el los las y por para con del se su una usted este esta lo no mi".split()
    ),
    "Italian": frozenset("il gli della di per che sono non è questo questa lei mio mia".split()),
    "Dutch": frozenset("het een van en niet dat op voor zijn wordt u je ik mijn".split()),
}
# each language's words that neither German nor another of the languages has
EXCLUSIVE = {
    name: words - GERMAN - frozenset().union(*(w for n, w in OTHERS.items() if n != name))
    for name, words in OTHERS.items()
}
WORD = re.compile(r"[^\W\d_]+")  # a run of letters


def check_german(text: object) -> list[str]:
    """Refuse an input the model cannot read; return the notes on one it reads doubtfully.

    Parameters
    ----------
    text : object
        What the request carries (the API can send anything).

    Returns
    -------
    list of str
        One sentence per doubt; empty for an input that looks like German.

    Raises
    ------
    gradio.Error
        For empty text, text over :data:`MAX_CHARS` characters, or text without a Latin
        letter.

    Examples
    --------
    >>> from annotated.demo.german import check_german
    >>> check_german("Wählen Sie eine Linienfarbe aus.")
    []
    >>> check_german("Please choose a colour for the line.")
    ['This looks like English, not German (for, the): the model translates German and may copy or garble other languages.']
    >>> check_german("😀😀")
    Traceback (most recent call last):
    ...
    gradio.exceptions.Error: 'The input has no words to translate, only digits, signs or emoji: type a German sentence, e.g. Klicken Sie auf OK.'
    """
    if not isinstance(text, str) or not text.strip():
        raise refused(f"The input is empty: type a German sentence, e.g. {EXAMPLE}")
    if len(text) > MAX_CHARS:
        raise refused(
            f"The input is too long ({len(text):,} characters; at most {MAX_CHARS}): "
            "translate a sentence or two at a time."
        )
    letters = [c for c in text if c.isalpha()]
    if not letters:
        raise refused(
            "The input has no words to translate, only digits, signs or emoji: type a German "
            f"sentence, e.g. {EXAMPLE}"
        )
    scripts = Counter(script(c) for c in letters)
    if "Latin" not in scripts:
        (main, _), *_ = scripts.most_common(1)
        raise refused(
            f"The model reads German in Latin letters; this text is in {main} script. "
            f"Type a German sentence, e.g. {EXAMPLE}"
        )
    notes = []
    symbols = sorted({c for c in text if unicodedata.category(c) in ("So", "Co", "Cn")})
    if symbols:
        notes.append(
            f"The model never saw emoji or symbols such as {' '.join(symbols[:5])} in training: "
            "it translates the words around them, and the symbols may come out garbled or be "
            "dropped."
        )
    others = sorted(s for s in scripts if s != "Latin")
    if others:
        notes.append(
            f"The text mixes Latin letters with {', '.join(others)} ones; the model reads only "
            "German, and the other words may come out garbled."
        )
    language, hints = guess_other_language(text)
    if language:
        notes.append(
            f"This looks like {language}, not German ({', '.join(hints[:3])}): the model "
            "translates German and may copy or garble other languages."
        )
    return notes


def script(letter: str) -> str:
    """The script of ``letter``, from its Unicode name: ``Latin``, ``Cyrillic``, ``CJK`` ...

    Examples
    --------
    >>> from annotated.demo.german import script
    >>> [script(c) for c in "äЖλ中"]
    ['Latin', 'Cyrillic', 'Greek', 'CJK']
    """
    first = unicodedata.name(letter, "UNKNOWN").split()[0]
    return first.title() if len(first) > 3 else first


def guess_other_language(text: str) -> tuple[str | None, list[str]]:
    """The language whose common words outnumber German's in ``text``, and those words.

    Examples
    --------
    >>> from annotated.demo.german import guess_other_language
    >>> guess_other_language("Das ist nicht mein Problem.")
    (None, [])
    >>> guess_other_language("Ce n'est pas mon problème.")
    ('French', ['ce', 'est', 'pas', 'mon'])
    """
    words = [w.lower() for w in WORD.findall(text)]
    german = sum(w in GERMAN for w in words)
    best: str | None = None
    hints: list[str] = []
    for language, common in EXCLUSIVE.items():
        found = [w for w in words if w in common]
        if len(found) > max(german, len(hints)):
            best, hints = language, found
    return best, list(dict.fromkeys(hints))
