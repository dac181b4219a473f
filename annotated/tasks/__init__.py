"""What the models learn, in two families of the same shape.

* :mod:`annotated.tasks.seq2seq`: the encoder-decoder on copy, sorting and addition;
* :mod:`annotated.tasks.language_model`: a GPT on Shakespeare's plays.

The run-directory steps both share (the card, ``metrics.json``, the plots, the fresh-folder
and resume checks) live in :mod:`annotated.training.run_directory`.
"""

from annotated.tasks.language_model import LanguageModel, load_language_model
from annotated.tasks.seq2seq import (
    TASKS,
    AdditionTask,
    CopyTask,
    SortTask,
    Task,
    TaskModel,
    TrainDefaults,
    exact_match,
    get_task,
    load_task_model,
    predict,
)
from annotated.tokenizers import Vocabulary

__all__ = [
    "TASKS",
    "AdditionTask",
    "CopyTask",
    "LanguageModel",
    "SortTask",
    "Task",
    "TaskModel",
    "TrainDefaults",
    "Vocabulary",
    "exact_match",
    "get_task",
    "load_language_model",
    "load_task_model",
    "predict",
]
