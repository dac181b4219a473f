"""``annotated space-export DIR``: write a Hugging Face Space folder that runs the demos."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any


def run(args: argparse.Namespace) -> int:
    """Build the wheel, write the Space, list what was written."""
    if importlib.util.find_spec("gradio") is None:
        raise ValueError(
            "the Space pins the installed Gradio: pip install -e '.[demos]' in a checkout of annotated (or: make demo)"
        )
    from annotated.demo.space import export_space

    try:
        files = export_space(args.directory, wheel=args.wheel)
    except RuntimeError as error:  # the wheel build failed: one line, as for every error
        raise ValueError(str(error)) from None
    for path in files:
        print(path)
    print(f"try it: cd {args.directory} && pip install -r requirements.txt && python app.py")
    return 0


def register(sub: Any) -> None:
    """Add the ``space-export`` subcommand."""
    p = sub.add_parser(
        "space-export",
        help="write a Hugging Face Space folder that runs the demos",
        description="Write README.md (the Space's front matter), app.py, requirements.txt and "
        "a wheel of this package with its trained models into DIR.",
    )
    p.add_argument("directory", type=Path, metavar="DIR", help="a new or empty directory")
    p.add_argument("--wheel", type=Path, help="ship this wheel instead of building one")
    p.set_defaults(run=run)
