"""The pipeline and ``annotated data de-en``: same input, same bytes; the manifest; errors."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotated.cli import main
from annotated.corpora.de_en import debian
from annotated.corpora.de_en.build import Source, build
from annotated.corpora.de_en.ding import PATH
from annotated.corpora.de_en.libreoffice_help import HELP
from annotated.corpora.de_en.splits import SPLITS, split_of
from annotated.corpora.de_en.store import load_by_source, load_pairs, read_tsv

WORDS = st.sampled_from(["Haus", "Katze", "groß", "läuft", "„schnell“", "nicht", "heute"])
SENTENCE = st.lists(WORDS, min_size=1, max_size=6).map(lambda w: " ".join(w).capitalize() + ".")
PAIRS = st.lists(st.tuples(SENTENCE, SENTENCE.map(str.upper)), max_size=40)
DING = "Haus {n} | Das Haus ist groß. :: house | The house is big.\nKatze {f} | Die Katze schläft heute. :: cat | The cat sleeps today.\n"
HELP_PAGE = '<p id="par_id1">{}</p>'


def outputs(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*")) if path.is_file()}


@settings(max_examples=10, deadline=None)
@given(PAIRS)
def test_building_twice_gives_identical_bytes(pairs: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        try:
            build([Source("pairs", pairs)], Path(first))
        except ValueError:  # nothing survives cleaning: then both builds must fail
            with pytest.raises(ValueError, match="no sentence pairs left"):
                build([Source("pairs", pairs)], Path(second))
            return
        build([Source("pairs", list(pairs))], Path(second))
        assert outputs(Path(first)) == outputs(Path(second))
        assert set(outputs(Path(first))) == {"manifest.json", "train.tsv", "valid.tsv", "test.tsv"}


def test_manifest_counts_hashes_and_line_ranges(tmp_path: Path) -> None:
    ding = [(f"Das ist Satz {i}.", f"This is sentence {i}.") for i in range(200)]
    more = [(f"Noch ein Satz {i}.", f"One more sentence {i}.") for i in range(100)] + ding[:10]
    manifest = build([Source("ding", ding), Source("pairs", more)], tmp_path)
    assert manifest == json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"]["total"] == 300  # the repeated ten kept once, from ding
    assert [s["pairs_kept"] for s in manifest["sources"]] == [200, 100]
    for split in SPLITS:
        entry = manifest["files"][f"{split}.tsv"]
        data = (tmp_path / f"{split}.tsv").read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["pairs"] == manifest["counts"][split] == data.count(b"\n")
        for name in ("ding", "pairs"):
            part = load_pairs(split, tmp_path, source=name)
            assert len(part) == manifest["counts_by_source"][name][split]
            assert all(split_of(german) == split for german, _ in part)
            assert set(part) <= set(ding if name == "ding" else more)
        by_source = load_by_source(split, tmp_path)  # one read, cut at the same ranges
        assert by_source == {name: load_pairs(split, tmp_path, source=name) for name in by_source}
        assert [p for part in by_source.values() for p in part] == load_pairs(split, tmp_path)


def test_pairs_file_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = tmp_path / "mine.tsv"
    lines = [f"Ich  zähle {i}.\tI count {i}.\r\n" for i in range(50)] + ["\n"]
    pairs.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "corpus"
    assert main(["data", "de-en", "--pairs", str(pairs), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"to {out}" in printed and "pairs" in printed and "50" in printed.splitlines()[-1]
    loaded = [pair for split in SPLITS for pair in load_pairs(split, out)]
    assert sorted(loaded) == sorted((f"Ich zähle {i}.", f"I count {i}.") for i in range(50))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sources"][0]["sha256"] == hashlib.sha256(pairs.read_bytes()).hexdigest()
    before = outputs(out)
    assert main(["data", "de-en", "--pairs", str(pairs), "--out", str(out)]) == 0
    assert "already built" in capsys.readouterr().out and outputs(out) == before
    assert (
        main(["data", "de-en", "--pairs", str(pairs), "--out", str(out), "--force", "--quiet"]) == 0
    )
    assert outputs(out) == before


def test_default_folder_is_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    pairs = tmp_path / "p.tsv"
    pairs.write_text("Guten Morgen allerseits.\tGood morning, everyone.\n")
    assert main(["data", "de-en", "--pairs", str(pairs), "--quiet"]) == 0
    assert (tmp_path / "annotated/de-en/manifest.json").is_file()
    assert sum(len(load_pairs(split)) for split in SPLITS) == 1


def test_unpacked_folder_through_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / PATH).parent.mkdir(parents=True)
    (root / PATH).write_text(DING, encoding="utf-8")
    for language, text in [
        ("de", "Wählen Sie eine Linienfarbe aus."),
        ("en-US", "Select a line color."),
    ]:
        (root / HELP / language / "text").mkdir(parents=True)
        (root / HELP / language / "text/a.html").write_text(HELP_PAGE.format(text))
    out = tmp_path / "corpus"
    assert main(["data", "de-en", "--unpacked", str(root), "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts_by_source"]["ding"]["total"] == 2
    assert manifest["counts_by_source"]["libreoffice-help"]["total"] == 1
    assert [p["version"] for s in manifest["sources"] for p in s["packages"]] == ["unknown"] * 3


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb to build a .deb")
def test_a_deb_file_is_unpacked_and_recorded(tmp_path: Path) -> None:
    tree = tmp_path / "pkg"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN/control").write_text(
        "Package: trans-de-en\nVersion: 9.9-1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: test\n"
    )
    (tree / PATH).parent.mkdir(parents=True)
    (tree / PATH).write_text(DING, encoding="utf-8")
    (tree / "usr/share/doc/trans-de-en").mkdir(parents=True)
    (tree / "usr/share/doc/trans-de-en/copyright").write_text("Files: *\nLicense: GPL-2+\n")
    deb = tmp_path / "trans-de-en_9.9-1_all.deb"
    subprocess.run(
        ["dpkg-deb", "--build", "--root-owner-group", str(tree), str(deb)],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "corpus"
    assert main(["data", "de-en", "--debs", str(tmp_path), "--out", str(out), "--quiet"]) == 0
    (record,) = json.loads((out / "manifest.json").read_text())["sources"]
    assert record["packages"] == [
        {
            "package": "trans-de-en",
            "version": "9.9-1",
            "licence": "GPL-2+",
            "deb_sha256": hashlib.sha256(deb.read_bytes()).hexdigest(),
        }
    ]
    assert record["pairs_kept"] == 2
    assert (
        debian.unpack(deb, out / "sources/unpacked").root
        == out / "sources/unpacked/trans-de-en_9.9-1"
    )


def test_a_package_apt_cannot_find(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "apt-get"
    fake.write_text("#!/bin/sh\necho 'E: Unable to locate package trans-de-en' >&2\nexit 100\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(
        ValueError, match=r"E: Unable to locate package trans-de-en\): run `apt-get update`"
    ):
        debian.download(("trans-de-en",), tmp_path / "debs")


def test_no_apt_get(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OSError, match=r"apt-get not found.*--unpacked DIR or --pairs FILE"):
        debian.download(debian.PACKAGES, tmp_path / "debs")


def test_load_pairs_before_a_build_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `annotated data de-en`"):
        load_pairs("train", tmp_path)
    with pytest.raises(ValueError, match="choose one of train, valid, test"):
        load_pairs("dev", tmp_path)


def test_read_tsv_keeps_tabs_after_the_first_in_english(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_bytes("\ufeffEins.\tOne.\textra\n".encode())
    assert read_tsv(path) == [("Eins.", "One.\textra")]


def _tree_without_help(tmp_path: Path) -> str:
    (tmp_path / "usr/share/libreoffice/help/de/text").mkdir(parents=True)
    return str(tmp_path)


ERRORS = {
    "missing pairs file": (lambda t: ["--pairs", str(t / "nope.tsv")], "nope.tsv: no such file"),
    "line without a tab": (
        lambda t: ["--pairs", _write(t, "Hallo.\tHello.\nHallo Welt\n")],
        "p.tsv:2: no tab",
    ),
    "empty result": (lambda t: ["--pairs", _write(t, "Ja.\tJa.\n")], "no sentence pairs left"),
    "missing deb": (lambda t: ["--debs", str(t / "x.deb")], "x.deb: no such .deb file"),
    "folder without debs": (lambda t: ["--debs", str(t)], "no .deb files in this folder"),
    "missing unpacked folder": (lambda t: ["--unpacked", str(t / "nope")], "nope: no such folder"),
    "incomplete unpacked tree": (
        lambda t: ["--unpacked", _tree_without_help(t)],
        "no complete German-English source",
    ),
}


def _write(folder: Path, text: str) -> str:
    path = folder / "p.tsv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("case", ERRORS)
def test_bad_input_is_one_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments, message = ERRORS[case]
    status = main(
        ["data", "de-en", *arguments(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("annotated data: error: ") and err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "out/manifest.json").exists()
