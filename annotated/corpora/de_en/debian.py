"""Debian packages as data: fetch ``.deb`` files, unpack them, record what they were.

A package is fetched with ``apt-get download`` (which needs no root and installs nothing:
``apt-get install libreoffice-help-de`` would pull in all of LibreOffice) and unpacked with
``dpkg -x`` into a cache folder. A machine without Debian can pass ``.deb`` files fetched
elsewhere, or folders already unpacked (with ``dpkg -x``, or ``ar x`` and ``tar x``). Each
package's name, version and licence go into the corpus manifest: the version from the
``.deb`` (``dpkg-deb -f FILE Version``) or from the first line of the unpacked
``changelog.Debian.gz``, the licence from the ``License:`` of the package's ``copyright``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# what each package must hold, inside its unpacked tree; also how an unpacked tree is recognised
CONTENT = {
    "trans-de-en": Path("usr/share/trans/de-en"),
    "libreoffice-help-de": Path("usr/share/libreoffice/help/de/text"),
    "libreoffice-help-en-us": Path("usr/share/libreoffice/help/en-US/text"),
}
PACKAGES = tuple(CONTENT)
UNKNOWN = "unknown"
NO_DEBIAN = "on a machine without Debian, pass --unpacked DIR or --pairs FILE"
TIMEOUT = 900  # seconds for one apt-get or dpkg call


@dataclass(frozen=True)
class Package:
    """One unpacked Debian package: what the manifest records, and where its files are.

    Examples
    --------
    >>> from pathlib import Path
    >>> from annotated.corpora.de_en.debian import Package
    >>> Package("trans-de-en", "1.9-6", "GPL-2+", Path("/tmp/ding")).record()
    {'package': 'trans-de-en', 'version': '1.9-6', 'licence': 'GPL-2+', 'deb_sha256': ''}
    """

    name: str
    version: str
    licence: str
    root: Path  # the folder that holds the package's ``usr/``
    deb_sha256: str = ""  # of the ``.deb`` file, when one was unpacked

    def record(self) -> dict[str, str]:
        """The manifest's entry: everything but the machine-specific ``root``."""
        return {
            "package": self.name,
            "version": self.version,
            "licence": self.licence,
            "deb_sha256": self.deb_sha256,
        }


def download(names: tuple[str, ...], folder: Path) -> list[Path]:
    """The ``.deb`` files of ``names`` in ``folder``, fetched with ``apt-get download`` if absent.

    Raises
    ------
    OSError
        When ``apt-get`` is missing.
    ValueError
        When apt cannot fetch a package (``apt-get update`` not run, or no such package).
    """
    folder.mkdir(parents=True, exist_ok=True)
    missing = [name for name in names if not _cached_debs(folder, name)]
    if missing:
        if shutil.which("apt-get") is None:
            raise OSError(
                f"apt-get not found, so {' '.join(missing)} cannot be fetched; {NO_DEBIAN}"
            )
        done = _run(["apt-get", "download", *missing], cwd=folder)
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if line.startswith("E:")]
            raise ValueError(
                f"apt-get download {' '.join(missing)} failed "
                f"({'; '.join(errors) or done.stderr.strip()}): run `apt-get update` as root "
                "first, or pass the .deb files with --debs"
            )
    return [_cached_debs(folder, name)[-1] for name in names]


def unpack(deb: Path, folder: Path) -> Package:
    """Unpack ``deb`` with ``dpkg -x`` into ``folder/<package>_<version>`` (reused if done).

    The tree is unpacked beside its destination and renamed into place, so a killed run
    leaves no half-unpacked tree that a later run would trust.

    Raises
    ------
    OSError
        When ``deb`` is missing or ``dpkg-deb`` is not installed.
    ValueError
        When ``deb`` is not a Debian package.
    """
    if not deb.is_file():
        raise FileNotFoundError(f"{deb}: no such .deb file; pass existing files to --debs")
    name, version = _fields(deb)
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    root = folder / f"{name}_{version.replace(':', '%3a')}"
    stamp = root / ".deb-sha256"
    if not (stamp.is_file() and stamp.read_text() == digest):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{root.name}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        done = _run(["dpkg-deb", "-x", str(deb), str(tmp)])
        if done.returncode != 0:
            raise ValueError(f"{deb}: dpkg-deb -x failed ({done.stderr.strip()})")
        (tmp / stamp.name).write_text(digest)
        shutil.rmtree(root, ignore_errors=True)
        os.replace(tmp, root)
    return Package(name, version, licence_of(root, name), root, digest)


def find_unpacked(folder: Path) -> dict[str, Package]:
    """The packages unpacked in ``folder`` itself or in its direct subfolders, by name.

    A package is recognised by its content (:data:`CONTENT`), so trees unpacked together
    into one folder and trees unpacked one per subfolder both work.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from annotated.corpora.de_en.debian import find_unpacked
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "ding/usr/share/trans").mkdir(parents=True)
    >>> _ = (folder / "ding/usr/share/trans/de-en").write_text("")
    >>> find_unpacked(folder)["trans-de-en"].version
    'unknown'
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder; pass --unpacked an unpacked tree")
    roots = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]
    found = {}
    for name, content in CONTENT.items():
        root = next((r for r in roots if (r / content).exists()), None)
        if root is not None:
            version = _changelog_version(root / "usr/share/doc" / name / "changelog.Debian.gz")
            found[name] = Package(name, version, licence_of(root, name), root)
    return found


def licence_of(root: Path, name: str) -> str:
    """The first ``License:`` in the package's ``usr/share/doc/<name>/copyright``, or unknown.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from annotated.corpora.de_en.debian import licence_of
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "usr/share/doc/ding").mkdir(parents=True)
    >>> _ = (root / "usr/share/doc/ding/copyright").write_text("Files: *\\nLicense: GPL-2+\\n")
    >>> licence_of(root, "ding"), licence_of(root, "other")
    ('GPL-2+', 'unknown')
    """
    path = root / "usr/share/doc" / name / "copyright"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    match = re.search(r"^License:[ \t]*(\S.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else UNKNOWN


def _changelog_version(path: Path) -> str:
    """The version in the first line of a Debian changelog, ``name (version) dist; ...``."""
    if not path.is_file():
        return UNKNOWN
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as changelog:
        match = re.match(r"\S+ \(([^)]+)\)", changelog.readline())
    return match.group(1) if match else UNKNOWN


def _fields(deb: Path) -> tuple[str, str]:
    """The ``Package`` and ``Version`` fields of ``deb``'s control file."""
    done = _run(["dpkg-deb", "-f", str(deb), "Package", "Version"])
    fields = dict(re.findall(r"^(\w+): (.+)$", done.stdout, re.MULTILINE))
    if done.returncode != 0 or not {"Package", "Version"} <= fields.keys():
        raise ValueError(f"{deb}: not a Debian package ({done.stderr.strip() or 'no fields'})")
    return fields["Package"], fields["Version"]


def _cached_debs(folder: Path, name: str) -> list[Path]:
    """The ``.deb`` files of package ``name`` already in ``folder``, sorted."""
    return sorted(folder.glob(f"{name}_*.deb"))


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``command``, capturing its output; a missing program is a one-line OSError."""
    if shutil.which(command[0]) is None:
        raise OSError(f"{command[0]} not found, so .deb files cannot be read; {NO_DEBIAN}")
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
