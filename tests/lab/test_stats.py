"""Per-layer statistics: one value per layer, against an independent computation."""

from __future__ import annotations

import math

import pytest
import torch

from annotated import GPT, GPTConfig, make_model
from annotated.lab import LabRun, StatsRecorder
from tests.lab.helpers import TINY_GPT, TINY_TASK, gpt_data, tiny


def test_a_run_records_one_value_per_layer() -> None:
    config = tiny(TINY_TASK, N=3, max_steps=10)
    run = LabRun(config)
    run.start().wait(120)
    assert run.stats[0].step == 1 and run.stats[-1].step == 10
    for s in run.stats:
        assert s.layers == ("enc 1", "enc 2", "enc 3", "dec 1", "dec 2", "dec 3")
        for values in (s.activation_norm, s.grad_norm, s.qk_std):
            assert len(values) == 6 and all(math.isfinite(v) and v > 0 for v in values)
    gpt = LabRun(tiny(TINY_GPT, N=2, max_steps=3), data=gpt_data(TINY_GPT))
    gpt.start().wait(120)
    assert gpt.stats[-1].layers == ("block 1", "block 2")


def test_activation_and_gradient_norms_match_a_direct_computation() -> None:
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, max_len=8, N=2, h=2, d_model=16))
    outputs: list[torch.Tensor] = []
    model.blocks[1].register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
    recorder = StatsRecorder(model)
    with recorder.recording():
        model(torch.randint(11, (3, 8))).logsumexp(-1).sum().backward()
    stats = recorder.result(step=1)
    assert stats.activation_norm[1] == pytest.approx(float(outputs[0].norm(dim=-1).mean()))
    grads = [p.grad for p in model.blocks[0].parameters()]
    assert stats.grad_norm[0] == pytest.approx(
        float(torch.cat([g.flatten() for g in grads]).norm()), rel=1e-5
    )


def test_hooks_are_removed_after_recording() -> None:
    model = make_model(7, 7, N=2, d_model=16, d_ff=32, h=2)
    recorder = StatsRecorder(model)
    with recorder.recording():
        pass
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


@pytest.mark.parametrize("positions", ["none", "rope", "alibi"])
def test_score_spread_scales_with_the_query_weights(positions: str) -> None:
    """Scaling W_Q by c scales every q·k by c, so its std by c (RoPE rotates, so it too)."""
    torch.manual_seed(0)
    model = GPT(
        GPTConfig(
            vocab_size=11,
            max_len=8,
            N=1,
            h=2,
            d_model=16,
            bias=False,
            positions=positions,
        )
    )
    tokens = torch.randint(11, (2, 8))
    recorder = StatsRecorder(model)
    with recorder.recording(), torch.no_grad():
        model(tokens)
    before = recorder.result(1).qk_std[0]
    with torch.no_grad():
        model.blocks[0].self_attn.w_q.weight.mul_(3.0)
    with recorder.recording(), torch.no_grad():
        model(tokens)
    assert recorder.result(1).qk_std[0] == pytest.approx(3.0 * before, rel=1e-4)
