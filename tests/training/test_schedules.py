"""The learning-rate schedules: the paper's rate and warmup + cosine."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotated import rate, warmup_cosine

WARMUP = st.integers(min_value=1, max_value=10_000)
MODEL = st.integers(min_value=1, max_value=4096)
FACTOR = st.floats(min_value=1e-3, max_value=10.0)
STEP = st.integers(min_value=1, max_value=100_000)


@given(STEP, MODEL, FACTOR, WARMUP)
def test_rate_matches_the_paper_formula(
    step: int, d_model: int, factor: float, warmup: int
) -> None:
    # the two branches written out separately, as the paper's text describes them
    expected = (
        factor
        / math.sqrt(d_model)
        * (step / warmup**1.5 if step <= warmup else 1 / math.sqrt(step))
    )
    assert rate(step, d_model, factor, warmup) == pytest.approx(expected, rel=1e-12)


@given(STEP, MODEL, FACTOR, WARMUP)
def test_rate_peaks_at_warmup(step: int, d_model: int, factor: float, warmup: int) -> None:
    assert rate(step, d_model, factor, warmup) <= rate(warmup, d_model, factor, warmup)


@given(STEP, MODEL, FACTOR, WARMUP)
def test_rate_rises_before_warmup_and_falls_after(
    step: int, d_model: int, factor: float, warmup: int
) -> None:
    here, after = rate(step, d_model, factor, warmup), rate(step + 1, d_model, factor, warmup)
    if step < warmup:
        assert after > here
    else:
        assert after < here


@st.composite
def cosine_args(draw: st.DrawFn) -> dict[str, float | int]:
    max_lr = draw(st.floats(min_value=1e-6, max_value=1.0), label="max_lr")
    min_lr = draw(st.floats(min_value=0.0, max_value=1.0), label="min_fraction") * max_lr
    warmup = draw(st.integers(min_value=0, max_value=500), label="warmup")
    total = warmup + draw(st.integers(min_value=1, max_value=5000), label="decay")
    return {"max_lr": max_lr, "min_lr": min_lr, "warmup": warmup, "total": total}


@given(cosine_args(), st.integers(min_value=1, max_value=10_000))
def test_warmup_cosine_stays_within_bounds(args: dict, step: int) -> None:
    lr = warmup_cosine(step, **args)
    assert 0.0 < lr <= args["max_lr"] * (1 + 1e-12) or lr == args["min_lr"] == 0.0
    if step > args["warmup"]:
        assert args["min_lr"] * (1 - 1e-12) <= lr


@given(cosine_args())
def test_warmup_cosine_meets_its_ends(args: dict) -> None:
    if args["warmup"]:
        assert warmup_cosine(args["warmup"], **args) == pytest.approx(args["max_lr"])
    assert warmup_cosine(args["total"], **args) == pytest.approx(args["min_lr"])
    assert warmup_cosine(args["total"] + 7, **args) == args["min_lr"]


@given(cosine_args(), st.integers(min_value=1, max_value=6000))
def test_warmup_cosine_is_continuous(args: dict, step: int) -> None:
    # no jump between consecutive steps larger than the steepest slope of either piece allows
    lr, nxt = warmup_cosine(step, **args), warmup_cosine(step + 1, **args)
    decay = args["total"] - args["warmup"]
    slope = max(
        args["max_lr"] / max(args["warmup"], 1),
        (args["max_lr"] - args["min_lr"]) * math.pi / 2 / decay,
    )
    assert abs(nxt - lr) <= slope * (1 + 1e-9) + 1e-15
    if step >= args["warmup"]:
        assert nxt <= lr + 1e-15  # never rises after the warmup


@pytest.mark.parametrize(
    "call",
    [
        lambda: rate(0, 512, 1.0, 4000),
        lambda: rate(1, 512, 1.0, 0),
        lambda: warmup_cosine(0, max_lr=1.0, min_lr=0.0, warmup=1, total=2),
        lambda: warmup_cosine(1, max_lr=1.0, min_lr=0.0, warmup=5, total=2),
        lambda: warmup_cosine(1, max_lr=1.0, min_lr=2.0, warmup=1, total=2),
    ],
)
def test_schedules_reject_bad_arguments(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()
