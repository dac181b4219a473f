"""Checkpoint averaging: the parameter-wise mean, and the snapshots a run keeps for it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated.training.averaging import Snapshots, average_weights
from annotated.training.files import CheckpointError

values = st.lists(st.floats(-1e3, 1e3, width=32), min_size=3, max_size=3)


@given(st.lists(values, min_size=1, max_size=6))
def test_the_mean_lies_between_the_extremes_and_matches_torch_mean(rows: list[list[float]]) -> None:
    states = [{"w": torch.tensor(row)} for row in rows]
    mean = average_weights(states)["w"]
    stacked = torch.stack([s["w"] for s in states])
    torch.testing.assert_close(mean, stacked.mean(dim=0))
    assert torch.all(stacked.min(dim=0).values - 1e-3 <= mean)
    assert torch.all(mean <= stacked.max(dim=0).values + 1e-3)


@given(values, st.integers(1, 6))
def test_averaging_copies_of_one_state_gives_it_back(row: list[float], k: int) -> None:
    state = {"w": torch.tensor(row)}
    torch.testing.assert_close(average_weights([state] * k)["w"], state["w"])


def test_a_half_precision_state_is_averaged_in_float32_and_kept_half() -> None:
    big = torch.tensor([2048.0], dtype=torch.float16)  # float16 steps by 2 here: 2048 + 1 = 2048
    mean = average_weights([{"w": big}, {"w": big + 2}, {"w": big + 2}, {"w": big + 4}])["w"]
    assert mean.dtype == torch.float16 and mean.item() == 2050.0


@pytest.mark.parametrize(
    ("other", "message"),
    [({"v": torch.zeros(2)}, "other tensor names"), ({"w": torch.zeros(3)}, r"shape \(3,\)")],
)
def test_states_that_do_not_match_are_refused(other: dict[str, torch.Tensor], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        average_weights([{"w": torch.zeros(2)}, other])
    with pytest.raises(ValueError, match="at least one"):
        average_weights([])


def test_snapshots_keep_the_last_k_and_load_their_mean(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    snapshots = Snapshots(tmp_path / "snapshots", keep=3)
    kept = []
    for step in range(250, 1501, 250):
        for p in model.parameters():
            p.data.normal_()
        snapshots.save(model, step)
        kept.append({k: v.clone() for k, v in model.state_dict().items()})
    assert [p.name for p in snapshots.files()] == [
        "step-001000.safetensors", "step-001250.safetensors", "step-001500.safetensors"
    ]  # fmt: skip
    assert snapshots.average_into(model) == 3
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, sum(s[name] for s in kept[-3:]) / 3)


def test_a_snapshot_saved_again_replaces_itself(tmp_path: Path) -> None:
    model = torch.nn.Linear(2, 2)
    snapshots = Snapshots(tmp_path, keep=2)
    snapshots.save(model, 4)
    with torch.no_grad():
        model.weight.fill_(1.0)
    snapshots.save(model, 4)  # a resumed run repeats the step it was killed in
    assert len(snapshots.files()) == 1
    snapshots.average_into(model)
    assert torch.all(model.weight == 1.0)


def test_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep must be at least 1"):
        Snapshots(tmp_path, keep=0)
    with pytest.raises(FileNotFoundError, match="no snapshots to average"):
        Snapshots(tmp_path / "none", keep=2).average_into(torch.nn.Linear(2, 2))
    Snapshots(tmp_path, keep=2).save(torch.nn.Linear(2, 2), 1)
    with pytest.raises(CheckpointError, match="do not fit"):
        Snapshots(tmp_path, keep=2).average_into(torch.nn.Linear(3, 2))
