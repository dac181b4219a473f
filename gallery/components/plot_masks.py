"""
=====
Masks
=====

A mask says which keys each query may look at. Every mask in :mod:`annotated` is a bool
tensor with one convention, **True = may attend**, and attention gives the False positions
exactly zero weight. This example draws the three masks the model uses,
:func:`annotated.subsequent_mask`, :func:`annotated.padding_mask` and
:func:`annotated.target_mask`, and checks what they do to the attention weights.
"""

# %%
# A padded batch
# --------------
# Two target sentences of different lengths, padded with the index 0 to the same length.
import torch

from annotated import attention, padding_mask, subsequent_mask, target_mask

tokens = torch.tensor(
    [
        [5, 3, 8, 2, 7, 4],  # a full sentence
        [6, 9, 2, 0, 0, 0],  # three real tokens, then padding
    ]
)  # (batch, seq)

causal = subsequent_mask(tokens.size(1))  # (1, seq, seq): position i sees j <= i
source = padding_mask(tokens)  # (batch, 1, seq): every query sees the real keys
target = target_mask(tokens)  # (batch, seq, seq): causal, padding hidden, padded rows closed
print("subsequent_mask:", tuple(causal.shape))
print("padding_mask:   ", tuple(source.shape))
print("target_mask:    ", tuple(target.shape))

# %%
# What they look like
# -------------------
# Rows are queries, columns are keys; a filled cell may attend. The source mask has one row
# that broadcasts over all queries. The target mask of the padded sentence is causal *and*
# has its padded rows closed: a padding position attends to nothing.
import matplotlib.pyplot as plt

panels = [
    ("subsequent_mask(6)", causal[0]),
    ("padding_mask, sentence 2", source[1].expand(6, 6)),
    ("target_mask, sentence 2", target[1]),
]
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
for ax, (title, mask) in zip(axes, panels, strict=True):
    ax.imshow(mask.int(), cmap="Blues", vmin=0, vmax=1.3)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("key position j")
    ax.set_xticks(range(6))
    ax.set_yticks(range(6))
axes[0].set_ylabel("query position i")
fig.tight_layout()

# %%
# Masked weights are exactly zero
# -------------------------------
# Inside :func:`annotated.attention` the False scores become :math:`-\infty`, so
# :math:`e^{-\infty} = 0`. A padded query row, with every key masked, would be
# :math:`0/0`; it gets zero weights instead of NaN.
torch.manual_seed(0)
x = torch.randn(2, 6, 4)  # (batch, seq, d_k): queries = keys = values
_, weights = attention(x, x, x, mask=target)
print("sentence 2, query 2 (a real token):", weights[1, 2].round(decimals=3).tolist())
print("sentence 2, query 4 (padding):     ", weights[1, 4].tolist())
print("weights above the diagonal are zero:", bool((weights.triu(1) == 0).all()))
print("any NaN:", bool(weights.isnan().any()))

# %%
# Conclusion
# ----------
# The causal mask keeps the decoder from reading the future, the padding mask keeps every
# position from reading padding, and the target mask combines both and also closes the
# padded rows (which the original Annotated Transformer left open).
