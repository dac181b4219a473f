"""The translation run's learning-rate schedules: the paper's and its cosine variant."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotated import rate
from annotated.pretrained import HERE
from annotated.tasks.translation.options import TranslationOptions


def both(warmup: int, max_steps: int) -> tuple[TranslationOptions, TranslationOptions]:
    common = {"warmup": warmup, "max_steps": max_steps}
    paper = TranslationOptions.for_run(common)
    return paper, TranslationOptions.for_run(common | {"decay": "cosine"})


@given(warmup=st.integers(1, 500), extra=st.integers(1, 2000), data=st.data())
def test_the_cosine_shares_the_papers_warmup_and_peak(
    warmup: int, extra: int, data: st.DataObject
) -> None:
    paper, cosine = both(warmup, warmup + extra)
    step = data.draw(st.integers(1, warmup))
    assert cosine.schedule(step) == pytest.approx(paper.schedule(step), rel=1e-12)
    assert cosine.schedule(warmup) == pytest.approx(rate(warmup, 256, 1.0, warmup), rel=1e-12)


@given(warmup=st.integers(1, 500), extra=st.integers(2, 2000))
def test_the_cosine_falls_to_a_tenth_of_the_peak_at_max_steps(warmup: int, extra: int) -> None:
    paper, cosine = both(warmup, warmup + extra)
    after = [cosine.schedule(s) for s in range(warmup, warmup + extra + 3)]
    assert all(b <= a for a, b in itertools.pairwise(after))
    peak = paper.schedule(warmup)
    assert cosine.schedule(warmup + extra) == pytest.approx(peak / 10, rel=1e-12)
    middle = (2 * warmup + extra) / 2  # half way down the cosine: the mean of peak and floor
    if middle.is_integer():
        assert cosine.schedule(int(middle)) == pytest.approx(0.55 * peak, rel=1e-12)


def test_paper_is_the_default_and_old_cards_load_with_it() -> None:
    options = TranslationOptions()
    assert options.decay == "paper"
    card = options.to_dict()
    del card["decay"]
    assert TranslationOptions.from_dict(card) == options
    shipped = json.loads((HERE / "translate-de-en.json").read_text())["options"]
    assert TranslationOptions.from_dict(shipped).decay == shipped.get("decay", "paper")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"decay": "linear"}, "--decay must be one of ('paper', 'cosine'), got 'linear'"),
        (
            {"decay": "cosine", "warmup": 800, "max_steps": 800},
            "--decay cosine needs --warmup below --max-steps, got 800 and 800",
        ),
    ],
)
def test_bad_decay_options_are_named(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        TranslationOptions.for_run(overrides)


@pytest.mark.parametrize(
    ("overrides", "average"),
    [
        ({}, 5),
        ({"decay": "paper"}, 5),
        ({"decay": "cosine"}, 1),
        ({"decay": "cosine", "average": 3}, 3),
    ],
)
def test_a_cosine_run_keeps_its_last_weights_unless_told(overrides: dict, average: int) -> None:
    options = TranslationOptions.for_run(overrides)
    assert options.average == average
    assert TranslationOptions.from_dict(options.to_dict()) == options  # a resume keeps it
