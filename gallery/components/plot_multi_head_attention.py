"""
====================
Multi-head attention
====================

:class:`annotated.MultiHeadedAttention` projects the input into :math:`h` smaller heads,
attends in each, and projects the concatenation back:

.. math::

    \\mathrm{MultiHead}(Q, K, V) = \\mathrm{Concat}(\\mathrm{head}_1, \\dots,
    \\mathrm{head}_h) W^O, \\qquad
    \\mathrm{head}_i = \\mathrm{Attention}(Q W^Q_i, K W^K_i, V W^V_i)

This example recomputes one forward pass by hand from the module's weights, shows the
shape at each step, checks that the fused and the explicit paths agree, and draws the
weights of every head with :func:`annotated.record_attention`.
"""

# %%
# The module
# ----------
# :math:`d_{model} = 32` split into :math:`h = 4` heads of :math:`d_k = 8`. The four
# projections :math:`W^Q, W^K, W^V, W^O` are each one ``d_model x d_model`` linear layer:
# the :math:`h` per-head matrices side by side.
import torch

from annotated import MultiHeadedAttention, attention, record_attention, subsequent_mask

torch.manual_seed(0)
mha = MultiHeadedAttention(h=4, d_model=32, dropout=0.0)
x = torch.randn(2, 6, 32)  # (batch, seq, d_model)
print(f"h = {mha.h}, d_k = {mha.d_k}")

# %%
# One forward pass by hand
# ------------------------
# Project, split the last dimension into heads, attend per head, concatenate, project.
batch, seq, d_model = x.shape
q = mha.w_q(x).view(batch, seq, mha.h, mha.d_k).transpose(1, 2)  # (batch, h, seq, d_k)
k = mha.w_k(x).view(batch, seq, mha.h, mha.d_k).transpose(1, 2)  # (batch, h, seq, d_k)
v = mha.w_v(x).view(batch, seq, mha.h, mha.d_k).transpose(1, 2)  # (batch, h, seq, d_k)
heads, p = attention(q, k, v, mask=subsequent_mask(seq))  # (batch, h, seq, d_k)
concat = heads.transpose(1, 2).reshape(batch, seq, d_model)  # (batch, seq, d_model)
by_hand = mha.w_o(concat)
print("q per head:", tuple(q.shape), " weights:", tuple(p.shape), " output:", tuple(by_hand.shape))

torch.testing.assert_close(mha(x, x, x, mask=subsequent_mask(seq)), by_hand)
print("the module equals the hand computation")

# %%
# Two paths, one result
# ---------------------
# By default the module calls PyTorch's fused ``scaled_dot_product_attention``, which never
# stores the weights. Inside :func:`annotated.record_attention` it runs the explicit
# :func:`annotated.attention` instead and keeps the weights in ``.attn``.
fused = mha(x, x, x, mask=subsequent_mask(seq))
with record_attention(mha):
    explicit = mha(x, x, x, mask=subsequent_mask(seq))
torch.testing.assert_close(fused, explicit)
print("fused == explicit; recorded weights:", tuple(mha.attn.shape))

# %%
# Every head attends differently
# ------------------------------
# The weights of the first sentence, one panel per head. The causal mask zeroes everything
# above the diagonal; below it, each head has its own (here random) pattern.
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, mha.h, figsize=(10, 2.9))
for head, ax in enumerate(axes):
    ax.imshow(mha.attn[0, head], cmap="viridis", vmin=0, vmax=1)
    ax.set_title(f"head {head}")
    ax.set_xlabel("key")
axes[0].set_ylabel("query")
fig.suptitle("MultiHeadedAttention.attn: (batch, h, seq_q, seq_k)")
fig.tight_layout()

# %%
# Conclusion
# ----------
# Multi-head attention is :func:`annotated.attention` run on :math:`h` slices of three
# projections. One ``view`` splits the heads and one ``reshape`` joins them, and its
# parameter count, :math:`4 d_{model}^2` plus biases, does not depend on :math:`h`.
n_params = sum(param.numel() for param in mha.parameters())
print(f"parameters: {n_params} = 4 * 32 * 32 + 4 * 32 = {4 * 32 * 32 + 4 * 32}")
