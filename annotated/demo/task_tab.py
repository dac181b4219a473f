"""The copy, sorting and addition tabs: ask a trained encoder-decoder, see where it looked.

One module serves the three tasks, which differ only in their model, grammar and examples.
The answer is decoded greedily or by beam search; the attention maps come from one more
forward pass over the source and the model's own answer (:func:`annotated.attention_maps`),
so each map shows the weights that produced that answer:

* encoder self-attention: source token :math:`i` reads source token :math:`j`;
* decoder self-attention: answer position :math:`i` reads the answer so far;
* cross-attention: answer position :math:`i` reads the source -- for copying, a diagonal;
  for sorting, the source digit being written next; for adding, the two digits of the
  place being written (layer 2), or of the place below it, where a carry comes from
  (layer 1, head 4).

Not every head shows that: the tab opens on the layer and head of the shipped model that do
(:data:`FIRST_SHOWN`), and ``tests/pretrained/test_attention_claims.py`` measures each claim
on that head.

The API endpoints are ``/copy``, ``/sort`` and ``/add`` (the answer and the verdict) and
``/copy_attention`` etc. (the figure). Each takes the input text first; the other options
have defaults.
"""

from __future__ import annotations

from typing import NamedTuple

import gradio as gr
import torch

from annotated import (
    AttentionMap,
    attention_maps,
    beam_search,
    get_task,
    greedy_decode,
    padding_mask,
)
from annotated.demo.checks import invalid_input, refused, whole
from annotated.demo.models import Models, model_sizes
from annotated.demo.plots import save_png
from annotated.lab.plots import attention_figure
from annotated.tasks import TaskModel

MAX_INPUT_CHARS = 60  # far above any valid input (19 characters); longer text is refused unread
MAX_BEAM = 8

INTROS = {
    "copy": "The model outputs its input. Watch the cross-attention: output position *i* "
    "reads source position *i*, a diagonal.",
    "sort": "The model outputs the digits in ascending order. Cross-attention (layer 2, "
    "head 4, shown first) jumps to a source digit equal to the one it writes next.",
    "add": "The model adds two numbers from 0 to 999, reading characters. Cross-attention "
    "lines the numbers up in columns: layer 1, head 4 (shown first) reads both numbers' "
    "digits one place below the digit being written, where a carry comes from; the heads "
    "of layer 2 read both digits of the place being written.",
}
# (layer, head) the tab shows first: where the shipped model shows the intro's claim
FIRST_SHOWN = {"copy": (1, 1), "sort": (2, 4), "add": (1, 4)}
EXAMPLES = {
    "copy": ["3 1 4 1 5", "9 8 7 6 5 4 3 2 1 0", "7", "2 2 2 0 0 0"],
    "sort": ["3 1 4 1 5 9 2 6", "9 8 7 6 5 4 3 2 1 0", "5 5 1 1", "0"],
    "add": ["123+456", "999+999", "7+5", "50+50"],
}


class Weights(NamedTuple):
    """Every attention weight of one answer, layer by layer: each ``(h, queries, keys)``."""

    encoder: list[torch.Tensor]  # (h, src_len, src_len)
    decoder: list[torch.Tensor]  # (h, tgt_len, tgt_len)
    cross: list[torch.Tensor]  # (h, tgt_len, src_len)


class TaskDemo:
    """The plain functions behind one task's tab.

    Parameters
    ----------
    name : str
        ``copy``, ``sort`` or ``add``.
    models : Models
        Where the trained model comes from (loaded on first use).
    """

    def __init__(self, name: str, models: Models) -> None:
        self.name = name
        self.models = models

    def parse(self, text: str | None) -> tuple[TaskModel, list[str]]:
        """The model and the source symbols of ``text``, or a :class:`gradio.Error` saying why not.

        The text is checked before the model is loaded, so a bad input costs nothing.
        """
        task = get_task(self.name)
        if not isinstance(text, str) or not text.strip():
            raise refused(f"The input is empty: type {task.grammar}.")
        if len(text) > MAX_INPUT_CHARS:
            raise refused(
                f"The input is too long ({len(text)} characters); expected {task.grammar}."
            )
        try:
            source = task.parse(text)
        except ValueError as error:
            raise invalid_input(error) from None
        return self.models.task(self.name), source

    def decode(
        self, text: str | None, beam: float | int = 1
    ) -> tuple[TaskModel, list[str], list[int]]:
        """Decode ``text``: the model, the source symbols and the answer's token ids.

        The ids start with ``<s>`` and end with ``</s>`` when the model ended its answer.
        """
        width = whole(beam, "beam width", 1, MAX_BEAM)
        loaded, source = self.parse(text)
        model, v = loaded.model, loaded.task.vocab
        src = loaded.task.source_tensor([source])  # (1, src_len)
        mask = padding_mask(src, v.pad)  # (1, 1, src_len)
        max_len = loaded.task.max_tgt_len + 2
        if width == 1:
            ys = greedy_decode(model, src, mask, max_len, v.start, v.end, v.pad)
        else:
            ys = beam_search(model, src, mask, max_len, v.start, v.end, beam_size=width).best
        ids = ys[0].tolist()  # (len,)
        if v.end in ids:
            ids = ids[: ids.index(v.end) + 1]
        return loaded, source, ids

    def answer(self, text: str | None, beam: float | int = 1) -> tuple[str, str]:
        """The model's answer to ``text`` and whether it is right.

        Parameters
        ----------
        text : str
            The input, e.g. ``3 1 4 1 5`` or ``123+456``.
        beam : int
            Beam width; 1 is greedy decoding.

        Returns
        -------
        tuple of str
            The answer, and ``right`` or ``wrong: expected ...``.
        """
        loaded, source, ids = self.decode(text, beam)
        task = loaded.task
        got = task.render(task.vocab.decode(ids))
        expected = task.render(task.solve(source))
        return got, "right" if got == expected else f"wrong: expected {expected}"

    def attention(
        self, text: str | None, beam: float | int = 1, layer: float | int = 1, head: float | int = 1
    ) -> tuple[str, str]:
        """The attention maps of one layer and head as a PNG (path twice: shown, downloadable)."""
        loaded, source, ids = self.decode(text, beam)
        model, task = loaded.model, loaded.task
        v = task.vocab
        every = self.maps(loaded, source, ids)
        layer_i = whole(layer, "layer", 1, len(model.encoder.layers))
        head_i = whole(head, "head", 1, every[0].weights.size(0))
        written = [v.tokens[i] for i in ids[1:]]  # what each decoder position wrote

        def shown(m: AttentionMap) -> AttentionMap:
            if m.stack != "decoder":
                return m
            wrote = written + ["…"] * (len(m.queries) - len(written))  # not ended: unknown
            return m._replace(queries=[f"{r}→{w}" for r, w in zip(m.queries, wrote, strict=True)])

        maps = [shown(m) for m in every if m.layer == layer_i]
        answer = task.render(v.decode(ids))
        title = f"{self.name}: {task.render(source)} → {answer}   (layer {layer_i}, head {head_i})"
        path = str(save_png(attention_figure(maps, head_i, title), f"{self.name}-attention"))
        return path, path

    @staticmethod
    def maps(loaded: TaskModel, source: list[str], ids: list[int]) -> list[AttentionMap]:
        """The attention maps that produced the answer ``ids`` to ``source``.

        One forward pass over the source and the answer without its ``</s>``, which the
        decoder never reads (:func:`annotated.attention_maps`).
        """
        task = loaded.task
        v = task.vocab
        read = ids[:-1] if ids[-1] == v.end else ids
        src = task.source_tensor([source])  # (1, src_len)
        return attention_maps(loaded.model, src, v.tokens, torch.tensor([read]), pad=v.pad)

    @classmethod
    def weights(cls, loaded: TaskModel, source: list[str], ids: list[int]) -> Weights:
        """The weights of :meth:`maps`, by kind and layer (what
        ``tests/pretrained/test_attention_claims.py`` measures)."""
        maps = cls.maps(loaded, source, ids)

        def of(stack: str, kind: str) -> list[torch.Tensor]:
            return [m.weights for m in maps if (m.stack, m.kind) == (stack, kind)]

        return Weights(of("encoder", "self"), of("decoder", "self"), of("decoder", "cross"))

    def attention_if_any(
        self, text: str | None, beam: float | int = 1, layer: float | int = 1, head: float | int = 1
    ) -> tuple[str, str] | tuple[object, object]:
        """:meth:`attention`, or nothing when there is no input yet (a slider moved first)."""
        if not isinstance(text, str) or not text.strip():
            return gr.skip(), gr.skip()
        return self.attention(text, beam, layer, head)

    @staticmethod
    def cleared() -> tuple[None, None, None, gr.DownloadButton]:
        """Empty answer, verdict, attention image and download (hidden): an invalid input
        replaced the one they were about."""
        return None, None, None, gr.DownloadButton(value=None, visible=False)


def build(name: str, models: Models) -> None:
    """Lay out the tab of task ``name`` inside the current ``gr.Tab``."""
    demo = TaskDemo(name, models)
    layers, heads = model_sizes(name)
    first_layer, first_head = FIRST_SHOWN[name]
    if first_layer > layers or first_head > heads:  # another model than the shipped one
        first_layer, first_head = 1, 1
    gr.Markdown(INTROS[name])
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(
                label="input",
                placeholder=EXAMPLES[name][0],
                max_length=MAX_INPUT_CHARS,
                elem_id=f"{name}-input",
            )
            beam = gr.Slider(1, MAX_BEAM, value=1, step=1, label="beam width (1 = greedy)")
            run = gr.Button("Run", variant="primary", elem_id=f"{name}-run")
            gr.Examples(EXAMPLES[name], inputs=[text], label="examples (click one, then Run)")
        with gr.Column():
            answer = gr.Textbox(label="model's answer", interactive=False, elem_id=f"{name}-answer")
            verdict = gr.Textbox(label="right?", interactive=False, elem_id=f"{name}-verdict")
            with gr.Row():
                layer = gr.Radio(list(range(1, layers + 1)), value=first_layer, label="layer")
                head = gr.Radio(list(range(1, heads + 1)), value=first_head, label="head")
    image = gr.Image(
        label="attention",
        type="filepath",
        format="png",
        interactive=False,
        buttons=["fullscreen"],
        elem_id=f"{name}-attention",
    )
    download = gr.DownloadButton(
        "Download the attention maps (PNG)", visible=False, elem_id=f"{name}-png"
    )  # shown once there are maps to download (hidden again by an invalid input)
    inputs = [text, beam, layer, head]
    answered = gr.on(
        [run.click, text.submit], demo.answer, [text, beam], [answer, verdict], api_name=name
    )
    answered.success(
        demo.attention, inputs, [image, download], api_name=f"{name}_attention"
    ).success(lambda: gr.DownloadButton(visible=True), None, download, api_visibility="private")
    answered.failure(
        demo.cleared, None, [answer, verdict, image, download], api_visibility="private"
    )
    gr.on(
        [layer.input, head.input],
        demo.attention_if_any,
        inputs,
        [image, download],
        api_visibility="private",
    )
