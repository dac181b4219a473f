"""Hypothesis strategies for small model sizes (d_model <= 64, seq <= 16, N <= 2)."""

from __future__ import annotations

from hypothesis import strategies as st

HEADS = st.sampled_from([1, 2, 4])
D_K = st.sampled_from([2, 4, 8, 16])
SEQ = st.integers(min_value=1, max_value=16)
BATCH = st.integers(min_value=1, max_value=3)
LAYERS = st.integers(min_value=1, max_value=2)
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


@st.composite
def model_sizes(draw: st.DrawFn) -> dict[str, int]:
    """``h`` and ``d_model = h * d_k`` with ``d_model <= 64``, and ``N``."""
    h = draw(HEADS, label="h")
    d_k = draw(D_K.filter(lambda d: h * d <= 64), label="d_k")
    return {"h": h, "d_model": h * d_k, "N": draw(LAYERS, label="N")}
