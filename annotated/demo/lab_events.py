"""The functions behind the Lab tab: thin adapters from the page to :mod:`annotated.lab`.

:mod:`annotated.lab` does the work and knows nothing of Gradio; each function here turns the
controls into a :class:`~annotated.lab.LabConfig`, a library error into a
:class:`gradio.Error` the reader can act on, and runs into figures. Each visitor's runs live
in their own :class:`~annotated.lab.LabSession` (the tab's ``gr.State``), passed in as
``session``, so two people training at once never see each other's runs.

:func:`train` is a generator: the run trains in its own thread, and the event redraws the
curve about once a second until the run ends, so the page (and a ``gradio_client``) sees the
first point as soon as the first step is done. Every other function is served
:func:`answering`: runs pause between steps while it works, so it answers as fast while a
model trains as when none does.
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar, cast

import gradio as gr
import pandas as pd
from matplotlib.figure import Figure

from annotated import lab
from annotated.demo.checks import invalid_input, refused
from annotated.demo.plots import save_png
from annotated.lab.config import WHOLE
from annotated.lab.plots import (
    attention_figure,
    compare_figure,
    curve_figure,
    probe_figure,
    stats_figure,
)
from annotated.lab.session import TABLE_COLUMNS

FIELDS = [f.name for f in fields(lab.LabConfig)]
DEFAULT = lab.LabConfig()
REFRESH_S = 1.0  # redraw the live curve at most this often
QUIET_S = 0.5  # ... and only once nobody has been answered for this long (or 3 s have passed)
FIRST_POINT_POLL_S = 0.1
EXAMPLES = {
    "copy": "3 1 4 1 5",
    "sort": "3 1 4 1 5 9 2 6",
    "add": "123+456",
    "shakespeare": "ROMEO:\n",
}
INTRO = """Build a small Transformer, press **Train** and watch it learn, live, on this CPU.
Flip one choice -- the norm, the residual layout, the positions -- train again, and compare the
runs' curves. Copy, sort and add train the encoder-decoder; Shakespeare trains a GPT, which also
takes the ladder's training tricks (QK-norm, ReLU², zero-init, soft-cap, untied head, Muon)."""


F = TypeVar("F", bound=Callable[..., Any])


def answering(fn: F) -> F:
    """``fn`` served ahead of training: every run pauses between steps while it works."""

    @functools.wraps(fn)  # Gradio reads the parameter names through __wrapped__
    def served(*args: Any, **kwargs: Any) -> Any:
        with lab.READERS.reading():
            return fn(*args, **kwargs)

    return cast(F, served)


def png(fig: Figure, name: str) -> str:
    """Render ``fig`` to a PNG file now, inside the request.

    Handing Gradio the figure would render it after the request, once training has resumed
    (:func:`answering`), at twice the cost; a file is only copied.
    """
    return str(save_png(fig, name))


def config_of(values: dict[str, Any]) -> lab.LabConfig:
    """The config the controls describe, or a :class:`gradio.Error` explaining what is wrong."""
    clean: dict[str, Any] = {
        k: int(v) if k in WHOLE and isinstance(v, float) and v.is_integer() else v
        for k, v in values.items()
    }
    try:
        return lab.LabConfig(**clean).check()
    except lab.LabConfigError as error:
        raise refused(str(error)) from None


def _session(session: Any) -> lab.LabSession:
    return session if isinstance(session, lab.LabSession) else lab.LabSession()


def _run(session: Any, name: str | None) -> lab.LabRun:
    try:
        return _session(session).get(name or None)
    except KeyError as error:
        raise refused(str(error.args[0])) from None


def _picker(session: lab.LabSession) -> tuple[Any, Any]:
    """The run dropdown (current run chosen) and the comparison checkboxes (all ticked)."""
    names = session.names()
    current = session.current.name if session.current else None
    return gr.Dropdown(choices=names, value=current), gr.CheckboxGroup(choices=names, value=names)


def train(
    session: lab.LabSession | None,
    task: str = DEFAULT.task,
    N: float = DEFAULT.N,
    d_model: float = DEFAULT.d_model,
    h: float = DEFAULT.h,
    norm: str = DEFAULT.norm,
    layout: str = DEFAULT.layout,
    activation: str = DEFAULT.activation,
    positions: str = DEFAULT.positions,
    share_embeddings: bool = DEFAULT.share_embeddings,
    max_steps: float = DEFAULT.max_steps,
    batch_size: float = DEFAULT.batch_size,
    max_len: float = DEFAULT.max_len,
    lr: float = DEFAULT.lr,
    schedule: str = DEFAULT.schedule,
    warmup: float = DEFAULT.warmup,
    seed: float = DEFAULT.seed,
    tokenizer: str = DEFAULT.tokenizer,
    bpe_vocab: float = DEFAULT.bpe_vocab,
    qk_norm: bool = DEFAULT.qk_norm,
    zero_init: bool = DEFAULT.zero_init,
    logit_softcap: float = DEFAULT.logit_softcap,
    optimizer: str = DEFAULT.optimizer,
    muon_lr: float = DEFAULT.muon_lr,
) -> Iterator[tuple[Any, ...]]:
    """Train a new run of this config and stream its summary, curve and layer statistics.

    Yields ``(session, summary, curve, stats, run dropdown, comparison checkboxes)`` about
    once a second (the first as soon as the first step is done) until the run ends.
    """  # fmt: skip
    values = dict(zip(FIELDS, [task, N, d_model, h, norm, layout, activation, positions, share_embeddings, max_steps, batch_size, max_len, lr, schedule, warmup, seed, tokenizer, bpe_vocab, qk_norm, zero_init, logit_softcap, optimizer, muon_lr], strict=True))  # fmt: skip
    config = config_of(values)
    s = _session(session)
    try:
        run = s.train(config)
    except RuntimeError as error:
        raise refused(str(error)) from None
    vocab = len(run.data.tokens)
    shown_points, shown_stats, last = -1, -1, 0.0
    try:
        while True:
            done = not run.training
            points = len(run.curves)
            fresh = points != shown_points and (
                shown_points <= 0 or time.monotonic() - last >= REFRESH_S
            )
            if done or shown_points < 0 or (points > 0 and fresh):
                lab.READERS.wait_quiet(QUIET_S, timeout=3 * REFRESH_S)  # answers come first
                same = len(run.stats) == shown_stats and not done  # the last yield has them all
                stats = gr.skip() if same else stats_figure(run.stats[:])
                shown_points, shown_stats, last = points, len(run.stats), time.monotonic()
                note = f"{run.status}, step {run.step}/{config.max_steps}"
                yield (
                    s,
                    run.summary(),
                    curve_figure(run.name, run.curves_now(), vocab, note),
                    stats,
                    *_picker(s),
                )
            if done:
                return
            time.sleep(FIRST_POINT_POLL_S if points == 0 else 0.2)
    finally:
        run.stop()  # the page went away (or the run ended): never train for nobody


@answering
def stop(session: lab.LabSession | None) -> dict[str, Any]:
    """Stop the run that is training (it keeps what it learned) and return its summary."""
    run = _session(session).stop()
    if run is None:
        raise refused("No run is training.")
    run.wait(30)
    return run.summary()


def verdict_of(config: lab.LabConfig) -> str:
    """What the controls will train, in a sentence (for a config that passed its checks)."""
    family = "a GPT (decoder-only)" if config.family == "gpt" else "an encoder-decoder"
    d_k = f"d_k = {config.d_model} / {config.h} = {config.d_k}"
    tokens = f", a BPE of {config.bpe_vocab} tokens" if config.subwords else ""
    return f"✓ Ready: {family}, {config.N} layers, {d_k}{tokens}."


@answering
def check(*values: Any) -> tuple[str, Any, Any]:
    """Explain whether the controls describe a trainable model, list its building blocks, and
    let the Train button be pressed only if it is (the explanation says what to change)."""
    try:
        config = config_of(dict(zip(FIELDS, values, strict=True)))
    except gr.Error as error:
        return f"✗ Cannot train: {error.message}", gr.skip(), gr.Button(interactive=False)
    blocks = list(lab.chosen_blocks(config))
    dropdown = gr.Dropdown(choices=blocks, value=blocks[0])
    return verdict_of(config), dropdown, gr.Button(interactive=True)


@answering
def code(block: str, *values: Any) -> str:
    """The source of building block ``block`` of the config the controls describe."""
    try:
        return lab.source_of(config_of(dict(zip(FIELDS, values, strict=True))), block)
    except ValueError as error:
        raise refused(str(error)) from None


@answering
def compare(
    session: lab.LabSession | None, names: list[str] | None = None
) -> tuple[str, pd.DataFrame]:
    """The chosen runs' curves on one plot (all runs if none is chosen) and their configs."""
    s = _session(session)
    chosen = [n for n in (names or s.names()) if n in s.runs]
    if not chosen:
        raise refused("No runs to compare yet: train one or two first.")
    fig = compare_figure(
        [(n, s.runs[n].curves_now()) for n in chosen], [s.colour(n) for n in chosen]
    )
    return png(fig, "lab-compare"), pd.DataFrame(s.table(chosen), columns=TABLE_COLUMNS)


@answering
def export(session: lab.LabSession | None, name: str | None = None) -> list[str]:
    """Write the run's config (JSON), curves (CSV), weights (safetensors with its card) and a
    BPE run's tokenizer."""
    run = _run(session, name)
    base = Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir()) / "annotated-lab"
    base.mkdir(parents=True, exist_ok=True)
    files = lab.export_run(run, tempfile.mkdtemp(dir=base))
    return [
        str(files[k]) for k in ("config", "curves", "weights", "card", "tokenizer") if k in files
    ]


@answering
def load(path: str | None) -> tuple[Any, ...]:
    """Fill the controls from an exported ``.config.json``."""
    if not path:
        raise refused("Choose a .config.json file exported from the Lab.")
    try:
        config = lab.load_config(path)
    except lab.LabConfigError as error:
        raise refused(f"This file is not a usable Lab config: {error}") from None
    return tuple(getattr(config, f) for f in FIELDS)


@answering
def sample(
    session: lab.LabSession | None,
    name: str | None = None,
    text: str = "",
    length: float = 200,
    temperature: float = 0.8,
    seed: float = 0,
) -> str:
    """Shakespeare runs write on from ``text``; task runs decode ``text`` and say if it is right."""
    run = _run(session, name)
    try:
        return lab.respond(
            run, text or EXAMPLES[run.config.task], int(length), temperature, int(seed)
        )
    except ValueError as error:
        raise invalid_input(error) from None


@answering
def attention(
    session: lab.LabSession | None,
    name: str | None = None,
    text: str = "",
    layer: float = 1,
    head: float = 1,
) -> Any:
    """The attention maps of one layer and head of the run's current model on ``text``."""
    run = _run(session, name)
    c = run.config
    if not (1 <= layer <= c.N and 1 <= head <= c.h):
        raise refused(f"{run.name} has layers 1 to {c.N} and heads 1 to {c.h}.")
    try:
        maps = lab.run_attention(run, text or EXAMPLES[c.task])
    except ValueError as error:
        raise invalid_input(error) from None
    return png(
        attention_figure([m for m in maps if m.layer == int(layer)], int(head)), "lab-attention"
    )


@answering
def probe(session: lab.LabSession | None, name: str | None = None, length: float = 0) -> Any:
    """The positions probe of the run's current model, out to ``length`` (0: four times trained)."""
    run = _run(session, name)
    probe = lab.probe_positions(run.snapshot(), run.config, int(length) or None)
    return png(probe_figure(probe), "lab-probe")
