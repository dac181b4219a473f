"""Where a built corpus lives, and its files: one ``german<TAB>english`` pair per line.

The corpus is data the user built, not part of the package, so it lives in the user's cache
directory (``$XDG_CACHE_HOME/annotated/de-en``, by default ``~/.cache/annotated/de-en``):
``train.tsv``, ``valid.tsv``, ``test.tsv`` and ``manifest.json``. A TSV line is the German
sentence, a tab, the English sentence and a newline; normalised text (:mod:`.cleaning`)
never holds a tab or a newline, so no quoting is needed and ``cut -f1`` works.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotated.corpora.de_en.cleaning import Pair
from annotated.corpora.de_en.splits import SPLITS

BUILD = "run `annotated data de-en` to build it"


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/annotated/de-en``, or ``~/.cache/annotated/de-en`` without it.

    Examples
    --------
    >>> from annotated.corpora.de_en.store import default_dir
    >>> default_dir().parts[-2:]
    ('annotated', 'de-en')
    """
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "annotated" / "de-en"


def format_pairs(pairs: Iterable[Pair]) -> bytes:
    """``pairs`` as TSV bytes, one ``german<TAB>english`` line each (UTF-8).

    Examples
    --------
    >>> from annotated.corpora.de_en.store import format_pairs
    >>> format_pairs([("Hallo.", "Hello.")])
    b'Hallo.\\tHello.\\n'
    """
    return "".join(f"{german}\t{english}\n" for german, english in pairs).encode("utf-8")


def read_tsv(path: Path) -> list[Pair]:
    """The pairs of a ``german<TAB>english`` TSV file; blank lines are skipped.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        For a line without a tab, naming the file and line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from annotated.corpora.de_en.store import read_tsv
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pairs.tsv"
    >>> _ = path.write_text("Hallo.\\tHello.\\n\\nnur Deutsch\\n")
    >>> read_tsv(path)
    Traceback (most recent call last):
    ...
    ValueError: .../pairs.tsv:3: no tab between German and English; each line must be german<TAB>english
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; pass a TSV of german<TAB>english lines")
    pairs = []
    with open(path, encoding="utf-8-sig", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            german, tab, english = line.partition("\t")
            if not tab:
                raise ValueError(
                    f"{path}:{number}: no tab between German and English; "
                    "each line must be german<TAB>english"
                )
            pairs.append((german, english))
    return pairs


def read_manifest(root: Path | None = None) -> dict[str, Any]:
    """The manifest of the corpus built in ``root`` (default: :func:`default_dir`).

    Its sources with their package versions, licences and SHA-256s, the split rule and the
    counts per split: what a model card records, so that a score names the data it was
    measured on.

    Raises
    ------
    FileNotFoundError
        When the corpus has not been built, saying how to build it.
    """
    root = default_dir() if root is None else root
    manifest = root / "manifest.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"no German-English corpus in {root}: {BUILD}")
    return dict(json.loads(manifest.read_text(encoding="utf-8")))


def load_pairs(split: str, root: Path | None = None, source: str | None = None) -> list[Pair]:
    """The ``(german, english)`` pairs of one split of the built corpus in ``root``.

    ``root`` defaults to :func:`default_dir`, where ``annotated data de-en`` writes;
    ``source`` (``"ding"``, ``"libreoffice-help"`` or ``"pairs"``) keeps that source's pairs
    only, by the line range the manifest records, to score each source on its own.

    Raises
    ------
    ValueError
        For a split other than ``train``, ``valid`` or ``test``, or a source not in the corpus.
    FileNotFoundError
        When the corpus has not been built, saying how to build it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from annotated.corpora.de_en.store import load_pairs
    >>> load_pairs("test", pathlib.Path(tempfile.mkdtemp()))
    Traceback (most recent call last):
    ...
    FileNotFoundError: no German-English corpus in ...: run `annotated data de-en` to build it
    """
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: choose one of {', '.join(SPLITS)}")
    root = default_dir() if root is None else root
    path, manifest = root / f"{split}.tsv", read_manifest(root)
    if not path.is_file():
        raise FileNotFoundError(f"no German-English corpus in {root}: {BUILD}")
    pairs = read_tsv(path)
    if source is None:
        return pairs
    ranges = manifest["files"][path.name]
    if source not in ranges["lines_by_source"]:
        known = ", ".join(ranges["lines_by_source"])
        raise ValueError(f"source {source!r} is not in the corpus in {root}; it has {known}")
    start, end = ranges["lines_by_source"][source]
    return pairs[start:end]


def load_by_source(split: str, root: Path | None = None) -> dict[str, list[Pair]]:
    """The pairs of one split, by source, in the file's order: ``{"ding": [...], ...}``.

    The split is read once and cut at the line ranges the manifest records, so a score can
    be given for the whole split and for each source from one translation of it.
    """
    root = default_dir() if root is None else root
    pairs = load_pairs(split, root)
    ranges = read_manifest(root)["files"][f"{split}.tsv"]["lines_by_source"]
    return {source: pairs[start:end] for source, (start, end) in ranges.items()}


def corpus_record(manifest: dict[str, Any]) -> dict[str, Any]:
    """What a model card keeps of a manifest: sources, split rule, counts, file hashes.

    ``files`` gives each split's file its SHA-256 and its sources' line ranges, in order.
    """
    keep = ("sources", "split_rule", "counts", "counts_by_source", "files")
    return {k: manifest[k] for k in keep if k in manifest}
