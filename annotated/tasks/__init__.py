"""Tasks the models learn: copy, sorting, addition, and character-level Shakespeare."""

from annotated.tasks.addition import AdditionTask
from annotated.tasks.base import Task, TrainDefaults
from annotated.tasks.copy import CopyTask
from annotated.tasks.loading import TaskModel, load_task_model
from annotated.tasks.metric import exact_match, predict
from annotated.tasks.registry import TASKS, get_task
from annotated.tasks.sorting import SortTask
from annotated.tasks.vocab import Vocabulary

__all__ = [
    "TASKS",
    "AdditionTask",
    "CopyTask",
    "SortTask",
    "Task",
    "TaskModel",
    "TrainDefaults",
    "Vocabulary",
    "exact_match",
    "get_task",
    "load_task_model",
    "predict",
]
