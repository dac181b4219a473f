"""Hypothesis strategies for small GPTs over every variant switch."""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from annotated import GPT, GPTConfig
from annotated.config import CHOICES

NORMS = st.sampled_from(CHOICES["norm"])
LAYOUTS = st.sampled_from(CHOICES["layout"])
ACTIVATIONS = st.sampled_from(CHOICES["activation"])
POSITIONS = st.sampled_from(CHOICES["positions"])
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
VOCAB = 11


@st.composite
def gpt_configs(draw: st.DrawFn, max_block: int = 8) -> GPTConfig:
    """A tiny GPT (d_model <= 16, N <= 2, T <= ``max_block``) with every switch drawn.

    ``zero_init`` is left out: :func:`build` overwrites the initial weights.
    """
    h = draw(st.sampled_from([1, 2, 4]), label="h")
    d_k = draw(st.sampled_from([2, 4]), label="d_k")
    return GPTConfig(
        vocab_size=VOCAB,
        max_len=draw(st.integers(2, max_block), label="max_len"),
        N=draw(st.integers(1, 2), label="N"),
        h=h,
        d_model=h * d_k,
        bias=draw(st.booleans(), label="bias"),
        share_embeddings=draw(st.booleans(), label="share_embeddings"),
        norm=draw(NORMS, label="norm"),
        layout=draw(LAYOUTS, label="layout"),
        activation=draw(ACTIVATIONS, label="activation"),
        positions=draw(POSITIONS, label="positions"),
        qk_norm=draw(st.booleans(), label="qk_norm"),
        logit_softcap=draw(st.sampled_from([0.0, 2.0]), label="logit_softcap"),
    )


def build(config: GPTConfig, seed: int, dtype: torch.dtype = torch.float32) -> GPT:
    """The model in eval mode, with weights far from GPT-2's tiny init so that they matter.

    Matrices get :math:`\\mathcal{N}(0, 1/\\text{fan-in})`, which keeps activations near unit
    size even without a norm; vectors (biases, gains) get :math:`\\mathcal{N}(0, 0.5^2)`.
    """
    torch.manual_seed(seed)
    model = GPT(config).to(dtype).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, p.size(-1) ** -0.5 if p.dim() > 1 else 0.5)
    return model


def tokens(batch: int, seq: int, seed: int) -> torch.Tensor:
    """Random token ids ``(batch, seq)``."""
    return torch.randint(VOCAB, (batch, seq), generator=torch.Generator().manual_seed(seed))
