"""The demo's models: loaded on first use, then kept for the life of the server.

Building or launching the app loads nothing; the first request that needs a model loads it
(by default with :func:`annotated.pretrained.load`, the shipped weights) under a lock, so two
first requests arriving together load it once. A model that cannot be loaded is a
:class:`gradio.Error` for that request, and the server keeps serving. The server shares a
small CPU between users, so the first load also sets PyTorch to one thread: two requests then
run side by side on two cores instead of fighting over both.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import gradio as gr
import torch

from annotated.tasks import LanguageModel, TaskModel, get_task

TASK_NAMES = ("copy", "sort", "add")
LANGUAGE_MODEL = "shakespeare"


Loader = Callable[[str], Any]


def shipped(name: str) -> Any:
    """Load a shipped model with :func:`annotated.pretrained.load` (imported on first use)."""
    from annotated import pretrained

    return pretrained.load(name)


class Models:
    """Each model loaded once, on first use, shared by every request.

    Parameters
    ----------
    loader : callable, optional
        ``loader(name)`` for ``name`` in ``copy``, ``sort``, ``add``, ``shakespeare``; the
        default loads the shipped models. It may return a
        :class:`~annotated.tasks.TaskModel` or :class:`~annotated.tasks.LanguageModel` (or
        anything with their ``model`` and ``card`` and its ``task`` or ``tokenizer``, such
        as a :class:`~annotated.pretrained.Pretrained`).
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
    """Layers :math:`N` and heads :math:`h` of the shipped model of task ``name``.

    Read from its card, so no weights are loaded; the task's default size if there is no
    card. (The page's layer and head choices are built from these; every request is still
    checked against the model that answers it.)

    Examples
    --------
    >>> from annotated.demo.models import model_sizes
    >>> model_sizes("copy")
    (1, 2)
    """
    try:
        from annotated.pretrained import weights_path

        card = json.loads(weights_path(name).with_suffix(".json").read_text(encoding="utf-8"))
        return int(card["config"]["N"]), int(card["config"]["h"])
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        config = get_task(name).config()
        return config.N, config.h
