"""The positions probe: shapes, and what each scheme must show."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from annotated.lab import LabConfig, probe_positions
from annotated.lab.run import build_model
from annotated.positional import alibi_slopes

GPT_CONFIG = LabConfig(N=1, d_model=64, h=4, max_len=16)


def probe(positions: str, length: int | None = None, **changes: object):  # type: ignore[no-untyped-def]
    config = replace(GPT_CONFIG, positions=positions, **changes)
    return probe_positions(build_model(config, 20), config, length)


@pytest.mark.parametrize("positions", ["sinusoidal", "learned", "rope", "alibi", "none"])
@pytest.mark.parametrize("task", ["shakespeare", "sort"])
def test_shapes(positions: str, task: str) -> None:
    config = replace(GPT_CONFIG, positions=positions, task=task)
    vocab = 20 if task == "shakespeare" else 13
    p = probe_positions(build_model(config, vocab), config)
    n = 4 * config.trained_length()
    assert p.distance.shape == (n,)
    assert p.scheme_score.shape == ((4, n) if positions == "alibi" else (1, n))
    assert p.model_score.shape == (4, n)
    assert p.trained_length == config.trained_length()


def test_alibi_scores_fall_by_the_head_slope_per_step_of_distance() -> None:
    p = probe("alibi")
    slopes = alibi_slopes(4).double().numpy()[:, None]
    distance = np.arange(p.distance.size)[None]
    np.testing.assert_allclose(p.model_score - p.model_score[:, :1], -slopes * distance, atol=1e-4)
    np.testing.assert_allclose(p.scheme_score, -slopes * distance)


def test_rope_scores_depend_on_the_distance_only() -> None:
    """The query at the end of a long or a short sequence sees the same score at distance δ."""
    short, long = probe("rope", 20), probe("rope", 64)
    np.testing.assert_allclose(short.model_score, long.model_score[:, :20], atol=1e-4)
    assert short.scheme_score[0, 0] == pytest.approx(1.0)


def test_without_positions_every_distance_scores_alike() -> None:
    p = probe("none")
    np.testing.assert_allclose(
        p.model_score, p.model_score[:, :1].repeat(p.distance.size, 1), atol=1e-5
    )
    assert not p.scheme_score.any()


def test_learned_positions_stop_at_their_table() -> None:
    p = probe("learned")
    assert np.isfinite(p.model_score[:, :16]).all() and np.isnan(p.model_score[:, 16:]).all()
    assert np.isfinite(p.scheme_score[0, :16]).all() and np.isnan(p.scheme_score[0, 16:]).all()


def test_sinusoids_extend_past_the_table() -> None:
    p = probe("sinusoidal")
    assert np.isfinite(p.model_score).all()
    assert p.scheme_score[0, 0] == pytest.approx(1.0) and (np.abs(p.scheme_score) <= 1 + 1e-9).all()
