"""The real packages: fetch with apt-get download, unpack, build, check the counts (slow)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from annotated.cli import main
from annotated.corpora.de_en import debian
from annotated.corpora.de_en.splits import SPLITS
from annotated.corpora.de_en.store import load_pairs

EXPECTED_PAIRS = {"ding": (18_000, 22_000), "libreoffice-help": (11_000, 30_000)}
LICENCES = {"ding": "GPL-2+", "libreoffice-help": "MPL-2.0"}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs apt-get (a Debian system)")
@pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root to run apt-get update if the lists are stale"
)
def test_real_packages_build_a_corpus_of_the_expected_size(tmp_path: Path) -> None:
    debs = tmp_path / "debs"
    try:
        debian.download(debian.PACKAGES, debs)
    except ValueError:  # apt's lists are missing or stale: refresh them once
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True, timeout=300)
        debian.download(debian.PACKAGES, debs)
    out = tmp_path / "corpus"
    assert main(["data", "de-en", "--debs", str(debs), "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for source in manifest["sources"]:
        low, high = EXPECTED_PAIRS[source["name"]]
        assert low <= source["pairs_kept"] <= high, source
        assert source["licence"] == LICENCES[source["name"]]
        for package in source["packages"]:
            (deb,) = debs.glob(f"{package['package']}_*.deb")
            assert package["deb_sha256"] == hashlib.sha256(deb.read_bytes()).hexdigest()
            assert package["version"] and package["version"] != debian.UNKNOWN
    assert [s["name"] for s in manifest["sources"]] == ["ding", "libreoffice-help"]
    for split in SPLITS:
        data = (out / f"{split}.tsv").read_bytes()
        assert manifest["files"][f"{split}.tsv"]["sha256"] == hashlib.sha256(data).hexdigest()
    total = manifest["counts"]["total"]
    assert 0.04 < manifest["counts"]["test"] / total < 0.06
    ding = load_pairs("train", out, source="ding")
    mean_words = sum(len(german.split()) for german, _ in ding) / len(ding)
    assert 6 < mean_words < 9
    # the unpacked trees rebuild the same bytes
    again = tmp_path / "again"
    assert (
        main(
            [
                "data",
                "de-en",
                "--unpacked",
                str(out / "sources/unpacked"),
                "--out",
                str(again),
                "--quiet",
            ]
        )
        == 0
    )
    for split in SPLITS:
        assert (again / f"{split}.tsv").read_bytes() == (out / f"{split}.tsv").read_bytes()
