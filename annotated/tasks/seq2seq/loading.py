"""Load a trained task model: the checkpoint, its task, and a check that they agree.

The card names the task and lists the vocabulary the model was trained with; loading
insists that list is exactly the task's vocabulary, index by index, because a model that learned "index 5 is the digit 2" would silently answer nonsense with a
vocabulary that shifted by one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import torch

from annotated.model import EncoderDecoder
from annotated.tasks.seq2seq.data import Task
from annotated.tasks.seq2seq.registry import TASKS, get_task
from annotated.training.checkpoint import load_checkpoint
from annotated.training.files import CheckpointError


class TaskModel(NamedTuple):
    """A trained encoder-decoder (eval mode), its task and its card."""

    model: EncoderDecoder
    task: Task
    card: dict[str, Any]


def load_task_model(path: Path | str, device: torch.device | str = "cpu") -> TaskModel:
    """Load a task checkpoint (run directory, ``.safetensors`` or ``.json``) and check it.

    Examples
    --------
    >>> import tempfile
    >>> from annotated import EncoderDecoder, get_task, load_task_model, save_checkpoint
    >>> task = get_task("copy")
    >>> run = tempfile.mkdtemp()
    >>> _ = save_checkpoint(run, EncoderDecoder.from_config(task.config()),
    ...                     vocab=list(task.vocab.tokens), task="copy")
    >>> load_task_model(run).task.name
    'copy'
    """
    checkpoint = load_checkpoint(path, device)
    card, where = checkpoint.card, checkpoint.path.with_suffix(".json")
    if not isinstance(checkpoint.model, EncoderDecoder):
        raise CheckpointError(f"{where}: a {card['architecture']} model, not a task model")
    if card.get("task") not in TASKS:
        raise CheckpointError(
            f"{where}: unknown task {card.get('task')!r} (known: {', '.join(TASKS)})"
        )
    task = get_task(card["task"])
    if card.get("vocab") != list(task.vocab.tokens):
        raise CheckpointError(
            f"{where}: wrong vocabulary for task {task.name!r}: "
            f"{card.get('vocab')} instead of {list(task.vocab.tokens)}"
        )
    return TaskModel(checkpoint.model, task, card)
