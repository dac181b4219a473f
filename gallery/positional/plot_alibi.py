"""
===================================
ALiBi: attention with linear biases
===================================

ALiBi adds no position vector anywhere. Each head :math:`h` subtracts a penalty
proportional to the distance between query and key from their score,

.. math::

    S_{ij} \\mathrel{+}= -m_h\\,|i - j|, \\qquad m_h = 2^{-8h/H},

so every head has its own reach: a steep slope looks nearby, a gentle one far away. This
example shows the slopes and biases of :class:`annotated.ALiBi` and what they do to the
attention weights.
"""

# %%
# The slopes and the biases
# -------------------------
# With :math:`H = 8` heads the slopes are :math:`1/2, 1/4, \dots, 1/256`. ``bias`` gives
# the penalty of every (query, key) pair, one matrix per head.
import matplotlib.pyplot as plt
import torch

from annotated import ALiBi, AttentionPositions, attention, subsequent_mask

heads, seq = 8, 16
alibi = ALiBi(heads)
positions = torch.arange(seq)
bias = alibi.bias(positions, positions)  # (heads, seq_q, seq_k)
print("slopes:", [f"{s:.4f}" for s in alibi.slopes.tolist()])
print(
    "bias:",
    tuple(bias.shape),
    "- an AttentionPositions scheme:",
    isinstance(alibi, AttentionPositions),
)
expected = 2.0 ** (-8 * torch.arange(1, heads + 1) / heads)
torch.testing.assert_close(alibi.slopes, expected)
distance = (positions[:, None] - positions[None, :]).abs()
torch.testing.assert_close(bias, -expected[:, None, None] * distance)
print("slopes are 2^(-8h/H); the bias is -slope * |i - j|")

# %%
# Each head has its own reach
# ---------------------------
# Give every head the same flat scores (queries and keys of zeros) so that only the bias
# shapes the weights, and apply the causal mask. The last query's weights fall off
# exponentially with distance, at each head's own rate.
zeros = torch.zeros(1, heads, seq, 4)  # (batch, heads, seq, d_k)
values = torch.zeros(1, heads, seq, 4)
_, weights = attention(zeros, zeros, values, mask=subsequent_mask(seq), bias=bias)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for head in (0, 2, 4, 7):
    axes[0].plot(range(seq), weights[0, head, -1].tolist(), marker=".", label=f"head {head + 1}")
axes[0].set_xlabel("key position (the query is at 15)")
axes[0].set_ylabel("attention weight")
axes[0].set_title("weights of the last query")
axes[0].legend(fontsize=8)
image = axes[1].imshow(bias[0], cmap="magma")
axes[1].set_title("bias of head 1 (slope 1/2)")
axes[1].set_xlabel("key")
axes[1].set_ylabel("query")
fig.colorbar(image, ax=axes[1])
fig.tight_layout()

# %%
# Conclusion
# ----------
# ALiBi is a fixed, per-head recency prior added to the scores. Because the bias depends
# only on distance, a model trained on short sequences can be run on longer ones. With
# ``make_model(..., positions="alibi")`` every self-attention layer adds it.
ratio = weights[0, 0, -1, -1] / weights[0, 0, -1, -2]
print(
    f"head 1: weight(distance 0) / weight(distance 1) = {ratio:.4f} = e^(1/2) = "
    f"{torch.tensor(0.5).exp():.4f}"
)
