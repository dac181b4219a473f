"""Muon: Newton-Schulz's spectrum, the update rules, the parameter split, the rates, resume."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from annotated import GPT, GPTConfig, LoopOptions, Muon, TrainState, make_optimizer, train
from annotated.training import muon as muon_module
from annotated.training.muon import NS_COEFFICIENTS, newton_schulz
from annotated.training.resume import load_train_state, save_train_state

SIDES = st.integers(1, 24)
SEEDS = st.integers(0, 2**31 - 1)
# every singular value at least 1/500 of ||G||_F lands here after five steps (the docstring's)
LOW, HIGH, FLOOR = 0.68, 1.21, 0.002


def matrix(short: int, long: int, tall: bool, seed: int, dtype: torch.dtype) -> torch.Tensor:
    """A Gaussian ``(long, short)`` matrix if ``tall``, else ``(short, long)``: both orientations."""
    shape = (long, short) if tall else (short, long)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def in_singular_basis(G: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``G``'s singular values over its norm, and ``U^T NS(G) V`` ``(k, k)``, k = min(rows, cols)."""
    U, S, Vh = torch.linalg.svd(G, full_matrices=False)
    return S / torch.linalg.matrix_norm(G), U.mT @ newton_schulz(G) @ Vh.mT


def quintic(sigma: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """The scalar iteration sigma <- a sigma + b sigma^3 + c sigma^5, ``steps`` times."""
    a, b, c = NS_COEFFICIENTS
    for _ in range(steps):
        sigma = a * sigma + b * sigma**3 + c * sigma**5
    return sigma


def reference_ns(G: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """U p^5(Sigma / (||G||_F + eps)) V^T from an SVD: what the matrix iteration must equal."""
    U, S, Vh = torch.linalg.svd(G.double(), full_matrices=False)
    return (U * quintic(S / (S.square().sum().sqrt() + eps))) @ Vh


@settings(deadline=None, max_examples=60)
@given(short=SIDES, extra=SIDES, tall=st.booleans(), seed=SEEDS)
def test_newton_schulz_keeps_the_singular_vectors_and_maps_each_value(
    short: int, extra: int, tall: bool, seed: int
) -> None:
    G = matrix(short, short + extra, tall, seed, torch.float64)
    sigma, D = in_singular_basis(G)
    off = D - torch.diag(torch.diagonal(D))
    torch.testing.assert_close(off, torch.zeros_like(off), atol=1e-9, rtol=0)
    norm = torch.linalg.matrix_norm(G)
    torch.testing.assert_close(torch.diagonal(D), quintic(sigma * norm / (norm + 1e-7)))


@settings(deadline=None, max_examples=60)
@given(short=SIDES, extra=SIDES, tall=st.booleans(), seed=SEEDS)
def test_newton_schulz_squeezes_the_singular_values_into_the_stated_range(
    short: int, extra: int, tall: bool, seed: int
) -> None:
    G = matrix(short, short + extra, tall, seed, torch.float32)
    sigma, D = in_singular_basis(G)
    values, kept = torch.diagonal(D), sigma >= FLOOR
    assert kept[0]  # the largest is always at least 1/sqrt(k) of the norm
    assert ((values[kept] > LOW - 1e-4) & (values[kept] < HIGH + 1e-4)).all(), values
    torch.testing.assert_close(newton_schulz(G.mT), newton_schulz(G).mT)


@settings(deadline=None, max_examples=30)
@given(short=SIDES, extra=SIDES, tall=st.booleans(), seed=SEEDS)
def test_bfloat16_products_keep_the_values_in_a_slightly_wider_band(
    short: int, extra: int, tall: bool, seed: int
) -> None:
    G = matrix(short, short + extra, tall, seed, torch.float32)
    sigma = torch.linalg.svdvals(G) / torch.linalg.matrix_norm(G)
    ortho = newton_schulz(G, dtype=torch.bfloat16)
    assert ortho.dtype == torch.float32
    values = torch.linalg.svdvals(ortho)[sigma >= FLOOR]
    assert ((values > LOW - 0.03) & (values < HIGH + 0.03)).all(), values


def test_a_stack_is_orthogonalised_matrix_by_matrix() -> None:
    gen = torch.Generator().manual_seed(0)
    stack = torch.randn(3, 5, 7, generator=gen) * torch.tensor([1.0, 10.0, 0.1]).view(3, 1, 1)
    torch.testing.assert_close(newton_schulz(stack), torch.stack([newton_schulz(g) for g in stack]))
    torch.testing.assert_close(newton_schulz(stack.mT), newton_schulz(stack).mT)


def test_newton_schulz_rejects_a_tensor_that_is_not_a_matrix() -> None:
    with pytest.raises(ValueError, match=r"\(\.\.\., rows, cols\) matrix, got shape \(4,\)"):
        newton_schulz(torch.ones(4))
    assert torch.equal(newton_schulz(torch.zeros(3, 2)), torch.zeros(3, 2))


def test_a_muon_step_is_the_hand_computed_one() -> None:
    gen = torch.Generator().manual_seed(0)
    W0 = torch.randn(3, 2, generator=gen, dtype=torch.float64)  # tall: scale sqrt(3/2)
    grads = [torch.randn(3, 2, generator=gen, dtype=torch.float64) for _ in range(3)]
    lr, wd, mu = 0.05, 0.1, 0.9
    W = torch.nn.Parameter(W0.clone())
    opt = Muon([{"params": [W], "muon": True}], lr=lr, momentum=mu, weight_decay=wd, ns_dtype=None)
    expected, m = W0.clone(), torch.zeros_like(W0)
    for g in grads:
        W.grad = g.clone()
        opt.step()
        m = mu * m + g
        expected = expected * (1 - lr * wd) - lr * 1.5**0.5 * reference_ns(g + mu * m)
        torch.testing.assert_close(W.detach(), expected, atol=1e-10, rtol=0)


def test_the_adamw_groups_step_as_torch_adamw() -> None:
    torch.manual_seed(0)
    shapes = [(3, 4), (4,)]
    ours = [torch.nn.Parameter(torch.randn(s)) for s in shapes]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    settings_ = [{"weight_decay": 0.1, "eps": 1e-6}, {"weight_decay": 0.0, "eps": 1e-8}]
    kwargs = {"lr": 0.01, "betas": (0.8, 0.95)}
    opt = Muon(
        [{"params": [p], "muon": False} | s for p, s in zip(ours, settings_, strict=True)],
        **kwargs,
    )
    reference = torch.optim.AdamW(
        [{"params": [p]} | s for p, s in zip(theirs, settings_, strict=True)], **kwargs
    )
    for step in range(1, 6):
        for group, other in zip(opt.param_groups, reference.param_groups, strict=True):
            group["lr"] = other["lr"] = 0.01 / step  # a schedule changes the rate
        for p, q in zip(ours, theirs, strict=True):
            p.grad = torch.randn_like(p)
            q.grad = p.grad.clone()
        opt.step()
        reference.step()
        for p, q in zip(ours, theirs, strict=True):
            torch.testing.assert_close(p.detach(), q.detach())


def test_groups_must_say_which_rule_they_follow() -> None:
    W = torch.nn.Parameter(torch.ones(2, 2))
    with pytest.raises(ValueError, match="muon=True or muon=False"):
        Muon([{"params": [W]}])
    with pytest.raises(ValueError, match="only 2-D matrices"):
        Muon([{"params": [torch.nn.Parameter(torch.ones(2))], "muon": True}])


def next_token_loss(model: GPT, x: torch.Tensor) -> torch.Tensor:
    """The cross-entropy of each next token of ``x`` ``(batch, seq)``: ``(batch, seq - 1)``."""
    logits = model(x[:, :-1])  # (batch, seq - 1, vocab_size)
    return torch.nn.functional.cross_entropy(logits.mT, x[:, 1:], reduction="none")


def small_gpt(**changes: object) -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=11, max_len=8, N=2, h=2, d_model=8, **changes))  # type: ignore[arg-type]


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_each_parameter_goes_to_one_rule(tied: bool, bias: bool, positions: str) -> None:
    model = small_gpt(share_embeddings=tied, bias=bias, positions=positions)
    opt = make_optimizer(model, lr=1e-3, muon_lr=0.02, weight_decay=0.1)
    placed = [(id(p), g["muon"], g["weight_decay"]) for g in opt.param_groups for p in g["params"]]
    ids = [i for i, _, _ in placed]
    assert len(ids) == len(set(ids)) and set(ids) == {id(p) for p in model.parameters()}
    rule = {i: (muon, wd) for i, muon, wd in placed}
    for name, p in model.named_parameters():
        hidden = name.startswith("blocks.") and p.dim() == 2
        decay = 0.0 if p.dim() < 2 else 0.1
        assert rule[id(p)] == (hidden, decay), name
    assert not rule[id(model.tok_embed.weight)][0] and not rule[id(model.lm_head.weight)][0]
    assert (model.lm_head.weight is model.tok_embed.weight) == tied


def test_the_loop_scales_each_groups_rate() -> None:
    model = small_gpt()
    opt = make_optimizer(model, lr=1e-3, muon_lr=0.04, weight_decay=0.1)
    seen: list[list[float]] = []

    def batches(start: int) -> Iterator[torch.Tensor]:
        for index in itertools.count(start):
            yield torch.randint(11, (2, 8), generator=torch.Generator().manual_seed(index))

    def loss_fn(model: GPT, x: torch.Tensor) -> tuple[torch.Tensor, int]:
        return next_token_loss(model, x).sum(), x[:, 1:].numel()

    def schedule(s: int) -> float:
        return 1e-3 * s / 3

    def record(state: TrainState) -> None:
        seen.append([g["lr"] for g in opt.param_groups])

    train(model, batches, loss_fn, opt, schedule, LoopOptions(max_steps=3), on_step=record)
    for s, rates in enumerate(seen, start=1):
        assert rates == pytest.approx([schedule(s) * 40, schedule(s), schedule(s)])


def steps(model: GPT, opt: Muon, indices: range) -> None:
    """Make one update per index on a batch that index picks."""
    for index in indices:
        x = torch.randint(11, (2, 8), generator=torch.Generator().manual_seed(index))
        opt.zero_grad()
        next_token_loss(model, x).mean().backward()
        opt.step()


def test_a_saved_optimizer_continues_identically(tmp_path: Path) -> None:
    model = small_gpt()
    opt = make_optimizer(model, lr=1e-3, muon_lr=0.02, weight_decay=0.1)
    steps(model, opt, range(3))
    save_train_state(tmp_path / "state.safetensors", model, opt, TrainState(), {})
    steps(model, opt, range(3, 6))
    resumed = small_gpt()
    again = make_optimizer(resumed, lr=1e-3, muon_lr=0.02, weight_decay=0.1)
    load_train_state(tmp_path / "state.safetensors", resumed, again)
    assert again.state_dict()["param_groups"][0]["lr_scale"] == 20.0
    steps(resumed, again, range(3, 6))
    for p, q in zip(model.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(p, q)


def test_an_optimizer_saved_before_ns_dtype_keeps_float32_products() -> None:
    runs = []
    for ns_dtype, forget in ((None, False), ("bfloat16", True), ("bfloat16", False)):
        model = small_gpt()
        opt = make_optimizer(model, lr=1e-3, muon_lr=0.02, weight_decay=0.1)
        saved = opt.state_dict()
        for group in saved["param_groups"]:
            group["ns_dtype"] = ns_dtype
            if forget:
                del group["ns_dtype"]
        opt.load_state_dict(saved)
        steps(model, opt, range(2))
        runs.append(list(model.parameters()))
    exact, old, fast = runs
    assert all(torch.equal(p, q) for p, q in zip(exact, old, strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(exact, fast, strict=True))


def muon_weights(ns_dtype: str | None) -> list[torch.Tensor]:
    """The small GPT's weights after two Muon steps whose Newton-Schulz runs in ``ns_dtype``."""
    model = small_gpt()
    opt = make_optimizer(model, lr=1e-3, muon_lr=0.02, weight_decay=0.1)
    for group in opt.param_groups:
        group["ns_dtype"] = ns_dtype
    steps(model, opt, range(2))
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize(("native", "same_as"), [(True, "bfloat16"), (False, None)])
def test_auto_takes_bfloat16_products_only_on_native_hardware(
    monkeypatch: pytest.MonkeyPatch, native: bool, same_as: str | None
) -> None:
    monkeypatch.setattr(muon_module, "has_native_bf16", lambda device_type: native)
    auto, chosen = muon_weights("auto"), muon_weights(same_as)
    assert all(torch.equal(p, q) for p, q in zip(auto, chosen, strict=True))
    other = muon_weights(None if same_as else "bfloat16")
    assert not all(torch.equal(p, q) for p, q in zip(auto, other, strict=True))
