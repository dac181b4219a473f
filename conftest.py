"""Test set-up shared by the tests and the doctests.

* one torch thread per process when pytest-xdist runs workers side by side (two cores);
* Hypothesis profiles chosen by ``HYPOTHESIS_PROFILE``: ``dev`` (few examples, the default)
  and ``ci`` (fixed counts, derandomised);
* no network: sockets may connect to loopback only;
* doctests stand alone: each sees only the names it imports, not its module's, so it runs as
  it would pasted into a Python prompt.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, settings

# the demo app needs the optional Gradio (the demos extra); without it, skip its doctests
collect_ignore = [] if importlib.util.find_spec("gradio") else ["annotated/demo"]
# the notebook runs as a script in tests/notebook; importing it would run its setup cell here
collect_ignore.append("annotated/notebooks/annotated_transformer.py")

if "PYTEST_XDIST_WORKER" in os.environ:
    torch.set_num_threads(1)

settings.register_profile(
    "dev", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

_LOOPBACK = ("127.", "::1", "localhost")
_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family == socket.AF_UNIX or str(host).startswith(_LOOPBACK):
        return _real_connect(self, address)
    raise OSError(f"tests may not use the network (tried to connect to {address!r})")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _doctests_stand_alone(request: pytest.FixtureRequest) -> None:
    """A doctest sees only what it imports, not its module's names: it runs as pasted."""
    dtest = getattr(request.node, "dtest", None)
    if dtest is not None:
        dtest.globs.clear()
        dtest.globs["__name__"] = "__main__"
