"""Refuse and record every connection that would leave this machine, in a server under test.

Python imports ``sitecustomize`` at start-up from the first folder of ``sys.path`` that has
one, so a server started with this folder on ``PYTHONPATH`` and ``ANNOTATED_NETWORK_LOG`` set
gets a ``socket`` that may reach loopback only: any other host name looked up, or address
connected to, is refused with ``OSError`` (as an offline machine would) and appended to that
file, one line each. Without the variable (e.g. when pytest collects this file) it does
nothing.
"""

from __future__ import annotations

import os
import socket
from typing import Any

LOG = os.environ.get("ANNOTATED_NETWORK_LOG")
LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")


def _refuse(what: str) -> OSError:
    assert LOG is not None
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(what + "\n")
    return OSError(f"offline: refused {what}")


def _is_local(host: Any) -> bool:
    return host is None or str(host).startswith(LOOPBACK)


if LOG is not None:
    _getaddrinfo = socket.getaddrinfo
    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise _refuse(f"getaddrinfo {host!r}")
        return _getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family != socket.AF_UNIX and not _is_local(address[0]):
            raise _refuse(f"connect {address!r}")
        return _connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family != socket.AF_UNIX and not _is_local(address[0]):
            raise _refuse(f"connect_ex {address!r}")
        return _connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
