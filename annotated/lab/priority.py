"""Answers before training: a run pauses between steps while someone waits for an answer.

A Lab run trains in a thread of the same process that answers the page, and a small model's
step is mostly Python, which holds the interpreter lock: left alone, the trainer would take
about half of every thread's time and an answer that needs 100 ms would take several times
that. So a :class:`Gate` counts the requests being answered; between two steps a run waits
until that count is zero (at most :data:`MAX_PAUSE_S`, so a stuck request cannot freeze
training). A request then waits for at most the one step in progress:

.. math::

    t_{answer} \\le t_{alone} + t_{step}
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_PAUSE_S = 5.0


class Gate:
    """Counts the readers being served; trainers wait for it to be idle.

    Examples
    --------
    >>> from annotated.lab import Gate
    >>> gate = Gate()
    >>> with gate.reading():
    ...     gate.busy
    True
    >>> gate.busy, gate.wait_idle(0.1)
    (False, True)
    """

    def __init__(self) -> None:
        self._idle = threading.Condition()
        self._readers = 0
        self._last = -float("inf")  # when the last reader was served (time.monotonic)

    @property
    def busy(self) -> bool:
        """Whether a reader is being served."""
        return self._readers > 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Serve a reader: trainers pause between steps until the block ends."""
        with self._idle:
            self._readers += 1
        try:
            yield
        finally:
            with self._idle:
                self._readers -= 1
                self._last = time.monotonic()
                self._idle.notify_all()

    def wait_idle(self, timeout: float = MAX_PAUSE_S) -> bool:
        """Wait until no reader is served (at most ``timeout`` s); whether none is."""
        with self._idle:
            return self._idle.wait_for(lambda: self._readers == 0, timeout)

    def wait_quiet(self, quiet: float, timeout: float) -> bool:
        """Wait until no reader has been served for ``quiet`` s (at most ``timeout`` s).

        For optional work, such as redrawing a live plot: a person clicking around often
        asks again right after an answer, and that next answer should find the CPU free.

        Examples
        --------
        >>> from annotated.lab import Gate
        >>> gate = Gate()
        >>> with gate.reading():
        ...     pass
        >>> gate.wait_quiet(0.05, timeout=1.0)
        True
        """
        deadline = time.monotonic() + timeout
        with self._idle:
            while True:
                now = time.monotonic()
                wait = self._last + quiet - now if self._readers == 0 else quiet
                if wait <= 0:
                    return True
                if now >= deadline:
                    return False
                self._idle.wait(min(wait, deadline - now))


READERS = Gate()  # the one gate of this process: every run yields to every reader
