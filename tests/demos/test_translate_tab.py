"""The Translate tab's plain functions on the tests' translation model (no server).

The translations are held to :func:`annotated.tasks.translation.evaluation.translate` (the
command line's path), the scores to a forward pass of the model over each hypothesis, and
every refusal to its message; a refused input never loads the model.
"""

from __future__ import annotations

import gc
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from annotated import padding_mask, subsequent_mask
from annotated.decoding.beam import length_penalty
from annotated.tasks.translation.evaluation import translate
from annotated.tasks.translation.loading import TranslationModel, load_translation_model
from annotated.tasks.translation.options import DEFAULT_MODEL
from tests.demos.conftest import GRADIO_WARNINGS

gr = pytest.importorskip("gradio")

from annotated.demo import Models, build_demo  # noqa: E402  (needs Gradio)
from annotated.demo import models as demo_models  # noqa: E402
from annotated.demo.models import TRANSLATION, TRANSLATION_ENV, model_sizes, shipped  # noqa: E402
from annotated.demo.translate_tab import MAX_BEAM, TranslateDemo  # noqa: E402

pytestmark = [pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS]

SENTENCES = ["Der Hund sieht die Katze.", "Wählen Sie eine Linienfarbe aus.", "Klicken Sie auf OK."]
EMOJI = "".join(chr(0x1F300 + i) for i in range(200))  # 200 characters, 800 bytes
TWELVE_WORDS = "Klicken Sie auf OK, um die neue Linienfarbe für das ganze Dokument zu übernehmen."


@pytest.fixture(scope="module")
def demo(translator: TranslationModel) -> TranslateDemo:
    return TranslateDemo(Models(lambda name: translator, threads=None))


@pytest.mark.parametrize("text", SENTENCES)
def test_greedy_and_beam_are_the_command_lines_translations(
    demo: TranslateDemo, translator: TranslationModel, text: str
) -> None:
    model, tokenizer, _ = translator
    greedy, rows, _ = demo.translate(text, "greedy")
    assert greedy == translate(model, tokenizer, [text], beam=1)[0] and len(rows) == 1
    for beam, alpha in [(4, 0.6), (2, 0.0), (MAX_BEAM, 1.5)]:
        english, rows, _ = demo.translate(text, "beam search", beam, alpha)
        assert english == translate(model, tokenizer, [text], beam=beam, alpha=alpha)[0]
        assert [r[0] for r in rows] == list(range(1, beam + 1))
        assert rows[0][1].removesuffix(" …") == english


def forced_score(translator: TranslationModel, text: str, ids: list[int], alpha: float) -> float:
    """The length-penalised log-probability of ``ids`` (``<s>`` first), teacher-forced."""
    model, t, _ = translator
    src = torch.tensor([[*t.encode(text), t.end]])
    tgt = torch.tensor([ids[:-1]])
    with torch.no_grad():
        out = model.decode(model.encode(src, padding_mask(src, t.pad)), padding_mask(src, t.pad),
                           tgt, subsequent_mask(tgt.size(1)))  # fmt: skip
        logp = model.generator(out)[0]  # (len - 1, vocab)
    total = logp.gather(1, torch.tensor(ids[1:]).unsqueeze(1)).sum()
    return float(total / length_penalty(torch.tensor(len(ids) - 1), alpha))


@pytest.mark.parametrize("text", [SENTENCES[0], TWELVE_WORDS])
def test_the_hypotheses_scores_are_their_length_penalised_log_probabilities(
    demo: TranslateDemo, translator: TranslationModel, text: str
) -> None:
    found = demo.search(text, "beam search", 4, 0.6)
    scores = [h.score for h in found.hypotheses]
    assert scores == sorted(scores, reverse=True) and len(scores) == 4
    for h in found.hypotheses:
        assert h.ids[0] == translator.tokenizer.start
        assert h.english == translator.tokenizer.decode(h.ids)
        assert math.isclose(h.score, forced_score(translator, text, h.ids, 0.6), abs_tol=1e-4)
    greedy = demo.search(text, "greedy", 1, 0.6).hypotheses[0]
    assert scores[0] >= greedy.score - 1e-4  # the beam never ends below greedy (float32 noise)
    _, rows, _ = demo.translate(text, "beam search", 4, 0.6)
    assert [r[2] for r in rows] == [round(s, 3) for s in scores]
    assert [r[3] for r in rows] == [len(h.ids) - 1 for h in found.hypotheses]


def test_the_alignment_is_a_png_of_the_best_translation(demo: TranslateDemo) -> None:
    layers = len(demo.models.translation().model.decoder.layers)
    heads = demo.models.translation().model.decoder.layers[0].src_attn.h
    image, download = demo.attention(SENTENCES[1], "beam search", 4, 0.6, layers, heads)
    assert image == download and Path(image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(gr.Error, match=f"layer must be a whole number from 1 to {layers}"):
        demo.attention(SENTENCES[1], "greedy", 1, 0.6, layers + 1, 1)
    with pytest.raises(gr.Error, match=f"head must be a whole number from 1 to {heads}"):
        demo.attention(SENTENCES[1], "greedy", 1, 0.6, 1, heads + 1)
    skipped = demo.attention_if_any(" ", "greedy", 1, 0.6, 1, 1)
    assert all(isinstance(s, type(gr.skip())) for s in skipped)


def test_the_alignment_axes_are_the_source_and_the_written_subwords(
    demo: TranslateDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotated.demo import translate_tab

    drawn: list[tuple[Any, ...]] = []
    real = translate_tab.alignment_figure
    monkeypatch.setattr(translate_tab, "alignment_figure", lambda *a: drawn.append(a) or real(*a))
    text = "Hallo 😀 Welt"
    demo.attention(text, "beam search", 4, 0.6, 1, 2)
    ((weights, written, sources, _),) = drawn
    t = demo.models.translation().tokenizer
    best = demo.search(text, "beam search", 4, 0.6).hypotheses[0]
    assert "".join(sources[:-1]) == t.normalize(text) and sources[-1] == "</s>"
    assert "😀" in sources  # shown whole, on the subword that completes its bytes
    assert len(written) == len(best.ids) - 1 and written[-1] == "</s>"
    assert weights.shape == (len(written), len(sources))
    torch.testing.assert_close(weights.sum(-1), torch.ones(len(written)))


REFUSED = [
    ((None,), "The input is empty"),
    (("",), "The input is empty"),
    ((" \n ",), "The input is empty"),
    (("x" * 10_000,), "The input is too long (10,000 characters; at most 500)"),
    (("😀😀 123 !",), "no words to translate"),
    (("Привет, как дела?",), "this text is in Cyrillic script"),
    (("你好世界",), "this text is in CJK script"),
    (("Hallo " + EMOJI,), r"too long for the model: \d+ subwords, and it reads at most"),
    (("Hallo \ud800",), "Not a valid input: text has a lone surrogate"),
    (("Hallo", "sampling"), "The search must be greedy or beam search, not 'sampling'"),
    (("Hallo", "beam search", 0), f"beam size must be a whole number from 1 to {MAX_BEAM}"),
    (("Hallo", "beam search", 2.5), "beam size must be a whole number"),
    (("Hallo", "beam search", 4, -0.1), "length penalty alpha must be a number from 0 to 2"),
    (("Hallo", "beam search", 4, math.nan), "length penalty alpha must be a number"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_a_refused_input_is_a_clear_message_and_loads_nothing(
    args: tuple[Any, ...], message: str, translator: TranslationModel
) -> None:
    loads: list[str] = []
    demo = TranslateDemo(Models(lambda name: loads.append(name) or translator, threads=None))
    expected = message if "\\d" in message else message.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(gr.Error, match=expected) as error:
        demo.translate(*args)
    text = str(error.value.message)
    assert not text.startswith("'") and text[-1] == "."
    assert loads == ([TRANSLATION] if "subwords" in message or "surrogate" in message else [])
    assert demo.translate("Klicken Sie auf OK.")[0] is not None  # and the next one is answered


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("Der Hund 🐕 sieht die Katze.", "never saw emoji or symbols such as 🐕"),
        ("The dog sees the cat.", "This looks like English, not German"),
        ("Le chien voit le chat.", "This looks like French, not German"),
        ("Der Hund heißt Шарик.", "mixes Latin letters with Cyrillic ones"),
    ],
)
def test_a_doubtful_input_is_translated_with_a_note(
    demo: TranslateDemo, text: str, note: str
) -> None:
    english, rows, notes = demo.translate(text)
    assert note in notes and notes.startswith("⚠") and rows[0][1].startswith(english)
    assert demo.translate(SENTENCES[0])[2] == ""  # German: no note


def test_the_tab_serves_the_run_the_environment_names(
    translation_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRANSLATION_ENV, str(translation_checkpoint))
    assert demo_models.translation_checkpoint() == translation_checkpoint
    loaded = shipped(TRANSLATION)
    card = load_translation_model(translation_checkpoint).card
    assert model_sizes(TRANSLATION) == (card["config"]["N"], card["config"]["h"])
    assert (
        TranslateDemo(Models(threads=None)).translate(SENTENCES[0], "greedy")[0]
        == translate(loaded.model, loaded.tokenizer, [SENTENCES[0]])[0]
    )


def test_a_missing_run_is_a_clear_error_and_the_sizes_fall_back_to_the_recipe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(TRANSLATION_ENV, str(tmp_path / "no-run"))
    with pytest.raises(gr.Error, match=r"could not be loaded: .*no-run"):
        TranslateDemo(Models(threads=None)).translate(SENTENCES[0])
    assert model_sizes(TRANSLATION) == (DEFAULT_MODEL.N, DEFAULT_MODEL.h)  # the recipe's


def test_the_tab_is_built_with_its_endpoints_and_a_hidden_download(
    translator: TranslationModel,
) -> None:
    demo = build_demo(Models(lambda name: translator, threads=None))
    names = {d.api_name for d in demo.fns.values() if d.api_name}
    assert {"translate", "translate_attention"} <= names
    button = next(b for b in demo.blocks.values() if getattr(b, "elem_id", "") == "translate-png")
    assert isinstance(button, gr.DownloadButton) and button.visible is False
    (failure,) = [
        d for d in demo.fns.values() if d.trigger_only_on_failure and d.fn is TranslateDemo.cleared
    ]
    elems = {o.elem_id for o in failure.outputs}
    assert {"translate-output", "translate-hypotheses", "translate-attention"} <= elems
    del demo
    gc.collect()  # Gradio's unclosed event loops are reported now, under this test's filters
