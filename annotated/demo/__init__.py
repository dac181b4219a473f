"""The Gradio demos of the trained models: copy, sorting, addition, Shakespeare, translation.

The app lives in the package, not beside it, so that every way of running it runs the same
code: ``annotated demo`` (the command line), ``python demos/app.py`` (the repository's thin
entry point, for ``gradio demos/app.py`` reload mode) and the Hugging Face Space written by
``annotated space-export`` (whose ``app.py`` imports it from the wheel it ships). It needs the
``demos`` extra: ``pip install -e ".[demos]"`` in a checkout (``make demo`` does it).

One module per tab (``task_tab`` serves copy, sort and add, which differ only in data;
``shakespeare_tab``; ``translate_tab``, whose German input ``german`` checks), ``models``
loads the trained models on first use, ``checks`` validates the options a request carries,
``plots`` draws, ``app`` assembles the tabs and the queue, ``space`` writes the Space, and
``serving`` runs the app in a subprocess for the length of a ``with`` block
(``with serving() as url: ...``), as a notebook, the docs build and the tests do.

Importing this package sets offline defaults before Gradio is imported -- no analytics, no
telemetry, no Hugging Face Hub look-ups -- unless the environment already says otherwise.
"""

from __future__ import annotations

import os

OFFLINE = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}
for _name, _value in OFFLINE.items():
    os.environ.setdefault(_name, _value)

from annotated.demo.app import TABS, build_demo, launch  # noqa: E402  (after the defaults)
from annotated.demo.models import Models  # noqa: E402
from annotated.demo.serving import serving  # noqa: E402

__all__ = ["OFFLINE", "TABS", "Models", "build_demo", "launch", "serving"]
