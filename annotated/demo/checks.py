"""Checks of the options a request carries, with messages a person can act on.

The pages' sliders cannot send a bad value, but the API can send anything; each check raises
:class:`gradio.Error` (made by :func:`refused`), which the page shows in a pop-up and the
client raises as an ``AppError``, and the server goes on serving. Messages never start or end
with a quote mark: Gradio's pop-up strips those.
"""

from __future__ import annotations

import math
from typing import Any

import gradio as gr


def refused(message: str) -> gr.Error:
    """The error that refuses a request: shown to whoever sent it, not logged by the server.

    Gradio prints a traceback in the server's terminal for every :class:`gradio.Error` unless
    told not to; a typo in a class demo is not the server's fault, and forty of them would
    bury the messages that are (a model that fails to load still prints its traceback).

    Examples
    --------
    >>> from annotated.demo.checks import refused
    >>> error = refused("The input is empty.")
    >>> error.message, error.print_exception
    ('The input is empty.', False)
    """
    return gr.Error(message, print_exception=False)


def number(value: Any, name: str, low: float, high: float, *, whole: bool = False) -> float:
    """``value`` if it is a finite number in ``[low, high]`` (and whole, if asked).

    Examples
    --------
    >>> from annotated.demo.checks import number
    >>> number(3, "beam width", 1, 8, whole=True)
    3.0
    >>> number(2.5, "beam width", 1, 8, whole=True)
    Traceback (most recent call last):
    ...
    gradio.exceptions.Error: 'The beam width must be a whole number from 1 to 8, not 2.5.'
    """
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    ok = is_number and math.isfinite(value) and low <= value <= high
    if not ok or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise refused(f"The {name} must be {kind} from {low:g} to {high:g}, not {value!r}.")
    return float(value)


def whole(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an ``int`` in ``[low, high]``; see :func:`number`."""
    return int(number(value, name, low, high, whole=True))


def invalid_input(error: ValueError) -> gr.Error:
    """The error to raise for an input the model cannot read, prefixed so no quote is lost.

    Parser messages often start and end with a quote mark (``'abc' is not a single digit;
    ... e.g. '3 1 4 1 5'``), which Gradio's pop-up would strip.

    Examples
    --------
    >>> from annotated.demo.checks import invalid_input
    >>> invalid_input(ValueError("'x' is not a single digit; e.g. '3 1'"))
    Error("Not a valid input: 'x' is not a single digit; e.g. '3 1'.")
    """
    return refused(f"Not a valid input: {str(error).rstrip('.')}.")
