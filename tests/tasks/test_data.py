"""Seeded generators, held-out sets never trained on, tensors, default sizes, exact match,
and the quick validation subset the options document."""

from __future__ import annotations

import functools
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import annotated.tasks.seq2seq.evaluation as metric
import annotated.tasks.seq2seq.run as task_run
from annotated import EncoderDecoder, exact_match, get_task
from annotated.fields import field_docs
from annotated.tasks.seq2seq.options import RunOptions

NAMES = ("copy", "sort", "add")


@functools.cache
def held_out_texts(name: str) -> frozenset[str]:
    task = get_task(name)
    return frozenset(task.held_out(500)) | frozenset(task.held_out(500, "val"))


SEED = st.integers(min_value=0, max_value=2**20)
INDEX = st.integers(min_value=0, max_value=2**20)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=10)
@given(seed=SEED, index=INDEX)
def test_training_batches_are_seeded_and_never_held_out(name: str, seed: int, index: int) -> None:
    task = get_task(name)
    sources = task.training_sources(seed, index, 64)
    assert sources == task.training_sources(seed, index, 64)
    assert sources != task.training_sources(seed, index + 1, 64)
    assert not any(task.is_held_out(s) for s in sources)
    assert not {task.render(s) for s in sources} & held_out_texts(name)


@pytest.mark.parametrize("name", NAMES)
def test_held_out_splits_are_distinct_disjoint_reserved_and_stable(name: str) -> None:
    task = get_task(name)
    test, val = task.held_out(1000), task.held_out(1000, "val")
    assert len(set(test)) == len(test) == 1000 and len(set(val)) == 1000
    assert not set(test) & set(val)
    assert all(task.is_held_out(task.parse(t)) for t in test + val)
    assert task.held_out(10) == test[:10]
    with pytest.raises(ValueError, match="split"):
        task.held_out(3, "train")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", NAMES)
def test_about_a_tenth_of_inputs_are_reserved(name: str) -> None:
    import random

    task, rng = get_task(name), random.Random(0)
    share = sum(task.is_held_out(task.sample(rng)) for _ in range(5000)) / 5000
    assert 0.07 < share < 0.13


@pytest.mark.parametrize("name", NAMES)
def test_tensors_follow_the_convention(name: str) -> None:
    task = get_task(name)
    batch = task.batch(seed=0, index=0, batch_size=32)
    v = task.vocab
    assert (batch.tgt[:, 0] == v.start).all()
    assert ((batch.tgt_y == v.end).sum(1) == 1).all()  # each answer ends exactly once
    ends = (batch.src == v.end).float().argmax(1)
    assert torch.equal(ends, (batch.src != v.pad).sum(1) - 1)  # the source ends with </s>
    for row, src in zip(batch.tgt_y.tolist(), batch.src.tolist(), strict=True):
        source = v.decode(src)
        assert task.render(v.decode(row)) == task.answer(task.render(source))


@pytest.mark.parametrize("name", NAMES)
def test_default_model_is_small_enough_for_a_cpu(name: str) -> None:
    task = get_task(name)
    model = EncoderDecoder.from_config(task.config())
    assert sum(p.numel() for p in model.parameters()) < 200_000
    assert model.config is not None and model.config.src_vocab == len(task.vocab)
    assert task.config(d_model=32).d_model == 32


def test_exact_match_counts_whole_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    task = get_task("sort")
    texts = task.held_out(10)
    answers = [task.answer(t) for t in texts]
    model = EncoderDecoder.from_config(task.config())
    monkeypatch.setattr(metric, "predict", lambda *a, **k: answers)
    assert exact_match(model, task, texts) == 1.0
    almost = [*answers[:-1], answers[-1] + " 9"]
    monkeypatch.setattr(metric, "predict", lambda *a, **k: almost)
    assert exact_match(model, task, texts) == 0.9
    with pytest.raises(ValueError, match="at least one"):
        exact_match(model, task, [])


@pytest.mark.parametrize(("score", "decoded"), [(0.5, "quick"), (1.0, "all")])
def test_validation_decodes_the_documented_subset_first(
    monkeypatch: pytest.MonkeyPatch, score: float, decoded: str
) -> None:
    """``--val-examples``' help says how many inputs an evaluation decodes first: it does."""
    documented = re.search(r"the first (\d+) of them", field_docs(RunOptions)["val_examples"])
    assert documented, field_docs(RunOptions)["val_examples"]
    quick = int(documented.group(1))
    assert quick == task_run.QUICK_EVAL
    task, seen = get_task("copy"), []
    val = task.held_out(quick + 50, "val")
    monkeypatch.setattr(task_run, "exact_match", lambda m, t, texts: seen.append(texts) or score)
    monkeypatch.setattr(task_run, "_perplexity", lambda m, t, texts: 1.0)
    result = task_run._evaluate(task, val, 0.9, model=None)  # type: ignore[arg-type]
    expected = [val[:quick]] if decoded == "quick" else [val[:quick], val]
    assert seen == expected and result["val_examples"] == len(expected[-1])
