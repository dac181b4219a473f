"""The German-English corpus pipeline: sources, cleaning, splits, files and a manifest.

.. math::

    \\text{packages} \\xrightarrow{\\text{extract}} \\text{raw pairs}
    \\xrightarrow{\\text{clean, dedupe}} \\text{pairs}
    \\xrightarrow{\\operatorname{split}(g)} \\text{train, valid, test}

Every step is a pure function of its input, in a fixed order (sources in a fixed order, help
pages sorted by path, dictionary lines in file order), and nothing machine-specific (a path,
a date) enters the output, so the same input gives the same bytes on every machine and every
run; ``manifest.json`` records the input (packages, versions, licences or the TSV's sha256),
the counts per split and source, and each file's sha256. Within a split the sources follow
one another in manifest order, and the manifest gives each source's line range, so a score
per source needs no extra column. The manifest is written last and removed first, so its
presence means a whole corpus.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotated.corpora.de_en import debian, ding, libreoffice_help
from annotated.corpora.de_en.cleaning import Pair, clean
from annotated.corpora.de_en.splits import SPLITS, TEST_FRACTION, VALID_FRACTION, split_pairs
from annotated.corpora.de_en.store import format_pairs, read_tsv
from annotated.training.files import atomic_write

Progress = Callable[[Sequence[Any], str], Iterable[Any]]  # (items, label) -> the same items
HELP_PACKAGES = ("libreoffice-help-de", "libreoffice-help-en-us")
SPLIT_RULE = (
    f"u = first 8 bytes of sha256(normalised German, UTF-8) / 2**64; "
    f"test if u < {TEST_FRACTION}, valid if u < {TEST_FRACTION + VALID_FRACTION}, else train"
)


@dataclass(frozen=True)
class Source:
    """One source's raw pairs and what the manifest says about where they came from."""

    name: str  # "ding", "libreoffice-help" or "pairs"
    pairs: list[Pair]
    record: dict[str, Any] = field(default_factory=dict)


def quietly(items: Sequence[Any], label: str) -> Sequence[Any]:
    """The default progress: none (library code shows no bars; the CLI passes tqdm)."""
    return items


def packages_for(
    cache: Path,
    debs: Sequence[Path] = (),
    unpacked: Path | None = None,
    progress: Progress = quietly,
) -> dict[str, debian.Package]:
    """The unpacked packages to build from: a folder, given ``.deb`` files, or apt's.

    ``debs`` may name ``.deb`` files or folders of them; with neither ``debs`` nor
    ``unpacked``, the packages are fetched with ``apt-get download`` into ``cache/debs``.
    Each ``.deb`` is unpacked into ``cache/unpacked``.
    """
    if unpacked is not None:
        return debian.find_unpacked(unpacked)
    files = [deb for given in debs for deb in _debs_in(given)]
    if not debs:
        files = debian.download(debian.PACKAGES, cache / "debs")
    packages = [debian.unpack(deb, cache / "unpacked") for deb in progress(files, "unpacking")]
    return {package.name: package for package in packages}


def debian_sources(
    packages: dict[str, debian.Package], progress: Progress = quietly
) -> list[Source]:
    """The Ding and help sources of ``packages``, each present only if its packages are.

    Raises
    ------
    ValueError
        When neither trans-de-en nor both help packages are there.
    """
    sources = []
    if "trans-de-en" in packages:
        package = packages["trans-de-en"]
        pairs = ding.read_pairs(package.root)
        sources.append(Source("ding", pairs, _record(package.licence, [package])))
    if all(name in packages for name in HELP_PACKAGES):
        german, english = (packages[name] for name in HELP_PACKAGES)
        pages = libreoffice_help.page_paths(german.root, english.root)
        pairs = [
            pair
            for page in progress(pages, "help pages")
            for pair in libreoffice_help.page_pairs(german.root, english.root, page)
        ]
        sources.append(
            Source("libreoffice-help", pairs, _record(german.licence, [german, english]))
        )
    if not sources:
        found = ", ".join(sorted(packages)) or "none"
        raise ValueError(
            f"no complete German-English source among the packages found ({found}): "
            f"need trans-de-en, or both {' and '.join(HELP_PACKAGES)}"
        )
    return sources


def pairs_source(path: Path) -> Source:
    """A TSV of ``german<TAB>english`` lines as a source, recorded by name and sha256."""
    pairs = read_tsv(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Source("pairs", pairs, {"file": path.name, "sha256": digest, "licence": "unknown"})


def build(sources: Sequence[Source], out: Path) -> dict[str, Any]:
    """Clean, deduplicate and split ``sources``; write the TSVs and manifest into ``out``.

    Returns the manifest. A German sentence is kept once, from the first source that has it.

    Raises
    ------
    ValueError
        When no pair survives cleaning.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from annotated.corpora.de_en.build import Source, build
    >>> pairs = [(f"Das ist Satz {i}.", f"This is sentence {i}.") for i in range(100)]
    >>> manifest = build([Source("pairs", pairs)], pathlib.Path(tempfile.mkdtemp()))
    >>> manifest["counts"]
    {'train': 95, 'valid': 0, 'test': 5, 'total': 100}
    """
    seen: set[str] = set()
    kept = {source.name: split_pairs(clean(source.pairs, seen)) for source in sources}
    if not any(pairs for parts in kept.values() for pairs in parts.values()):
        names = ", ".join(source.name for source in sources)
        raise ValueError(f"no sentence pairs left after cleaning ({names}); check the input")
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)
    files = {}
    for split in SPLITS:
        data, ranges, start = bytearray(), {}, 0
        for name, parts in kept.items():
            data += format_pairs(parts[split])
            ranges[name] = [start, start + len(parts[split])]
            start += len(parts[split])
        atomic_write(out / f"{split}.tsv", bytes(data))
        digest = hashlib.sha256(data).hexdigest()
        files[f"{split}.tsv"] = {"pairs": start, "sha256": digest, "lines_by_source": ranges}
    manifest = _manifest(sources, kept, files)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    atomic_write(out / "manifest.json", text.encode("utf-8"))
    return manifest


def _manifest(
    sources: Sequence[Source], kept: dict[str, dict[str, list[Pair]]], files: dict[str, Any]
) -> dict[str, Any]:
    """The manifest: sources, split rule, counts per split and per source, files."""
    by_source = {
        name: {**{split: len(parts[split]) for split in SPLITS}, "total": _total(parts)}
        for name, parts in kept.items()
    }
    records = [
        {
            "name": s.name,
            **s.record,
            "pairs_extracted": len(s.pairs),
            "pairs_kept": _total(kept[s.name]),
        }
        for s in sources
    ]
    counts = {split: sum(c[split] for c in by_source.values()) for split in SPLITS}
    return {
        "corpus": "de-en",
        "format": 1,
        "columns": ["german", "english"],
        "sources": records,
        "split_rule": SPLIT_RULE,
        "counts": {**counts, "total": sum(counts.values())},
        "counts_by_source": by_source,
        "files": files,
    }


def _record(licence: str, packages: Sequence[debian.Package]) -> dict[str, Any]:
    """A Debian source's manifest entry: its licence and its packages."""
    return {"licence": licence, "packages": [package.record() for package in packages]}


def _total(parts: dict[str, list[Pair]]) -> int:
    """The number of pairs over all splits."""
    return sum(len(pairs) for pairs in parts.values())


def _debs_in(given: Path) -> list[Path]:
    """``given`` itself, or the ``.deb`` files in the folder ``given``, sorted."""
    if given.is_dir():
        found = sorted(given.glob("*.deb"))
        if not found:
            raise FileNotFoundError(f"{given}: no .deb files in this folder; pass --debs FILES")
        return found
    return [given]
