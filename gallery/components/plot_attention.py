"""
============================
Scaled dot-product attention
============================

Attention is a soft dictionary lookup: a query is compared with every key, the softmax of
the scores says how much each value counts, and the output is their weighted mean. This
example runs :func:`annotated.attention` on a toy lookup, checks it against the formula

.. math::

    \\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{QK^\\top}{\\sqrt{d_k}}\\right) V

and shows how the sharpness of the lookup depends on the size of the scores.
"""

# %%
# A lookup table of four keys
# ---------------------------
# Four keys that point in different directions, each with its own value. The query points
# the same way as key 2, so the weight of key 2 should be the largest.
import torch

from annotated import attention

torch.manual_seed(0)
d_k = 8
keys = torch.eye(4, d_k)  # (seq_k, d_k): key j is the j-th unit vector
values = torch.arange(4.0).unsqueeze(1) * torch.ones(4, 2)  # (seq_k, d_v): value j is (j, j)
query = 3.0 * keys[2:3]  # (seq_q, d_k): one query, aligned with key 2

output, weights = attention(query, keys, values)
print("weights:", ", ".join(f"{w:.3f}" for w in weights.squeeze().tolist()))
print("output: ", ", ".join(f"{o:.3f}" for o in output.squeeze().tolist()))

# %%
# The same numbers from the formula
# ---------------------------------
# The function is the formula and nothing else: softmax of the scaled scores, times the
# values.
manual_weights = torch.softmax(query @ keys.T / d_k**0.5, dim=-1)
torch.testing.assert_close(weights, manual_weights)
torch.testing.assert_close(output, manual_weights @ values)
print("attention() equals softmax(QK^T / sqrt(d_k)) V")

# %%
# Bigger scores, sharper lookups
# ------------------------------
# Scaling the query multiplies every score. Small scores give an almost uniform average;
# large ones give an almost one-hot choice of key 2. This is why the scores are divided by
# :math:`\sqrt{d_k}`: without it, scores grow with :math:`d_k` and the softmax saturates
# (see the "break it" example on the scaling).
import matplotlib.pyplot as plt

scales = [0.5, 2.0, 8.0, 32.0]
fig, axes = plt.subplots(1, len(scales), figsize=(10, 2.6), sharey=True)
for ax, scale in zip(axes, scales, strict=True):
    _, w = attention(scale * keys[2:3], keys, values)
    ax.bar(range(4), w.squeeze().tolist(), color=["#94a3b8", "#94a3b8", "#2563eb", "#94a3b8"])
    ax.set_title(f"query = {scale:g} × key 2")
    ax.set_xticks(range(4), [f"key {j}" for j in range(4)], fontsize=8)
axes[0].set_ylabel("attention weight")
fig.suptitle("The softmax turns scores into weights that sum to 1")
fig.tight_layout()

# %%
# A batch of heads
# ----------------
# The function works on any leading dimensions; the model calls it with
# ``(batch, heads, seq, d_k)`` tensors, and every row of the weights sums to one.
q = k = v = torch.randn(2, 4, 5, d_k)  # (batch, heads, seq, d_k)
out, p = attention(q, k, v)
print("output", tuple(out.shape), "weights", tuple(p.shape))
print("rows sum to 1:", torch.allclose(p.sum(-1), torch.ones(2, 4, 5)))

# %%
# Conclusion
# ----------
# :func:`annotated.attention` is three lines of math: scores, softmax, weighted mean. The
# weights are a probability distribution over the keys, and their sharpness is set by the
# size of the scores. Masks, which set some weights to exactly zero, are the subject of
# :ref:`sphx_glr_auto_examples_components_plot_masks.py`.
