"""The trained models that ship inside the package: copy, sort, add, Shakespeare, German-English.

Each model is two files in this folder, ``NAME.safetensors`` (the weights) and ``NAME.json``
(its card: the config, the vocabulary, the metrics measured on held-out data, and the exact
command that reproduces it). They are package data, so an installed wheel has them and
nothing is downloaded. :func:`load` rebuilds a model from its card and checks the weights
against the card's SHA-256, as every checkpoint load does (:mod:`annotated.training.checkpoint`).

=============== ==================== ================================================
name            model                converts text with
=============== ==================== ================================================
``copy``        encoder-decoder      the task (:func:`~annotated.get_task`)
``sort``        encoder-decoder      the task
``add``         encoder-decoder      the task
``shakespeare`` character GPT        a :class:`~annotated.tokenizers.char.CharTokenizer`
``translate-    encoder-decoder      a :class:`~annotated.tokenizers.subword.SubwordTokenizer`
de-en``                              (``translate-de-en.tokenizer.json``)
=============== ==================== ================================================

Their quality is the card's ``metrics``: exact match :math:`\\mathrm{EM}` on 1,000 held-out
inputs for the tasks, and for Shakespeare the mean cross-entropy over the whole validation
split, :math:`\\mathcal{L} = -\\frac1n \\sum_t \\log p(x_t \\mid x_{<t})` in nats per character;
for ``translate-de-en``, BLEU and chrF on the test split of the corpus its card describes
(sacrebleu, greedy and beam search, overall and per source), measured on the shipped float16
weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import nn

from annotated.tasks.language_model.loading import load_language_model
from annotated.tasks.seq2seq.data import Task
from annotated.tasks.seq2seq.loading import load_task_model
from annotated.tasks.translation.loading import load_translation_model
from annotated.tokenizers.protocol import TextTokenizer

NAMES = ("copy", "sort", "add", "shakespeare", "translate-de-en")
HERE = Path(__file__).resolve().parent


class Pretrained(NamedTuple):
    """A shipped model: its name, the model (eval mode), its card and its text converter.

    ``converter`` is what turns text into token ids and back: the :class:`~annotated.Task`
    for ``copy``, ``sort`` and ``add`` (``task.parse``, ``predict``, ``task.answer``), the
    :class:`~annotated.tokenizers.char.CharTokenizer` for ``shakespeare``
    (``encode``/``decode``). The properties :attr:`task` and :attr:`tokenizer` return it with
    its precise type.

    Examples
    --------
    >>> from annotated import predict
    >>> from annotated.pretrained import load
    >>> copy = load("copy")
    >>> predict(copy.model, copy.task, ["3 1 4 1 5"])
    ['3 1 4 1 5']
    >>> copy.card["metrics"]["test_exact_match"]
    1.0
    """

    name: str
    model: nn.Module
    card: dict[str, Any]
    converter: Task | TextTokenizer

    @property
    def task(self) -> Task:
        """The task of a ``copy``, ``sort`` or ``add`` model."""
        if not isinstance(self.converter, Task):
            raise TypeError(f"{self.name!r} is a language model: use .tokenizer, not .task")
        return self.converter

    @property
    def tokenizer(self) -> TextTokenizer:
        """The tokenizer of ``shakespeare`` (characters) or ``translate-de-en`` (subwords)."""
        if isinstance(self.converter, Task):
            raise TypeError(f"{self.name!r} is a task model: use .task, not .tokenizer")
        return self.converter


def weights_path(name: str) -> Path:
    """The shipped weights file of ``name`` (its card is the ``.json`` beside it).

    Examples
    --------
    >>> from annotated.pretrained import weights_path
    >>> weights_path("sort").name
    'sort.safetensors'
    >>> weights_path("translate")
    Traceback (most recent call last):
    ...
    ValueError: no shipped model 'translate'; choose one of copy, sort, add, shakespeare, translate-de-en
    """
    if name not in NAMES:
        raise ValueError(f"no shipped model {name!r}; choose one of {', '.join(NAMES)}")
    return HERE / f"{name}.safetensors"


def load(name: str, device: torch.device | str = "cpu") -> Pretrained:
    """Load the shipped model ``name``: one of :data:`NAMES`.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.
    device : torch.device or str
        Where the model goes.

    Returns
    -------
    Pretrained
        ``(name, model, card, converter)``, the model in eval mode.

    Examples
    --------
    >>> from annotated import generate, predict
    >>> from annotated.pretrained import load
    >>> sort = load("sort")
    >>> predict(sort.model, sort.task, ["3 1 4 1 5 9 2 6"])
    ['1 1 2 3 4 5 6 9']
    >>> add = load("add")
    >>> predict(add.model, add.task, ["123+456", "999+1"])
    ['579', '1000']
    >>> lm = load("shakespeare")
    >>> prompt = lm.tokenizer.encode_tensor("ROMEO:\\n")[None]           # (batch, seq)
    >>> out = generate(lm.model, prompt, 40, temperature=0)               # greedy
    >>> out.shape, lm.tokenizer.decode(out[0]).startswith("ROMEO:\\n")
    (torch.Size([1, 47]), True)
    """
    path = weights_path(name)
    if name == "shakespeare":
        lm = load_language_model(path, device)
        return Pretrained(name, lm.model, lm.card, lm.tokenizer)
    if name == "translate-de-en":
        de_en = load_translation_model(path, device)
        return Pretrained(name, de_en.model, de_en.card, de_en.tokenizer)
    tm = load_task_model(path, device)
    return Pretrained(name, tm.model, tm.card, tm.task)


def available() -> list[str]:
    """The names whose files are present in this installation.

    Examples
    --------
    >>> from annotated.pretrained import NAMES, available
    >>> set(available()) <= set(NAMES)
    True
    """
    return [
        n
        for n in NAMES
        if weights_path(n).is_file() and weights_path(n).with_suffix(".json").is_file()
    ]
