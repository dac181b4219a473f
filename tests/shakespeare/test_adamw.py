"""AdamW: decoupled weight decay on the matrices, none on the vectors."""

from __future__ import annotations

import torch

from annotated import GPT, GPTConfig
from annotated.training.adamw import adamw


def test_matrices_decay_and_vectors_do_not() -> None:
    model = GPT(GPTConfig(vocab_size=11, max_len=8, N=2, h=2, d_model=8, bias=True))
    opt = adamw(model, lr=0.5, weight_decay=0.1, betas=(0.9, 0.95))
    decayed, kept = opt.param_groups
    assert {id(p) for p in decayed["params"]} | {id(p) for p in kept["params"]} == {
        id(p) for p in model.parameters()
    }
    assert all(p.dim() >= 2 for p in decayed["params"])
    assert all(p.dim() == 1 for p in kept["params"])
    assert any(p.dim() == 1 for p in kept["params"])  # biases and norm gains exist here
    assert opt.defaults["betas"] == (0.9, 0.95)
    # with zero gradients Adam's step is 0: what is left is the decoupled decay theta -= lr*wd*theta
    before = [p.detach().clone() for p in model.parameters()]
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    for p, old in zip(model.parameters(), before, strict=True):
        expected = old * (1 - 0.5 * 0.1) if p.dim() >= 2 else old
        torch.testing.assert_close(p.detach(), expected)


def test_tied_weights_are_one_parameter_decayed_once() -> None:
    model = GPT(GPTConfig(vocab_size=11, max_len=8, N=1, h=2, d_model=8))
    opt = adamw(model, lr=1e-3, weight_decay=0.1)
    ids = [id(p) for g in opt.param_groups for p in g["params"]]
    assert len(ids) == len(set(ids))
    assert id(model.tok_embed.weight) in ids
