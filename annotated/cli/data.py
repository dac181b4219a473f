"""``annotated data de-en``: build the German-English corpus into the user's cache directory."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from annotated.corpora.de_en import build, debian
from annotated.corpora.de_en.splits import SPLITS
from annotated.corpora.de_en.store import default_dir


def run(args: argparse.Namespace) -> int:
    """Build the corpus (unless it is there and ``--force`` is not given), print its counts."""
    out: Path = args.out or default_dir()
    manifest_path = out / "manifest.json"
    if manifest_path.is_file() and not args.force:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        _print_counts(manifest, f"already built in {out} (--force rebuilds it)")
        return 0

    def progress(items: Sequence[Any], label: str) -> Iterable[Any]:
        return tqdm(items, desc=label, file=sys.stderr, disable=args.quiet, leave=False)

    if args.pairs is not None:
        sources = [build.pairs_source(args.pairs)]
    else:
        if not (args.debs or args.unpacked) and not args.quiet:
            names = " ".join(debian.PACKAGES)
            print(f"fetching with apt-get download: {names}", file=sys.stderr)
        packages = build.packages_for(out / "sources", args.debs or (), args.unpacked, progress)
        sources = build.debian_sources(packages, progress)
    manifest = build.build(sources, out)
    _print_counts(manifest, f"wrote {', '.join(manifest['files'])} and manifest.json to {out}")
    return 0


def _print_counts(manifest: dict[str, Any], headline: str) -> None:
    """Print ``headline`` and a table of pairs per source and split."""
    print(headline)
    rows = [*manifest["counts_by_source"].items(), ("total", manifest["counts"])]
    width = max(len(name) for name, _ in rows)
    print(f"{'source':<{width}}", *(f"{split:>7}" for split in (*SPLITS, "total")))
    for name, counts in rows:
        print(f"{name:<{width}}", *(f"{counts[split]:>7}" for split in (*SPLITS, "total")))


def register(sub: Any) -> None:
    """Add the ``data`` subcommand, with one sub-subcommand per corpus (``de-en``)."""
    data = sub.add_parser(
        "data",
        help="build a corpus for a real task",
        description="Build a corpus from local or Debian sources into the cache directory.",
    )
    corpora = data.add_subparsers(dest="corpus", required=True, metavar="CORPUS")
    de_en = corpora.add_parser(
        "de-en",
        help="German-English pairs (Ding dictionary, LibreOffice help)",
        description="Fetch trans-de-en, libreoffice-help-de and libreoffice-help-en-us with "
        "apt-get download (never installed), unpack them with dpkg -x, extract, clean, "
        "deduplicate and split the German-English sentence pairs by a hash of the German "
        "sentence, and write train.tsv, valid.tsv, test.tsv and manifest.json. Same input, "
        f"same bytes. Default output folder: {default_dir()}.",
    )
    add = de_en.add_argument
    add("--out", type=Path, help="output folder (default: the user's cache directory)")
    source = de_en.add_mutually_exclusive_group()
    source.add_argument(
        "--debs", type=Path, nargs="+", metavar="DEB_OR_DIR", help=".deb files or folders of them"
    )
    source.add_argument("--unpacked", type=Path, metavar="DIR", help="already unpacked packages")
    source.add_argument(
        "--pairs", type=Path, metavar="FILE", help="a TSV of german<TAB>english lines instead"
    )
    add("--force", action="store_true", help="rebuild even if a corpus is already there")
    add("--quiet", action="store_true", help="no progress bars")
    de_en.set_defaults(run=run)
