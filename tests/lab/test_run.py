"""LabRun: training reduces the loss, stopping keeps what was trained, runs are reproducible."""

from __future__ import annotations

import itertools
import math
import time

import pytest
import torch

from annotated import GPT, Muon
from annotated.lab import Gate, LabConfigError, LabRun
from annotated.lab.curves import Curves
from annotated.lab.run import learning_rate
from tests.lab.helpers import TINY_GPT, TINY_TASK, gpt_data, tiny

WAIT_S = 120


def trained(run: LabRun) -> LabRun:
    assert run.start().wait(WAIT_S), "the run did not finish in time"
    assert run.status == "finished", run.error
    return run


def test_a_few_steps_reduce_the_loss_of_a_task_model() -> None:
    run = trained(LabRun(tiny(TINY_TASK, max_steps=40, batch_size=32, lr=3e-3)))
    c = run.curves
    assert c.step == list(range(1, 41))
    steps, val = c.val_points()
    assert steps[0] == 1 and steps[-1] == 40
    assert c.train_loss_avg[-1] < 0.8 * c.train_loss[0]
    assert val[-1] < 0.8 * val[0]
    assert all(t > 0 for t in c.tokens_per_s)


def test_a_few_steps_reduce_the_loss_of_a_gpt() -> None:
    config = tiny(TINY_GPT, max_steps=40, lr=1e-2)
    run = trained(LabRun(config, data=gpt_data(config)))
    _, val = run.curves.val_points()
    assert run.curves.train_loss_avg[-1] < 0.7 * run.curves.train_loss[0]
    assert val[-1] < 0.7 * val[0]
    chance = math.log(len(run.data.tokens))
    assert abs(run.curves.train_loss[0] - chance) < 0.5  # starts near uniform guessing


def test_the_same_config_trains_the_same_run() -> None:
    a, b = (trained(LabRun(tiny(TINY_TASK, max_steps=5))) for _ in range(2))
    assert a.curves.train_loss == b.curves.train_loss
    c = trained(LabRun(tiny(TINY_TASK, max_steps=5, seed=1)))
    assert c.curves.train_loss != a.curves.train_loss


def test_stop_keeps_what_was_trained() -> None:
    run = LabRun(tiny(TINY_TASK, max_steps=5000))
    before = [p.detach().clone() for p in run.model.parameters()]
    run.start()
    deadline = time.monotonic() + WAIT_S
    while run.step < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    run.stop()
    assert run.wait(WAIT_S)
    assert run.status == "stopped" and 3 <= run.step < 5000
    assert len(run.curves) == run.step
    after = list(run.snapshot().parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))


def test_snapshot_while_training_is_a_consistent_copy() -> None:
    run = LabRun(tiny(TINY_TASK, max_steps=5000)).start()
    try:
        for _ in range(3):
            copy = run.snapshot()
            assert not copy.training
            assert all(
                p.data_ptr() != q.data_ptr()
                for p, q in zip(copy.parameters(), run.model.parameters(), strict=True)
            )
    finally:
        run.stop()
        run.wait(WAIT_S)


def test_a_run_that_diverges_says_so() -> None:
    class Exploding:
        tokens = ("a", "b")

        def train_batch(self, index: int) -> int:
            return index

        def val_batches(self) -> list[int]:
            return [0]

        def loss(self, model: torch.nn.Module, batch: int) -> tuple[torch.Tensor, int]:
            w = next(model.parameters())
            return w.sum() * (float("nan") if batch >= 2 else 1.0), 1

        def characters(self, batch: int) -> None:
            return None

    run = LabRun(tiny(TINY_TASK, max_steps=10), data=Exploding())
    run.start().wait(WAIT_S)
    assert run.status == "diverged" and run.step == 2
    assert "the loss became nan at step 3" in run.error


def test_a_muon_run_steps_the_blocks_by_muon_at_the_scaled_rate() -> None:
    config = tiny(TINY_GPT, max_steps=12, optimizer="muon", lr=3e-3, muon_lr=0.03, warmup=4)
    rates: list[list[float]] = []

    class Recording(Gate):
        def wait_idle(self, timeout: float = 0.0) -> bool:  # before each step: the last's rates
            rates.append([g["lr"] for g in run.optimizer.param_groups])
            return True

    run = LabRun(config, data=gpt_data(config), gate=Recording())
    assert isinstance(run.optimizer, Muon)
    muon, *adam = run.optimizer.param_groups
    blocks = {id(p) for p in run.model.get_submodule("blocks").parameters() if p.dim() == 2}
    assert muon["muon"] and {id(p) for p in muon["params"]} == blocks
    assert not any(g["muon"] for g in adam)
    trained(run)
    rates.append([g["lr"] for g in run.optimizer.param_groups])
    for s, (muon_rate, *adam_rates) in enumerate(rates[1:], start=1):
        assert muon_rate == pytest.approx(learning_rate(config, s) * 0.03 / 3e-3)
        assert adam_rates == pytest.approx([learning_rate(config, s)] * len(adam))
    assert run.curves.lr == pytest.approx([learning_rate(config, s) for s in range(1, 13)])
    assert run.curves.train_loss_avg[-1] < run.curves.train_loss[0]
    adamw = trained(LabRun(tiny(config, optimizer="adamw"), data=gpt_data(config)))
    assert "lr_scale" not in adamw.optimizer.param_groups[0]
    assert adamw.curves.train_loss[1:] != run.curves.train_loss[1:]  # same step 1, then apart


def test_the_ladder_switches_reach_the_model_the_lab_builds() -> None:
    config = tiny(TINY_GPT, qk_norm=True, zero_init=True, logit_softcap=2.0, share_embeddings=False)
    run = LabRun(config, data=gpt_data(config))
    model = run.model
    assert isinstance(model, GPT)
    assert (model.config.qk_norm, model.config.logit_softcap) == (True, 2.0)
    assert model.lm_head.weight is not model.tok_embed.weight  # untied: a head of its own
    for block in model.blocks:  # zero-init: each block starts as the identity
        assert not block.self_attn.w_o.weight.any() and not block.feed_forward.w_2.weight.any()
    with torch.no_grad():
        logits = model(run.data.train_batch(0).x)
    assert logits.abs().max() < 2.0  # the soft-cap bounds every logit by c


def test_an_impossible_config_is_refused_before_anything_is_built() -> None:
    with pytest.raises(LabConfigError, match="must be divisible"):
        LabRun(tiny(TINY_TASK, d_model=100, h=3))


@pytest.mark.parametrize("schedule", ["constant", "warmup_cosine", "noam"])
def test_schedules_peak_at_the_chosen_rate_after_warmup(schedule: str) -> None:
    config = tiny(TINY_TASK, lr=2e-3, warmup=10, max_steps=100, schedule=schedule)
    rates = [learning_rate(config, s) for s in range(1, 101)]
    assert max(rates) == pytest.approx(2e-3)
    assert rates.index(max(rates)) == 9  # step 10, the end of warmup
    assert all(a < b for a, b in itertools.pairwise(rates[:10]))


def test_curves_csv_round_trip() -> None:
    run = trained(LabRun(tiny(TINY_TASK, max_steps=6)))
    again = Curves.from_csv(run.curves.to_csv())
    assert again.step == run.curves.step
    assert again.train_loss == pytest.approx(run.curves.train_loss)
    steps, val = again.val_points()
    assert steps == run.curves.val_points()[0]
    assert val == pytest.approx(run.curves.val_points()[1])
