"""The Translate tab: German in, English out, and the cross-attention that aligns the two.

The original Annotated Transformer ends on this: a model trained on German-English pairs
translates a sentence, and its decoder's cross-attention, drawn with the source words along
one axis and the target words along the other, lines the two languages up word by word.
Here the German is split into the shared subwords of the model's tokenizer and translated
greedily or by beam search (:func:`annotated.beam_search`), whose hypotheses are ranked by
the length-penalised log-probability of Wu et al. (2016)

.. math::

    \\mathrm{score}(y) = \\frac{1}{\\mathrm{lp}(|y|)} \\sum_{i=1}^{|y|} \\log p(y_i \\mid y_{<i}, x),
    \\qquad \\mathrm{lp}(n) = \\left(\\frac{5 + n}{6}\\right)^{\\alpha},

the paper's beam 4 and :math:`\\alpha = 0.6` by default; greedy decoding is beam search with
one hypothesis (:math:`k = 1`), so it gets a score too. The tab lists every hypothesis of
the final beam, best first. The alignment is one more forward pass over the German and the
best translation (:func:`annotated.attention_maps`): row :math:`i` of head :math:`h` of
decoder layer :math:`l` is where the decoder looked, :math:`A^{(l, h)}_{i \\cdot}`, while it
wrote the :math:`i`-th English subword.

The input is checked before the model runs (:mod:`annotated.demo.german`): empty, too long,
or without a Latin letter is refused with a message; emoji, another script beside the Latin
letters, or another language's words are translated with a note saying why the result may
be noise.

API endpoints: ``/translate`` (the German first; search, beam and alpha defaulted) returns
the English, the hypotheses and the notes; ``/translate_attention`` the alignment figure.
"""

from __future__ import annotations

from typing import NamedTuple

import gradio as gr
import torch

from annotated import attention_maps, beam_search, padding_mask
from annotated.demo.checks import invalid_input, number, refused, whole
from annotated.demo.german import MAX_CHARS, check_german
from annotated.demo.models import TRANSLATION, Models, model_sizes
from annotated.demo.plots import alignment_figure, save_png
from annotated.tasks.translation.evaluation import max_len_of, output_limit
from annotated.tasks.translation.loading import TranslationModel
from annotated.tokenizers import SubwordTokenizer
from annotated.tokenizers.vocabulary import SPECIALS

SEARCHES = ("greedy", "beam search")
MAX_BEAM = 8
DEFAULT_BEAM = 4  # the paper's k
DEFAULT_ALPHA = 0.6  # the paper's length penalty
MAX_ALPHA = 2.0
UNFINISHED = " …"  # after a hypothesis that reached the length limit without </s>
HEADERS = ["rank", "English", "score", "tokens"]
EXAMPLES = [
    "Wählen Sie eine Linienfarbe aus.",
    "Klicken Sie auf OK.",
    "Das ist nicht mein Problem.",
    "Öffnen Sie ein neues Dokument.",
    "Der Hund sieht die Katze.",
]
INTRO = """German in, English out, from an encoder-decoder trained on a CPU on sentences of
the Ding dictionary and the LibreOffice help pages. Beam search keeps the *k* best
translations at each step and ranks them by log-probability divided by a length penalty;
the heatmap is the decoder's cross-attention, where it looked in the German while it wrote
each English subword (`▁` is a space; `…` after a hypothesis: it hit the length limit)."""


class Hypothesis(NamedTuple):
    """One translation of the final beam."""

    ids: list[int]  # <s> first; </s> last if the hypothesis ended
    english: str
    score: float  # length-penalised log-probability


class Translation(NamedTuple):
    """A searched input: the model, the German's ids, the hypotheses and the notes."""

    loaded: TranslationModel
    source: list[int]  # the German's subword ids, </s> last, as the encoder read them
    hypotheses: list[Hypothesis]  # best first
    notes: list[str]  # why the result may be noise (empty for German)


class TranslateDemo:
    """The plain functions behind the Translate tab.

    Parameters
    ----------
    models : Models
        Where the translation model comes from (loaded on first use).
    """

    def __init__(self, models: Models) -> None:
        self.models = models

    def search(
        self,
        text: str,
        search: str = "beam search",
        beam: float = DEFAULT_BEAM,
        alpha: float = DEFAULT_ALPHA,
    ) -> Translation:
        """Translate ``text``: every hypothesis of the final beam, best first.

        The options and the text are checked before the model is loaded, so a bad request
        costs nothing; only the subword count, which needs the tokenizer, is checked after.
        """
        if search not in SEARCHES:
            raise refused(f"The search must be greedy or beam search, not {search!r}.")
        width = 1 if search == "greedy" else whole(beam, "beam size", 1, MAX_BEAM)
        penalty = number(alpha, "length penalty alpha", 0.0, MAX_ALPHA)
        notes = check_german(text)  # refuses what is not text
        loaded = self.models.translation()
        model, t = loaded.model, loaded.tokenizer
        try:
            source = [*t.encode(text), t.end]
        except ValueError as error:  # a lone surrogate: not Unicode text
            raise invalid_input(error) from None
        max_len = max_len_of(model)
        if len(source) > max_len:
            raise refused(
                f"The input is too long for the model: {len(source)} subwords, and it reads at "
                f"most {max_len}; translate a sentence or two at a time."
            )
        src = torch.tensor([source])  # (1, src_len)
        beams = beam_search(
            model, src, padding_mask(src, t.pad), output_limit(len(source), max_len),
            t.start, t.end, beam_size=width, alpha=penalty, pad=t.pad,
        )  # fmt: skip
        hypotheses = [
            _hypothesis(t, row, score)
            for row, score in zip(
                beams.sequences[0].tolist(), beams.scores[0].tolist(), strict=True
            )
        ]
        return Translation(loaded, source, hypotheses, notes)

    def translate(
        self,
        text: str,
        search: str = "beam search",
        beam: float = DEFAULT_BEAM,
        alpha: float = DEFAULT_ALPHA,
    ) -> tuple[str, list[list[object]], str]:
        """The English of ``text``, the beam's hypotheses as table rows, and the notes.

        Parameters
        ----------
        text : str
            German, at most :data:`~annotated.demo.german.MAX_CHARS` characters.
        search : str
            ``greedy`` or ``beam search``.
        beam : int
            Beam size :math:`k`, 1 to :data:`MAX_BEAM` (ignored by greedy search).
        alpha : float
            Length penalty :math:`\\alpha`, 0 to :data:`MAX_ALPHA`.

        Returns
        -------
        tuple
            The best translation; rows of ``rank, English, score, tokens``; the notes on a
            doubtful input as Markdown (empty for German).
        """
        found = self.search(text, search, beam, alpha)
        rows: list[list[object]] = [
            [rank, h.english + ("" if h.ids[-1] == found.loaded.tokenizer.end else UNFINISHED),
             round(h.score, 3), len(h.ids) - 1]
            for rank, h in enumerate(found.hypotheses, start=1)
        ]  # fmt: skip
        return found.hypotheses[0].english, rows, "\n\n".join(f"⚠ {n}" for n in found.notes)

    def attention(
        self,
        text: str,
        search: str = "beam search",
        beam: float = DEFAULT_BEAM,
        alpha: float = DEFAULT_ALPHA,
        layer: float = 1,
        head: float = 1,
    ) -> tuple[str, str]:
        """The best translation's cross-attention in ``layer`` and ``head`` as a PNG (the path
        twice: shown, and downloadable)."""
        found = self.search(text, search, beam, alpha)
        model, t = found.loaded.model, found.loaded.tokenizer
        layer_i = whole(layer, "layer", 1, len(model.decoder.layers))
        ids = found.hypotheses[0].ids
        names = t.pieces
        maps = attention_maps(model, torch.tensor([found.source]), names,
                              torch.tensor([ids[:-1]]), pad=t.pad)  # fmt: skip
        cross = next(m for m in maps if m.kind == "cross" and m.layer == layer_i)
        head_i = whole(head, "head", 1, cross.weights.size(0))
        sources = [*t.tokens(text), SPECIALS[t.end]]  # a character shown where it completes
        written = [names[i] for i in ids[1:]]  # row i: the subword written after reading ids[i]
        english = found.hypotheses[0].english
        title = (
            f"{_clip(text)} → {_clip(english)}\n"
            f"cross-attention of decoder layer {layer_i}, head {head_i}"
        )
        figure = alignment_figure(cross.head(head_i), written, sources, title)
        path = str(save_png(figure, "translate-attention"))
        return path, path

    def attention_if_any(
        self, text: str, search: str, beam: float, alpha: float, layer: float, head: float
    ) -> tuple[str, str] | tuple[object, object]:
        """:meth:`attention`, or nothing when there is no input yet (a choice moved first)."""
        if not isinstance(text, str) or not text.strip():
            return gr.skip(), gr.skip()
        return self.attention(text, search, beam, alpha, layer, head)

    @staticmethod
    def cleared() -> tuple[None, None, str, None, gr.DownloadButton]:
        """Empty English, hypotheses, notes, figure and download (hidden): a refused input
        replaced the one they were about."""
        return None, None, "", None, gr.DownloadButton(value=None, visible=False)


def _hypothesis(t: SubwordTokenizer, row: list[int], score: float) -> Hypothesis:
    """One row of the final beam, cut after its ``</s>`` (the rest is padding)."""
    ids = row[: row.index(t.end) + 1] if t.end in row else row
    return Hypothesis(ids, t.decode(ids), score)


def _clip(text: str, most: int = 60) -> str:
    """``text`` cut to ``most`` characters for a title."""
    return text if len(text) <= most else text[: most - 1] + "…"


def build(models: Models) -> None:
    """Lay out the Translate tab inside the current ``gr.Tab``."""
    demo = TranslateDemo(models)
    layers, heads = model_sizes(TRANSLATION)
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(
                label="German",
                placeholder=EXAMPLES[0],
                lines=2,
                max_length=MAX_CHARS,
                elem_id="translate-input",
            )
            search = gr.Radio(list(SEARCHES), value="beam search", label="search")
            with gr.Row():
                beam = gr.Slider(1, MAX_BEAM, value=DEFAULT_BEAM, step=1, label="beam size k")
                alpha = gr.Slider(
                    0, MAX_ALPHA, value=DEFAULT_ALPHA, step=0.05, label="length penalty α"
                )
            run = gr.Button("Translate", variant="primary", elem_id="translate-run")
            gr.Examples(EXAMPLES, inputs=[text], label="examples (click one, then Translate)")
        with gr.Column():
            english = gr.Textbox(label="English", interactive=False, elem_id="translate-output")
            notes = gr.Markdown(elem_id="translate-status")
            hypotheses = gr.Dataframe(
                headers=HEADERS,
                datatype=["number", "str", "number", "number"],
                label="the beam's hypotheses, best first (score: log-probability / lp)",
                interactive=False,
                elem_id="translate-hypotheses",
            )
            with gr.Row():
                layer = gr.Radio(list(range(1, layers + 1)), value=1, label="decoder layer")
                head = gr.Radio(list(range(1, heads + 1)), value=1, label="head")
    image = gr.Image(
        label="cross-attention: the German along the bottom, the English down the side",
        type="filepath",
        format="png",
        interactive=False,
        buttons=["fullscreen"],
        elem_id="translate-attention",
    )
    download = gr.DownloadButton(
        "Download the alignment (PNG)", visible=False, elem_id="translate-png"
    )  # shown once there is a figure to download (hidden again by a refused input)
    options = [text, search, beam, alpha]
    search.change(
        lambda s: gr.Slider(interactive=s == "beam search"), search, beam, api_visibility="private"
    )
    translated = gr.on(
        [run.click, text.submit],
        demo.translate,
        options,
        [english, hypotheses, notes],
        api_name="translate",
    )
    translated.success(
        demo.attention, [*options, layer, head], [image, download], api_name="translate_attention"
    ).success(lambda: gr.DownloadButton(visible=True), None, download, api_visibility="private")
    translated.failure(
        demo.cleared, None, [english, hypotheses, notes, image, download], api_visibility="private"
    )
    gr.on(
        [layer.input, head.input],
        demo.attention_if_any,
        [*options, layer, head],
        [image, download],
        api_visibility="private",
    )
