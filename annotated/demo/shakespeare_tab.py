"""The Shakespeare tab: a character-level GPT writes on from a prompt, and shows its odds.

Each character is drawn from the model's next-character distribution, reshaped by the
sampling settings (:func:`annotated.sample_next`):

.. math::

    p_i \\propto \\exp(z_i / \\tau) \\text{ over the top-}k \\text{ and top-}p
    \\text{ survivors}, \\qquad \\tau = 0 \\text{ is greedy}

The text streams to the page as it is generated (the event function is a generator). After
it ends, the tab draws the distribution the sampler drew from at a chosen step, and the
attention of the last generated character to the characters before it, every layer and head.

**Past the context window.** The model reads at most :math:`T` characters (``max_len``).
The tab generates as the command line and the Lab do, *shifting the context*
(:func:`annotated.generate_stream` with ``context="shift"``): when the context would exceed
:math:`T`, it keeps the last :math:`T/2` characters, reads them in one pass, and extends that
with the KV cache. The inspected distributions use the same contexts
(:func:`~annotated.decoding.generate.context_start`).

The tab works with the run's tokenizer (:func:`~annotated.tasks.load_language_model`): for a
model trained with ``--tokenizer bpe`` every "character" above is a subword token, and any
prompt encodes.

API endpoints: ``/shakespeare`` (prompt first; temperature, top-k, top-p, length and seed
defaulted; streams) and ``/shakespeare_inspect`` (the two figures).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, NamedTuple

import gradio as gr
import numpy as np
import torch

from annotated import (
    attention_maps,
    generate_stream,
    next_token_logits,
    top_k_filter,
    top_p_filter,
)
from annotated.decoding.generate import context_start
from annotated.demo.checks import number, refused, whole
from annotated.demo.models import Models
from annotated.demo.plots import last_query_figure, probabilities_figure, save_png
from annotated.tasks import LanguageModel
from annotated.tokenizers.protocol import decode_stream

MAX_PROMPT_CHARS = 500
MAX_LENGTH = 1000  # characters per request: a few seconds of one CPU core
DEFAULT_LENGTH = 300
MAX_SEED = 2**31 - 1
MAX_TEMPERATURE = 2.0
MAX_TOP_K = 100  # k at or above the vocabulary size keeps every character
STREAM_EVERY_S = 0.05  # at most 20 page updates a second, however fast the model writes
TOP_CHARS = 15  # bars in the probability chart
SHOWN_KEYS = 64  # characters on the attention map's axis
EXAMPLES = ["ROMEO:\n", "To be, or not to be", "KING LEAR:\nBlow, winds", "First Citizen:\n"]


class Sampling(NamedTuple):
    """Checked sampling settings."""

    temperature: float
    top_k: int | None
    top_p: float | None


def check_sampling(temperature: Any, top_k: Any, top_p: Any) -> Sampling:
    """The sampling settings, with ``top_k = 0`` and ``top_p = 1`` meaning "off"."""
    t = number(temperature, "temperature", 0.0, MAX_TEMPERATURE)
    k = whole(top_k, "top-k", 0, MAX_TOP_K)
    p = number(top_p, "top-p", 0.0, 1.0)
    if p == 0.0:
        raise refused("The top-p must be above 0 (1 keeps every character).")
    return Sampling(t, k or None, p if p < 1.0 else None)


class ShakespeareDemo:
    """The plain functions behind the Shakespeare tab.

    Parameters
    ----------
    models : Models
        Where the language model comes from (loaded on first use).
    """

    def __init__(self, models: Models) -> None:
        self.models = models

    def encode_prompt(self, prompt: Any) -> tuple[LanguageModel, list[int]]:
        """The model and the prompt's tokens, or a :class:`gradio.Error` saying what is wrong."""
        if not isinstance(prompt, str) or not prompt:
            raise refused("The prompt is empty: type the start of a speech, e.g. 'ROMEO:'.")
        if len(prompt) > MAX_PROMPT_CHARS:
            raise refused(
                f"The prompt is too long ({len(prompt)} characters; at most {MAX_PROMPT_CHARS})."
            )
        lm = self.models.language()  # loaded only for a prompt worth encoding
        try:
            return lm, lm.tokenizer.encode(prompt)
        except ValueError as error:
            raise refused(f"The prompt has {error}; the model knows only the corpus's.") from None

    def generate(
        self,
        prompt: str,
        temperature: float = 0.8,
        top_k: float = 0,
        top_p: float = 1.0,
        length: float = DEFAULT_LENGTH,
        seed: float = 0,
    ) -> Iterator[str]:
        """Stream the prompt and its continuation, a few characters at a time.

        Parameters
        ----------
        prompt : str
            The start of the text; only characters of the training corpus.
        temperature : float
            :math:`\\tau` from 0 (greedy) to 2.
        top_k : int
            Keep the ``top_k`` most likely characters; 0 keeps all.
        top_p : float
            Keep the nucleus of this mass; 1 keeps all.
        length : int
            Characters to generate, 1 to :data:`MAX_LENGTH`.
        seed : int
            The random seed: the same settings and seed give the same text.

        Yields
        ------
        str
            The prompt and everything generated so far.
        """
        sampling = check_sampling(temperature, top_k, top_p)
        n = whole(length, "length", 1, MAX_LENGTH)
        generator = torch.Generator().manual_seed(whole(seed, "seed", 0, MAX_SEED))
        lm, tokens = self.encode_prompt(prompt)
        stream = generate_stream(
            lm.model, torch.tensor([tokens]), n, **sampling._asdict(), generator=generator,
            context="shift",
        )  # fmt: skip
        text, shown, last = prompt, None, time.monotonic()
        for piece in decode_stream(lm.tokenizer, stream):  # each token's text, once whole
            text += piece
            if time.monotonic() - last >= STREAM_EVERY_S:
                shown, last = text, time.monotonic()
                yield text
        if text != shown:
            yield text

    def steps(self, prompt: str, text: str) -> Any:
        """The step slider, set to the last generated token (character)."""
        lm, prompt_ids = self.encode_prompt(prompt)
        n = max(1, len(self._encode_text(lm, text or "")) - len(prompt_ids))
        return gr.Slider(minimum=1, maximum=n, value=n, step=1)

    def inspect(
        self,
        prompt: str,
        text: str,
        step: float = 1,
        temperature: float = 0.8,
        top_k: float = 0,
        top_p: float = 1.0,
    ) -> tuple[str, str]:
        """The sampling distribution at ``step`` and the last token's attention, as PNGs.

        ``text`` is the prompt and its continuation, as ``/shakespeare`` returned it; the
        steps are the tokens of its encoding after the prompt's (for a subword model, the
        sampled tokens unless the sampler spelled a word as its encoder would not).
        """
        lm, prompt_ids = self.encode_prompt(prompt)
        if not isinstance(text, str) or not text.startswith(prompt) or len(text) == len(prompt):
            raise refused("Generate first: the text must be the prompt and its continuation.")
        if len(text) > MAX_PROMPT_CHARS + MAX_LENGTH:
            raise refused(f"The text is too long ({len(text)} characters).")
        ids = self._encode_text(lm, text)
        sampling = check_sampling(temperature, top_k, top_p)
        p = len(prompt_ids)
        generated = len(ids) - p
        if generated < 1:
            raise refused("Generate first: the text must be the prompt and its continuation.")
        k = whole(step, "step", 1, generated)
        at = p + k - 1  # the index in ids of the token drawn at step k
        start = context_start(p, at, lm.model.config.max_len)
        probs = self._distribution(lm, ids[start:at], sampling)
        before = lm.tokenizer.decode(ids[max(0, at - 30) : at])[-30:].replace("\n", "⏎")
        title = f"step {k} of {generated}: the next character after “…{before}”"
        if sampling.temperature == 0:
            title += "\n(temperature 0: the model's probabilities; greedy takes the tallest)"
        now = context_start(p, len(ids), lm.model.config.max_len)
        attention = self._attention_png(lm, ids[now:])  # the context that ends with it
        return self._probabilities_png(lm, probs, lm.tokenizer.pieces[ids[at]], title), attention

    def inspect_if_any(self, *args: Any) -> Any:
        """:meth:`inspect`, or nothing before the first generation (a slider moved first)."""
        prompt, text = args[0], args[1]
        if not isinstance(text, str) or not text or len(text) <= len(prompt or ""):
            return gr.skip(), gr.skip()
        return self.inspect(*args)

    @staticmethod
    def _encode_text(lm: LanguageModel, text: str) -> list[int]:
        try:
            return lm.tokenizer.encode(text)
        except ValueError as error:
            raise refused(f"The text has {error}.") from None

    @staticmethod
    def _distribution(lm: LanguageModel, context: list[int], s: Sampling) -> np.ndarray:
        """What the sampler drew from after ``context``: ``(vocab,)`` probabilities.

        Greedy decoding (temperature 0) draws from a point mass on the arg max, a chart of
        one bar; it shows the model's own probabilities instead (temperature 1, no filter),
        whose tallest bar is the character greedy takes.
        """
        logits = next_token_logits(lm.model, torch.tensor([context]))  # (1, vocab)
        if s.temperature == 0:
            return logits.softmax(-1)[0].numpy()
        logits = logits / s.temperature
        if s.top_k is not None:
            logits = top_k_filter(logits, s.top_k)
        if s.top_p is not None:
            logits = top_p_filter(logits, s.top_p)
        return logits.softmax(-1)[0].numpy()

    @staticmethod
    def _probabilities_png(lm: LanguageModel, probs: np.ndarray, chosen: str, title: str) -> str:
        order = np.argsort(-probs, kind="stable")[:TOP_CHARS]
        chars = [lm.tokenizer.pieces[i] for i in order]
        fig = probabilities_figure(chars, probs[order].tolist(), chosen, title)
        return str(save_png(fig, "shakespeare-probabilities"))

    @staticmethod
    def _attention_png(lm: LanguageModel, window: list[int]) -> str:
        maps = attention_maps(lm.model, torch.tensor([window]), lm.tokenizer.pieces)
        shown = min(len(window), SHOWN_KEYS)  # the nearest keys; the weights are not rescaled
        last = lm.tokenizer.pieces[window[-1]].replace("\n", "⏎").replace(" ", "␣")
        title = f"attention of the last character, {last!r}, to the last {shown} (itself included)"
        if shown < len(window):
            title += f" of the {len(window)} it sees"
        return str(save_png(last_query_figure(maps, shown, title), "shakespeare-attention"))


def build(models: Models) -> None:
    """Lay out the Shakespeare tab inside the current ``gr.Tab``."""
    demo = ShakespeareDemo(models)
    gr.Markdown(
        "A character-level GPT trained on Shakespeare's plays writes on from your prompt. "
        "Lower the temperature for safer text, raise it for wilder; top-k and top-p cut the "
        "unlikely tail. The same seed gives the same text."
    )
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(
                label="prompt",
                value=EXAMPLES[0],
                lines=3,
                max_length=MAX_PROMPT_CHARS,
                elem_id="shakespeare-prompt",
            )
            with gr.Row():
                temperature = gr.Slider(
                    0, MAX_TEMPERATURE, value=0.8, step=0.05, label="temperature"
                )
                length = gr.Slider(1, MAX_LENGTH, value=DEFAULT_LENGTH, step=1, label="length")
            with gr.Row():
                top_k = gr.Slider(0, MAX_TOP_K, value=0, step=1, label="top-k (0 = off)")
                top_p = gr.Slider(0.05, 1, value=1.0, step=0.05, label="top-p (1 = off)")
                seed = gr.Number(0, label="seed", precision=0, minimum=0, maximum=MAX_SEED)
            run = gr.Button("Generate", variant="primary", elem_id="shakespeare-run")
            gr.Examples(EXAMPLES, inputs=[prompt], label="prompts")
        with gr.Column():
            text = gr.Textbox(label="text", lines=16, interactive=False, elem_id="shakespeare-text")
    step = gr.Slider(1, MAX_LENGTH, value=1, step=1, label="step (which generated character)")
    probs = gr.Image(
        label="next-character probabilities at the chosen step",
        type="filepath",
        format="png",
        interactive=False,
        elem_id="shakespeare-probabilities",
    )
    attention = gr.Image(
        label="attention of the last character, every layer and head",
        type="filepath",
        format="png",
        interactive=False,
        elem_id="shakespeare-attention",
    )
    sampling = [temperature, top_k, top_p]
    generated = run.click(
        demo.generate,
        [prompt, *sampling, length, seed],
        text,
        api_name="shakespeare",
        concurrency_limit=2,
    )
    generated.success(demo.steps, [prompt, text], step, api_visibility="private").success(
        demo.inspect,
        [prompt, text, step, *sampling],
        [probs, attention],
        api_name="shakespeare_inspect",
    )
    # the slider's number box fires only `input` (each keystroke) and `release` (on blur), no
    # submit: both redraw, and "always_last" folds a drag's many inputs into the last one
    gr.on(
        [step.input, step.release],
        demo.inspect_if_any,
        [prompt, text, step, *sampling],
        [probs, attention],
        api_visibility="private",
        trigger_mode="always_last",
    )
