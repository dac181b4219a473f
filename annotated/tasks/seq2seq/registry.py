"""The synthetic tasks by name, as the command line knows them."""

from __future__ import annotations

from annotated.tasks.seq2seq.addition import AdditionTask
from annotated.tasks.seq2seq.copy import CopyTask
from annotated.tasks.seq2seq.data import Task
from annotated.tasks.seq2seq.sorting import SortTask

TASKS: dict[str, type[Task]] = {"copy": CopyTask, "sort": SortTask, "add": AdditionTask}


def get_task(name: str) -> Task:
    """The task called ``name`` (``"copy"``, ``"sort"`` or ``"add"``).

    Examples
    --------
    >>> from annotated import get_task
    >>> get_task("add").answer("2+2")
    '4'
    >>> get_task("reverse")
    Traceback (most recent call last):
    ...
    ValueError: unknown task 'reverse'; choose one of copy, sort, add
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
    return TASKS[name]()
