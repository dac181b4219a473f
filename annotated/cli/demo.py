"""``annotated demo``: serve the Gradio demos of the trained models in the browser."""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any

from annotated.cli.argtypes import positive_int


def run(args: argparse.Namespace) -> int:
    """Build the app (no model is loaded yet) and serve it until interrupted."""
    if importlib.util.find_spec("gradio") is None:
        raise ValueError(
            "the demos need Gradio: pip install -e '.[demos]' in a checkout of annotated (or: make demo)"
        )
    from annotated.demo import build_demo, launch  # imports Gradio: only this command pays

    try:
        launch(build_demo(), host=args.host, port=args.port, share=args.share, inbrowser=args.open)
    except OSError as error:  # Gradio's own message tells a Python caller to edit launch()
        if "Cannot find empty port" not in str(error):
            raise
        wanted = f"port {args.port} is" if args.port else "ports from $GRADIO_SERVER_PORT are"
        raise OSError(
            f"{wanted} in use: pass another --port, or leave --port out for the first free one"
        ) from None
    return 0


def register(sub: Any) -> None:
    """Add the ``demo`` subcommand."""
    p = sub.add_parser(
        "demo",
        help="serve the demos of the trained models (copy, sort, add, Shakespeare)",
        description="Serve the Gradio app on this machine and print its URL. Nothing is "
        "trained or downloaded: each tab loads its shipped model on first use.",
    )
    p.add_argument(
        "--host", help="interface to listen on (default $GRADIO_SERVER_NAME, else 127.0.0.1)"
    )
    p.add_argument(
        "--port",
        type=positive_int,
        help="port (default: the first free one from $GRADIO_SERVER_PORT, else from 7860)",
    )
    p.add_argument("--share", action="store_true", help="also ask for a public gradio.live link")
    p.add_argument("--open", action="store_true", help="open the app in the default browser")
    p.set_defaults(run=run)
