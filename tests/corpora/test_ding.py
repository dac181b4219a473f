"""The Ding dictionary's parser on tricky lines, in a fixture tree the test builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated.corpora.de_en.ding import PATH, parse_line, read_pairs, strip_annotations

TRICKY = {
    "comment": ("# Version :: devel 2023-01-30", []),
    "headword only": ("Aal {m} [zool.] | Aale {pl} :: eel | eels", []),
    "example sentence": (
        "Geld {n} | Ich habe kein Geld. :: money | I haven't any money.",
        [("Ich habe kein Geld.", "I haven't any money.")],
    ),
    "annotations stripped": (
        "x | Das kann (ganz schön) ins Geld gehen. [ugs.] :: x | This can run into money. [coll.]",
        [("Das kann ins Geld gehen.", "This can run into money.")],
    ),
    "nested brackets": (
        "Ausgangspunkt {m} (auch [übtr.]) | Das ist der Ausgangspunkt (für [übtr.] alles). "
        ":: base | This is the base (for everything).",
        [("Das ist der Ausgangspunkt.", "This is the base.")],
    ),
    "alternatives resolved": (
        "x | Es liegt im nationalen/öffentlichen Interesse. :: x | It is in the national/public interest.",
        [("Es liegt im nationalen Interesse.", "It is in the national interest.")],
    ),
    "numbers with a slash stay": (
        "x | Wir haben 24/7 geöffnet. :: x | We are open 24/7.",
        [("Wir haben 24/7 geöffnet.", "We are open 24/7.")],
    ),
    "spaced slash dropped": (
        "x | Es musste einem Bau weichen / Platz machen. :: x | It had to give way to a building.",
        [],
    ),
    "ellipsis dropped": ("x | Gut mögen sie sein, aber … :: x | Good they may be, but …", []),
    "three dots dropped": ("x | Er sagte... nichts. :: x | He said... nothing.", []),
    "two words dropped": ("Adel {m} | Adel verpflichtet. :: nobility | Noblesse oblige.", []),
    "phrase with sth. dropped": ("etw. meinen {vt} :: to be serious about sth.", []),
    "misaligned sub-entries": ("Ich gehe heim. | Komm mit! :: I am going home.", []),
    "two separators": ("Wir gehen. :: We go. :: Nous allons.", []),
    "synonyms pair by position, else the last": (
        "x | Was soll das bringen?; Was bringt das denn?; Wozu ist das gut? "
        ":: x | What's the use of it?; What's the odds of that? [Br.]",
        [
            ("Was soll das bringen?", "What's the use of it?"),
            ("Was bringt das denn?", "What's the odds of that?"),
            ("Wozu ist das gut?", "What's the odds of that?"),
        ],
    ),
    "abbreviation marker": (
        "Adresse {f} /Adr./ | Die Adresse /Adr./ ist falsch. :: address | The address is wrong.",
        [("Die Adresse ist falsch.", "The address is wrong.")],
    ),
    "angle-bracket keyword": (
        "x | Das Zimmer ist leer. <Zimmer> :: x | The room is empty.",
        [("Das Zimmer ist leer.", "The room is empty.")],
    ),
    "one side is a sentence, the other not": ("x | Ich bin müde. :: x | tired", []),
}


@pytest.mark.parametrize("case", TRICKY)
def test_parse_line(case: str) -> None:
    line, expected = TRICKY[case]
    assert parse_line(line) == expected


def test_strip_annotations_leaves_no_brackets_or_space_before_punctuation() -> None:
    text = strip_annotations("Er kam (spät) [ugs.] {adv} an (gestern) .")
    assert text == "Er kam an."


def test_read_pairs_reads_the_fixture_tree_in_file_order(tmp_path: Path) -> None:
    lines = [TRICKY[case][0] for case in TRICKY]
    (tmp_path / PATH).parent.mkdir(parents=True)
    (tmp_path / PATH).write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = [pair for case in TRICKY for pair in TRICKY[case][1]]
    assert read_pairs(tmp_path) == expected
    assert len(expected) == 10


def test_a_missing_dictionary_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="unpack trans-de-en into"):
        read_pairs(tmp_path)
