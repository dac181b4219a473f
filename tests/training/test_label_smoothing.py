"""Label smoothing: the target distribution and the KL loss."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from annotated import LabelSmoothing

SMOOTHING = st.floats(min_value=0.0, max_value=0.9)


@st.composite
def problems(draw: st.DrawFn) -> tuple[int, int, torch.Tensor, torch.Tensor, float]:
    vocab = draw(st.integers(min_value=3, max_value=20), label="vocab")
    pad = draw(st.integers(min_value=0, max_value=vocab - 1), label="pad")
    n = draw(st.integers(min_value=1, max_value=12), label="n")
    target = torch.tensor(draw(st.lists(st.integers(0, vocab - 1), min_size=n, max_size=n)))
    seed = draw(st.integers(min_value=0, max_value=2**31 - 1), label="seed")
    logits = torch.randn(n, vocab, generator=torch.Generator().manual_seed(seed))
    return vocab, pad, logits.log_softmax(-1), target, draw(SMOOTHING, label="smoothing")


@given(problems())
def test_smoothed_rows_sum_to_one_and_padding_gets_nothing(problem: tuple) -> None:
    vocab, pad, logp, target, smoothing = problem
    crit = LabelSmoothing(vocab, pad, smoothing)
    crit(logp, target)
    q = crit.true_dist
    assert q is not None and (q >= 0).all()
    assert torch.equal(q[:, pad], torch.zeros(len(target)))
    real = target != pad
    torch.testing.assert_close(q[real].sum(-1), torch.ones(int(real.sum())))
    assert torch.equal(q[~real], torch.zeros_like(q[~real]))
    rows = torch.arange(len(target))[real]
    torch.testing.assert_close(q[rows, target[real]], torch.full((len(rows),), 1 - smoothing))


@given(problems())
def test_loss_is_non_negative_and_zero_at_the_target(problem: tuple) -> None:
    vocab, pad, logp, target, smoothing = problem
    crit = LabelSmoothing(vocab, pad, smoothing)
    assert crit(logp, target) >= -1e-6
    q = crit.true_dist
    # p = q (padding and padded rows given a tiny mass so log p is finite) leaves only that
    p = (q + 1e-12) / (q + 1e-12).sum(-1, keepdim=True)
    assert float(crit(p.log(), target)) == pytest.approx(0.0, abs=1e-4)


@given(problems())
def test_without_smoothing_the_loss_is_the_negative_log_likelihood(problem: tuple) -> None:
    vocab, pad, logp, target, _ = problem
    loss = LabelSmoothing(vocab, pad, 0.0)(logp, target)
    expected = F.nll_loss(logp, target, ignore_index=pad, reduction="sum")
    torch.testing.assert_close(loss, expected)


def test_label_smoothing_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        LabelSmoothing(5, 0, 1.0)
    with pytest.raises(ValueError, match="size"):
        LabelSmoothing(2, 0, 0.1)
    with pytest.raises(ValueError, match="target"):
        LabelSmoothing(5, 0)(torch.zeros(3, 5), torch.zeros(2, dtype=torch.long))


@given(problems())
def test_closed_form_equals_the_dense_kl_divergence_and_its_gradient(problem: tuple) -> None:
    vocab, pad, logp, target, smoothing = problem
    crit = LabelSmoothing(vocab, pad, smoothing)
    x = logp.clone().requires_grad_()
    loss = crit(x, target)
    loss.backward()
    q = crit.true_dist
    dense_x = logp.clone().requires_grad_()
    dense = F.kl_div(dense_x, q, reduction="sum")  # the original's KLDivLoss on a dense q
    dense.backward()
    torch.testing.assert_close(loss, dense, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(x.grad, dense_x.grad)
