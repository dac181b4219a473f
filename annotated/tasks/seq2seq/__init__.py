"""Sequence-to-sequence tasks for the encoder-decoder: copy, sorting and addition.

Each module plays one role, the same role as its namesake in
:mod:`annotated.tasks.language_model`: ``data`` (where batches come from), ``options``
(what determines a run), ``run`` (train one into a run directory), ``evaluation`` (the
metric), ``loading`` (a trained model back from its checkpoint).
"""

from annotated.tasks.seq2seq.addition import AdditionTask
from annotated.tasks.seq2seq.copy import CopyTask
from annotated.tasks.seq2seq.data import Task, TrainDefaults
from annotated.tasks.seq2seq.evaluation import exact_match, predict
from annotated.tasks.seq2seq.loading import TaskModel, load_task_model
from annotated.tasks.seq2seq.registry import TASKS, get_task
from annotated.tasks.seq2seq.sorting import SortTask

__all__ = [
    "TASKS",
    "AdditionTask",
    "CopyTask",
    "SortTask",
    "Task",
    "TaskModel",
    "TrainDefaults",
    "exact_match",
    "get_task",
    "load_task_model",
    "predict",
]
