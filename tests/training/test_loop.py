"""The training loop: exact gradient accumulation, optimizer-step schedules, stops, state."""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterator

import pytest
import torch

from annotated import (
    Batch,
    EncoderDecoder,
    LabelSmoothing,
    LoopOptions,
    LossCompute,
    TrainState,
    get_task,
    train,
)
from annotated.training import NonFiniteLossError

TASK = get_task("sort")


def small_model(seed: int = 0, dropout: float = 0.0) -> EncoderDecoder:
    torch.manual_seed(seed)
    return EncoderDecoder.from_config(TASK.config(N=1, d_model=16, d_ff=32, h=2, dropout=dropout))


def micro_batches(sizes: list[int]) -> list[Batch]:
    """Micro-batches of different sizes, hence different lengths and token counts."""
    return [TASK.batch(seed=0, index=i, batch_size=n) for i, n in enumerate(sizes)]


def union(batches: list[Batch]) -> Batch:
    """One batch holding every sequence of ``batches`` (right-padded to a common length)."""
    src = [b.src for b in batches]
    tgt = [torch.cat([b.tgt, b.tgt_y[:, -1:]], dim=1) for b in batches]
    width_s, width_t = max(s.size(1) for s in src), max(t.size(1) for t in tgt)
    src = torch.cat([torch.nn.functional.pad(s, (0, width_s - s.size(1))) for s in src])
    tgt = torch.cat([torch.nn.functional.pad(t, (0, width_t - t.size(1))) for t in tgt])
    return Batch(src, tgt)


def endless_batches(start: int) -> Iterator[Batch]:
    """Batches of 4 inputs from position ``start`` on, never running out."""
    for index in itertools.count(start):
        yield TASK.batch(0, index, 4)


def one_update(model: EncoderDecoder, batches: list[Batch], k: int) -> TrainState:
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = LossCompute(LabelSmoothing(len(TASK.vocab), 0, 0.1))
    return train(
        model,
        lambda start: iter(batches[start:]),
        loss,
        opt,
        lambda s: 0.5,
        LoopOptions(max_steps=1, grad_accum=k),
    )


def test_accumulating_k_micro_batches_equals_one_batch_holding_them() -> None:
    parts = micro_batches([3, 7, 2, 5])
    assert len({b.ntokens for b in parts}) > 1  # unequal token counts: a per-part mean would differ
    accumulated, whole = small_model(), small_model()
    state = one_update(accumulated, parts, k=4)
    one_update(whole, [union(parts)], k=1)
    assert state.optimizer_steps == 1 and state.steps == 4 and state.samples == 17
    assert state.tokens == sum(b.ntokens for b in parts)
    for a, b in zip(accumulated.parameters(), whole.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_a_per_micro_batch_mean_would_not_be_equivalent() -> None:
    # the check above is sensitive: averaging each part separately moves the weights elsewhere
    parts, naive, whole = micro_batches([3, 7, 2, 5]), small_model(), small_model()
    opt = torch.optim.SGD(naive.parameters(), lr=0.5)
    loss = LossCompute(LabelSmoothing(len(TASK.vocab), 0, 0.1))
    for part in parts:
        value, n = loss(naive, part)
        (value / n / len(parts)).backward()
    opt.step()
    one_update(whole, [union(parts)], k=1)
    diff = max(
        (a - b).abs().max().item()
        for a, b in zip(naive.parameters(), whole.parameters(), strict=True)
    )
    assert diff > 1e-4


def test_the_schedule_counts_optimizer_steps_not_micro_batches() -> None:
    calls: list[int] = []
    model = small_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)

    def schedule(step: int) -> float:
        calls.append(step)
        return 1e-3 * step

    state = train(
        model,
        endless_batches,
        LossCompute(LabelSmoothing(len(TASK.vocab), 0)),
        opt,
        schedule,
        LoopOptions(max_steps=4, grad_accum=3),
    )
    assert calls == [1, 2, 3, 4] and state.steps == 12 and state.optimizer_steps == 4
    assert [r["lr"] for r in state.history] == [1e-3, 2e-3, 3e-3, 4e-3]
    assert opt.param_groups[0]["lr"] == 4e-3


def test_train_state_has_no_shared_mutable_default() -> None:
    a, b = TrainState(), TrainState()
    a.history.append({"loss": 1.0})
    a.evals.append({"step": 1})
    assert b.history == [] and b.evals == []
    assert TrainState.from_dict(copy.deepcopy(a.to_dict())) == a


def test_gradient_clipping_bounds_the_update() -> None:
    model = small_model()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    batches = micro_batches([8])
    train(
        model,
        lambda s: iter(batches[s:]),
        LossCompute(LabelSmoothing(len(TASK.vocab), 0)),
        opt,
        lambda s: 1.0,
        LoopOptions(max_steps=1, grad_clip=1e-3),
    )
    step = torch.cat([(p - b).flatten() for p, b in zip(model.parameters(), before, strict=True)])
    assert 0 < step.norm() <= 1e-3 * (1 + 1e-4)


def test_a_non_finite_loss_stops_without_updating_or_saving() -> None:
    model = small_model()
    saved: list[int] = []
    good = LossCompute(LabelSmoothing(len(TASK.vocab), 0))

    poisoned = micro_batches([4, 4, 4, 4])

    def loss_fn(model: EncoderDecoder, batch: Batch) -> tuple[torch.Tensor, int]:
        value, n = good(model, batch)
        return (value * math.nan if batch is poisoned[-1] else value), n

    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    snapshot: list[list[torch.Tensor]] = []

    def save(state: TrainState) -> None:
        saved.append(state.optimizer_steps)
        snapshot.append([p.detach().clone() for p in model.parameters()])

    with pytest.raises(NonFiniteLossError, match="loss is nan at optimizer step 4"):
        train(
            model,
            lambda s: iter(poisoned[s:]),
            loss_fn,
            opt,
            lambda s: 1e-3,
            LoopOptions(max_steps=10, checkpoint_interval=1),
            save=save,
        )
    assert saved == [1, 2, 3]  # the last good checkpoint stays the last one written
    for p, q in zip(model.parameters(), snapshot[-1], strict=True):
        assert torch.equal(p, q)


def test_evaluation_can_stop_early_and_the_last_state_is_saved() -> None:
    model, saved = small_model(), []
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    state = train(
        model,
        endless_batches,
        LossCompute(LabelSmoothing(len(TASK.vocab), 0)),
        opt,
        lambda s: 1e-3,
        LoopOptions(max_steps=100, eval_interval=2),
        evaluate=lambda m, s: {"score": float(s.optimizer_steps)},
        should_stop=lambda s: s.evals[-1]["score"] >= 6,
        save=lambda s: saved.append(s.optimizer_steps),
    )
    assert state.done and state.optimizer_steps == 6 and saved == [6]
    assert [e["step"] for e in state.evals] == [2, 4, 6] and model.training


def test_running_out_of_data_ends_training_and_saves() -> None:
    model, saved = small_model(), []
    batches = micro_batches([2, 2, 2, 2, 2])
    state = train(
        model,
        lambda s: iter(batches[s:]),
        LossCompute(LabelSmoothing(len(TASK.vocab), 0)),
        torch.optim.SGD(model.parameters()),
        lambda s: 0.1,
        LoopOptions(max_steps=10, grad_accum=2),
        save=lambda s: saved.append(s.steps),
    )
    assert state.done and state.optimizer_steps == 2 and saved == [4]


def test_the_same_seed_gives_the_same_loss_curve() -> None:
    curves = []
    for _ in range(2):
        model = small_model(seed=5, dropout=0.1)
        batches = micro_batches([6] * 8)
        state = train(
            model,
            lambda s, b=batches: iter(b[s:]),
            LossCompute(LabelSmoothing(len(TASK.vocab), 0)),
            torch.optim.Adam(model.parameters()),
            lambda s: 1e-2,
            LoopOptions(max_steps=8),
        )
        curves.append([r["loss"] for r in state.history])
    assert curves[0] == curves[1] and len(set(curves[0])) > 1


def test_loop_options_reject_nonsense() -> None:
    for bad in (
        {"max_steps": -1},
        {"max_steps": 1, "grad_accum": 0},
        {"max_steps": 1, "grad_clip": -1.0},  # 0 turns clipping off
    ):
        with pytest.raises(ValueError):
            LoopOptions(**bad)
