"""The demo's models: loaded on first use, then kept for the life of the server.

Building or launching the app loads nothing; the first request that needs a model loads it
(by default with :func:`annotated.pretrained.load`, the shipped weights) under a lock, so two
first requests arriving together load it once. A model that cannot be loaded is a
:class:`gradio.Error` for that request, and the server keeps serving. The server shares a
small CPU between users, so the first load also sets PyTorch to one thread: two requests then
run side by side on two cores instead of fighting over both.

The Translate tab serves the shipped ``translate-de-en`` model, or the translation run
directory (or checkpoint file) that the environment variable ``ANNOTATED_DEMO_TRANSLATE``
names: ``ANNOTATED_DEMO_TRANSLATE=runs/translate annotated demo`` puts your own run on the
page, and the tests serve a tiny run this way.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import torch

from annotated.tasks import LanguageModel, TaskModel, get_task
from annotated.tasks.translation.loading import TranslationModel, load_translation_model
from annotated.tasks.translation.options import DEFAULT_MODEL

TASK_NAMES = ("copy", "sort", "add")
LANGUAGE_MODEL = "shakespeare"
TRANSLATION = "translate-de-en"
TRANSLATION_ENV = "ANNOTATED_DEMO_TRANSLATE"  # a run to serve instead of the shipped model


Loader = Callable[[str], Any]


def shipped(name: str) -> Any:
    """Load a shipped model with :func:`annotated.pretrained.load` (imported on first use).

    The translation model is loaded from :func:`translation_checkpoint`, as
    ``annotated translate`` loads it.
    """
    if name == TRANSLATION:
        return load_translation_model(translation_checkpoint())
    from annotated import pretrained

    return pretrained.load(name)


def translation_checkpoint() -> Path:
    """What the Translate tab serves: ``$ANNOTATED_DEMO_TRANSLATE``, else the shipped model."""
    chosen = os.environ.get(TRANSLATION_ENV)
    if chosen:
        return Path(chosen)
    from annotated.pretrained import weights_path

    return weights_path(TRANSLATION)


class Models:
    """Each model loaded once, on first use, shared by every request.

    Parameters
    ----------
    loader : callable, optional
        ``loader(name)`` for ``name`` in ``copy``, ``sort``, ``add``, ``shakespeare``,
        ``translate-de-en``; the default loads the shipped models. It may return a
        :class:`~annotated.tasks.TaskModel`, :class:`~annotated.tasks.LanguageModel` or
        :class:`~annotated.tasks.translation.loading.TranslationModel` (or anything with
        their ``model`` and ``card`` and its ``task`` or ``tokenizer``, such as a
        :class:`~annotated.pretrained.Pretrained`).
    threads : int or None
        PyTorch threads to use from the first load on; ``None`` leaves the setting alone.

    Examples
    --------
    >>> from annotated import EncoderDecoder, get_task
    >>> from annotated.demo import Models
    >>> from annotated.tasks import TaskModel
    >>> calls = []
    >>> def loader(name):
    ...     calls.append(name)
    ...     task = get_task(name)
    ...     return TaskModel(EncoderDecoder.from_config(task.config()), task, card={})
    >>> models = Models(loader, threads=None)
    >>> models.task("copy").task.name, models.task("copy").task.name, calls
    ('copy', 'copy', ['copy'])
    """

    def __init__(self, loader: Loader | None = None, threads: int | None = 1) -> None:
        self._loader = loader or shipped
        self._threads = threads
        self._lock = threading.Lock()
        self._cache: dict[str, Any] = {}

    def task(self, name: str) -> TaskModel:
        """The model of task ``name`` (``copy``, ``sort`` or ``add``)."""
        if name not in TASK_NAMES:
            raise ValueError(f"unknown task {name!r}; choose one of {', '.join(TASK_NAMES)}")
        loaded = self._get(name)
        task = getattr(loaded, "task", None) or get_task(name)
        return TaskModel(loaded.model.eval(), task, loaded.card)

    def language(self) -> LanguageModel:
        """The Shakespeare language model and its tokenizer."""
        loaded = self._get(LANGUAGE_MODEL)
        return LanguageModel(loaded.model.eval(), loaded.tokenizer, loaded.card)

    def translation(self) -> TranslationModel:
        """The German-to-English model and its subword tokenizer."""
        loaded = self._get(TRANSLATION)
        return TranslationModel(loaded.model.eval(), loaded.tokenizer, loaded.card)

    def _get(self, name: str) -> Any:
        if name not in self._cache:
            with self._lock:
                if name not in self._cache:  # another request may have loaded it meanwhile
                    if self._threads is not None:
                        torch.set_num_threads(self._threads)
                    try:
                        self._cache[name] = self._loader(name)
                    except (ImportError, OSError, ValueError) as error:  # a CheckpointError too
                        raise gr.Error(f"The {name} model could not be loaded: {error}.") from None
        return self._cache[name]


def model_sizes(name: str) -> tuple[int, int]:
    """Layers :math:`N` and heads :math:`h` of the model the tab of ``name`` serves.

    Read from its card, so no weights are loaded; the task's default size (the translation
    recipe's) if there is no card. (The page's layer and head choices are built from these;
    every request is still checked against the model that answers it.)

    Examples
    --------
    >>> from annotated.demo.models import model_sizes
    >>> model_sizes("copy")
    (1, 2)
    """
    try:
        card = json.loads(_card_path(name).read_text(encoding="utf-8"))
        return int(card["config"]["N"]), int(card["config"]["h"])
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        config = DEFAULT_MODEL if name == TRANSLATION else get_task(name).config()
        return config.N, config.h


def _card_path(name: str) -> Path:
    """The card of the model that serves ``name``."""
    if name == TRANSLATION:
        from annotated.training.checkpoint import resolve

        return resolve(translation_checkpoint()).with_suffix(".json")
    from annotated.pretrained import weights_path

    return weights_path(name).with_suffix(".json")
