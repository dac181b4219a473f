"""Paragraph pairs of LibreOffice's help pages (Debian ``libreoffice-help-de``/``-en-us``, MPL-2.0).

The packages hold the help as HTML, ``usr/share/libreoffice/help/{de,en-US}/text/**/*.html``,
one page per file under the same path in both languages. Every paragraph and heading of the
translated help carries an ``id`` (``par_id3150838``, ``hd_id3148932``) that the translators
keep, so a German paragraph and an English one form a pair when they sit in the same file
under the same ``id`` (and, for an ``id`` repeated within a page, the same repetition). The
pages are read with the standard library's :class:`html.parser.HTMLParser`: the help is
machine-written HTML with the odd unclosed ``<p>``, which a tolerant parser handles and a
regular expression would not. Of the pairs, the whole sentences of 4 to 30 words are kept:
headings, menu paths and code listings are not sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from annotated.corpora.de_en.cleaning import Pair, is_sentence, normalise

HELP = Path("usr/share/libreoffice/help")  # inside the unpacked packages
GERMAN, ENGLISH = "de", "en-US"
MIN_WORDS = 4
MAX_WORDS = 30
PARAGRAPH_ID = re.compile(r"[a-z]+_id[0-9a-z]+")
TEXT_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "h"})
BLOCK_TAGS = TEXT_TAGS | {"div", "table", "tr", "td", "th", "ul", "ol", "li", "pre", "body"}
HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})


class ParagraphReader(HTMLParser):
    """Collects the text of every paragraph or heading that has a paragraph ``id``.

    ``paragraphs`` maps ``(id, repetition)`` to the paragraph's normalised text, in page
    order. A paragraph ends at its end tag or at the next block tag (an unclosed ``<p>``).
    Inside a paragraph, an inline switch (``<span class="switchinline">``) holds variants
    for systems or modules (``Befehl`` on a Mac, ``Strg`` elsewhere) of which the help shows
    one: the reader keeps the default variant (the one without a ``class``), or the first
    when there is no default.

    Examples
    --------
    >>> from annotated.corpora.de_en.libreoffice_help import ParagraphReader
    >>> reader = ParagraphReader()
    >>> reader.feed('<p id="par_id1">Press <span class="switchinline">'
    ...     '<span hidden="true" class="MAC">Cmd</span><span hidden="true">Ctrl</span></span>'
    ...     '+<b>C</b>.<p id="par_id1">Again')
    >>> reader.close()
    >>> reader.paragraphs
    {('par_id1', 0): 'Press Ctrl+C.', ('par_id1', 1): 'Again'}
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: dict[tuple[str, int], str] = {}
        self._seen: Counter[str] = Counter()
        self._current: tuple[str, int] | None = None
        self._tag = ""
        self._spans: list[_Span] = []  # the spans open inside the current paragraph
        self._text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a paragraph at a text tag with a paragraph ``id``; close one at any block."""
        attributes = dict(attrs)
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        if tag in BLOCK_TAGS:
            self._finish()
        ident = attributes.get("id") or ""
        if tag in TEXT_TAGS and PARAGRAPH_ID.fullmatch(ident):
            self._current, self._tag = (ident, self._seen[ident]), tag
            self._seen[ident] += 1
        elif tag == "span" and self._current is not None:
            parent = self._spans[-1] if self._spans else None
            switch = "switch" in (attributes.get("class") or "")
            variant = parent is not None and parent.switch and "hidden" in attributes
            self._spans.append(_Span(switch, variant, attributes.get("class") is None))
        elif tag == "br":
            self._sink().append(" ")

    def handle_endtag(self, tag: str) -> None:
        """Close a span, or the open paragraph at its own end tag or any block's end."""
        if tag in HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        if tag == "span" and self._spans:
            span = self._spans.pop()
            parent = self._spans[-1] if self._spans else None
            if span.switch:
                self._sink().append(span.chosen())
            elif span.variant and parent is not None:
                parent.variants.append((span.default, "".join(span.text)))
        elif tag == self._tag or tag in BLOCK_TAGS:
            self._finish()

    def handle_data(self, data: str) -> None:
        """Keep text that is inside an open paragraph and outside scripts and styles."""
        if self._current is not None and not self._hidden:
            self._sink().append(data)

    def close(self) -> None:
        """Finish the last paragraph, then close the parser."""
        super().close()
        self._finish()

    def _sink(self) -> list[str]:
        """Where text goes now: the innermost open variant of a switch, else the paragraph."""
        for span in reversed(self._spans):
            if span.variant:
                return span.text
        return self._text

    def _finish(self) -> None:
        """Store the open paragraph's text (if any) and start none."""
        if self._current is not None:
            while self._spans:  # spans left open by the page: close them in order
                self.handle_endtag("span")
            self.paragraphs[self._current] = normalise("".join(self._text))
        self._current, self._tag, self._text = None, "", []


@dataclass
class _Span:
    """A ``<span>`` open inside a paragraph: a switch, one of its variants, or plain text."""

    switch: bool  # holds variants, of which one is shown
    variant: bool  # a hidden child of a switch
    default: bool  # a variant without a class: what the help shows by default
    text: list[str] = field(default_factory=list)  # a variant's text
    variants: list[tuple[bool, str]] = field(default_factory=list)  # (default, text)

    def chosen(self) -> str:
        """A switch's shown text: its default variant, else its first, else nothing."""
        defaults = [text for default, text in self.variants if default]
        return (defaults or [text for _, text in self.variants] or [""])[0]


def read_paragraphs(path: Path) -> dict[tuple[str, int], str]:
    """The paragraphs of the help page ``path``, keyed by ``(id, repetition)``."""
    reader = ParagraphReader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.paragraphs


def page_paths(german_root: Path, english_root: Path) -> list[Path]:
    """The pages present in both languages, sorted, relative to a language's folder.

    ``german_root`` and ``english_root`` hold the unpacked ``libreoffice-help-de`` and
    ``libreoffice-help-en-us`` (the same folder when both were unpacked into one); a page
    path looks like ``text/shared/01/06040000.html``.

    Raises
    ------
    FileNotFoundError
        When either language's help is missing.
    """
    found = []
    for language, root in ((GERMAN, german_root), (ENGLISH, english_root)):
        folder = root / HELP / language / "text"
        if not folder.is_dir():
            package = f"libreoffice-help-{language.lower()}"
            raise FileNotFoundError(
                f"{folder}: no {language} help pages there; unpack {package} into {root} "
                "(or run `annotated data de-en` without --unpacked to fetch it)"
            )
        found.append({p.relative_to(folder.parent) for p in folder.rglob("*.html")})
    return sorted(found[0] & found[1])


def page_pairs(german_root: Path, english_root: Path, page: Path) -> list[Pair]:
    """The sentence pairs of one page: paragraphs under the same key in both languages.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from annotated.corpora.de_en.libreoffice_help import HELP, page_pairs
    >>> root, page = pathlib.Path(tempfile.mkdtemp()), pathlib.Path("text/a.html")
    >>> for language, text in [("de", "Wählen Sie eine Linienfarbe aus."), ("en-US", "Choose a line colour.")]:
    ...     path = root / HELP / language / page
    ...     path.parent.mkdir(parents=True)
    ...     _ = path.write_text(f'<h1 id="hd_id1">Farbe</h1><p id="par_id2">{text}</p>')
    >>> page_pairs(root, root, page)
    [('Wählen Sie eine Linienfarbe aus.', 'Choose a line colour.')]
    """
    german = read_paragraphs(german_root / HELP / GERMAN / page)
    english = read_paragraphs(english_root / HELP / ENGLISH / page)
    return [
        (text, english[key])
        for key, text in german.items()
        if key in english
        and is_sentence(text, MIN_WORDS, MAX_WORDS)
        and is_sentence(english[key], MIN_WORDS, MAX_WORDS)
    ]
