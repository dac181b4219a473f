"""``annotated demo``, recording what it loads and every connection it tries to open.

Run as ``python -m tests.demos.guarded_demo RECORD_DIR [demo options]``. Each shipped-model
load appends its name to ``RECORD_DIR/loads``; each connection to a host other than this
machine appends the address to ``RECORD_DIR/outside`` and fails, as if offline.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

LOOPBACK = ("127.", "::1", "localhost")


def main() -> int:
    record = Path(sys.argv[1])
    record.mkdir(parents=True, exist_ok=True)
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family == socket.AF_UNIX or str(host).startswith(LOOPBACK):
            return real_connect(self, address)
        with (record / "outside").open("a") as f:
            f.write(f"{address!r}\n")
        raise OSError(f"offline: no connection to {address!r}")

    socket.socket.connect = connect  # type: ignore[method-assign]

    from annotated import pretrained

    real_load = pretrained.load

    def load(name: str, *args: Any, **kwargs: Any) -> Any:
        with (record / "loads").open("a") as f:
            f.write(name + "\n")
        return real_load(name, *args, **kwargs)

    pretrained.load = load  # type: ignore[assignment]

    from annotated.cli import main as cli

    return cli(["demo", *sys.argv[2:]])


if __name__ == "__main__":
    sys.exit(main())
