"""LibreOffice's help pages: paragraphs aligned by file path and ``id``, on fixture pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated.corpora.de_en.libreoffice_help import (
    HELP,
    ParagraphReader,
    page_pairs,
    page_paths,
)

HEAD = "<html><head><title>Titel</title><script>var x = \"<p id='par_id9'>\";</script></head><body>"
PAGES = {
    "de": {
        "text/shared/a.html": HEAD
        + '<h1 id="hd_id1">Linienfarbe</h1>'
        + '<p id="par_id2" class="paragraph">Wählen Sie eine <span class="emph">Linienfarbe</span> aus.</p>'
        + '<p id="par_id3">Drücken Sie <span class="switchinline"><span hidden="true" class="MAC">'
        + 'Befehl</span><span hidden="true" id="default1">Strg</span></span>+C zum Kopieren.'
        + '<div><p id="par_id4">Nur auf Deutsch gibt es diesen Absatz.</p></div>'
        + '<p id="par_id5">Klicken Sie auf &quot;OK&quot;, um fortzufahren.</p>'
        + '<p id="par_id5">Klicken Sie auf Abbrechen, um es zu lassen.</p>'
        + '<p id="par_id6">Wählen Sie <span class="switchinline"><span hidden="true" class="WRITER">'
        + "Format – Absatz</span></span> im Menü aus.</p></body></html>",
        "text/shared/only_de.html": '<p id="par_id1">Diese Seite hat keine Übersetzung.</p>',
    },
    "en-US": {
        "text/shared/a.html": HEAD
        + '<h1 id="hd_id1">Line Color</h1>'
        + '<p id="par_id2" class="paragraph">Select a <span class="emph">line color</span>.</p>'
        + '<p id="par_id3">Press <span class="switchinline"><span hidden="true" class="MAC">'
        + 'Command</span><span hidden="true" id="default1">Ctrl</span></span>+C to copy.'
        + '<p id="par_id5">Click &quot;OK&quot; to continue.</p>'
        + '<p id="par_id5">Click Cancel to leave it.</p>'
        + '<p id="par_id6">Choose <span class="switchinline"><span hidden="true" class="WRITER">'
        + "Format - Paragraph</span></span> in the menu.</p></body></html>",
        "text/shared/only_en.html": '<p id="par_id1">This page has no translation.</p>',
    },
}
EXPECTED = [
    ("Wählen Sie eine Linienfarbe aus.", "Select a line color."),
    ("Drücken Sie Strg+C zum Kopieren.", "Press Ctrl+C to copy."),
    ('Klicken Sie auf "OK", um fortzufahren.', 'Click "OK" to continue.'),
    ("Klicken Sie auf Abbrechen, um es zu lassen.", "Click Cancel to leave it."),
    ("Wählen Sie Format – Absatz im Menü aus.", "Choose Format - Paragraph in the menu."),
]


@pytest.fixture
def help_tree(tmp_path: Path) -> Path:
    for language, pages in PAGES.items():
        for page, html in pages.items():
            path = tmp_path / HELP / language / page
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8")
    return tmp_path


def test_only_pages_in_both_languages(help_tree: Path) -> None:
    assert page_paths(help_tree, help_tree) == [Path("text/shared/a.html")]


def test_paragraphs_align_by_id_and_repetition(help_tree: Path) -> None:
    """Headings are no sentences, a German-only paragraph has no partner, switches show
    their default (or, without one, their first) variant, a repeated id pairs in order."""
    assert page_pairs(help_tree, help_tree, Path("text/shared/a.html")) == EXPECTED


def test_languages_may_sit_in_separate_trees(
    help_tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    english = tmp_path_factory.mktemp("english")
    (english / HELP).mkdir(parents=True)
    (help_tree / HELP / "en-US").rename(english / HELP / "en-US")
    assert page_pairs(help_tree, english, Path("text/shared/a.html")) == EXPECTED


def test_unclosed_paragraphs_end_at_the_next_block() -> None:
    reader = ParagraphReader()
    reader.feed(
        '<p id="par_id1">Eins<br>zwei<table><tr><td>Zelle</td></tr></table><h2 id="hd_id2">Drei'
    )
    reader.close()
    assert reader.paragraphs == {("par_id1", 0): "Eins zwei", ("hd_id2", 0): "Drei"}


def test_a_missing_language_names_the_package(
    help_tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(FileNotFoundError, match="unpack libreoffice-help-en-us into"):
        page_paths(help_tree, empty)
