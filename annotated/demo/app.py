"""The app: one tab per model, a bounded queue, launched on the loopback interface.

:func:`build_demo` lays out the tabs and configures the queue; it loads no model (each tab
loads its model on first use). :func:`launch` serves it. A new tab is one more entry in
:data:`TABS`: a label, an id and a function that builds the tab's contents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import gradio as gr

from annotated.demo import lab_tab, shakespeare_tab, task_tab, translate_tab
from annotated.demo.models import Models

TITLE = "annotated: the Annotated Transformer, live"
QUEUE_SIZE = 128  # requests that may wait; more are refused with "queue full"
CONCURRENCY = 2  # requests per event run at once: one per core, one torch thread each
DELETE_CACHE = (3600, 3600)  # every hour, delete served files older than an hour
INTRO = """# The Annotated Transformer, live
Small Transformers built from the `annotated` package and trained on a CPU. Type an input,
press **Run**, and see the model's answer and the attention that produced it."""


class Tab(NamedTuple):
    """One tab: its label, its id (the page's ``#id``) and what builds its contents."""

    label: str
    id: str
    build: Callable[[Models], None]


def _task(name: str) -> Callable[[Models], None]:
    return lambda models: task_tab.build(name, models)


TABS = (
    Tab("Copy", "copy", _task("copy")),
    Tab("Sort", "sort", _task("sort")),
    Tab("Add", "add", _task("add")),
    Tab("Shakespeare", "shakespeare", shakespeare_tab.build),
    Tab("Translate", "translate", translate_tab.build),
    Tab("Lab", "lab", lab_tab.build),
)


def build_demo(models: Models | None = None) -> gr.Blocks:
    """The Gradio app with every tab and a bounded queue; nothing is loaded yet.

    Parameters
    ----------
    models : Models, optional
        Where the models come from; by default the shipped ones, loaded on first use.

    Returns
    -------
    gradio.Blocks
        Call ``.launch()`` (or :func:`launch`) to serve it.
    """
    models = models or Models()
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs():
            for tab in TABS:
                with gr.Tab(tab.label, id=tab.id):
                    tab.build(models)
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    return demo


def launch(
    demo: gr.Blocks,
    *,
    host: str | None = None,
    port: int | None = None,
    share: bool = False,
    inbrowser: bool = False,
    block: bool = True,
) -> str:
    """Serve ``demo`` and return its local URL.

    Parameters
    ----------
    demo : gradio.Blocks
        From :func:`build_demo`.
    host, port : optional
        Where to listen; by default ``GRADIO_SERVER_NAME`` (else 127.0.0.1) and
        ``GRADIO_SERVER_PORT`` (else the first free port from 7860).
    share : bool
        Ask for a public ``gradio.live`` link (off: the app never leaves this machine).
    inbrowser : bool
        Open the app in the default browser.
    block : bool
        Keep serving until interrupted; ``False`` returns once the server is up.
    """
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        inbrowser=inbrowser,
        prevent_thread_lock=not block,
    )
    return url
