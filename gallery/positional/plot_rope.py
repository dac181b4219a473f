"""
================================
Rotary position embedding (RoPE)
================================

RoPE adds nothing to the embeddings. Inside every self-attention layer it rotates each pair
of features of a query or key at position :math:`m` by the angle :math:`m\\theta_i`:

.. math::

    \\begin{pmatrix} x'_{2i} \\\\ x'_{2i+1} \\end{pmatrix} =
    \\begin{pmatrix} \\cos m\\theta_i & -\\sin m\\theta_i \\\\
                     \\sin m\\theta_i & \\cos m\\theta_i \\end{pmatrix}
    \\begin{pmatrix} x_{2i} \\\\ x_{2i+1} \\end{pmatrix},
    \\qquad \\theta_i = 10000^{-2i/d_k}

This example checks the rotation with :class:`annotated.RotaryEmbedding`, shows that it
keeps lengths, and that the attention score of a rotated query and key depends only on how
far apart they are.
"""

# %%
# A rotation of each feature pair
# -------------------------------
# Follow one query through positions 0 to 40: the first pair (fast, :math:`\theta_0 = 1`)
# spins around its circle, the last pair (slow) barely moves. Lengths never change.
import matplotlib.pyplot as plt
import torch

from annotated import AttentionPositions, MultiHeadedAttention, RotaryEmbedding

torch.manual_seed(0)
d_k = 16
rope = RotaryEmbedding(d_k)
q = torch.randn(1, 1, 1, d_k).expand(1, 1, 41, d_k)  # (batch, heads, seq, d_k): one query, 41 times
rotated = rope.rotate(q, torch.arange(41))  # position m = 0 .. 40
torch.testing.assert_close(rotated.norm(dim=-1), q.norm(dim=-1))
print(
    "norms preserved; RoPE is an AttentionPositions scheme:", isinstance(rope, AttentionPositions)
)

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for pair, ax in zip((0, d_k // 2 - 1), axes, strict=True):
    xs, ys = rotated[0, 0, :, 2 * pair], rotated[0, 0, :, 2 * pair + 1]
    ax.plot(xs.tolist(), ys.tolist(), color="#cbd5e1", zorder=0)
    points = ax.scatter(xs.tolist(), ys.tolist(), c=range(41), cmap="viridis", s=18)
    ax.set_aspect("equal")
    ax.set_title(f"feature pair {pair}: theta = {rope.inv_freq[pair].item():.4f}")
fig.colorbar(points, ax=axes, label="position m")

# %%
# The score depends on m - n only
# -------------------------------
# Rotate one query to every position :math:`m` and one key to every position :math:`n` and
# take their dot products. Because :math:`R_m^\top R_n = R_{n-m}`, every diagonal of the
# matrix holds one value.
seq = 32
query = rope.rotate(torch.randn(1, 1, 1, d_k).expand(1, 1, seq, d_k), torch.arange(seq))
key = rope.rotate(torch.randn(1, 1, 1, d_k).expand(1, 1, seq, d_k), torch.arange(seq))
scores = (query @ key.transpose(-2, -1))[0, 0]  # (seq, seq)
spread = max(
    (torch.diagonal(scores, k).max() - torch.diagonal(scores, k).min()).item()
    for k in range(-seq + 1, seq)
)
print(f"largest spread of scores along a diagonal: {spread:.1e}")

fig, ax = plt.subplots(figsize=(4.6, 4))
ax.imshow(scores, cmap="RdBu")
ax.set_xlabel("key position n")
ax.set_ylabel("query position m")
ax.set_title("<RoPE(q, m), RoPE(k, n)>")
fig.tight_layout()

# %%
# In a model
# ----------
# Give a :class:`annotated.MultiHeadedAttention` the scheme and it rotates its queries and
# keys; ``make_model(..., positions="rope")`` does this in every self-attention layer.
mha = MultiHeadedAttention(h=2, d_model=2 * d_k, dropout=0.0, positions=RotaryEmbedding(d_k))
x = torch.randn(1, 5, 2 * d_k)  # (batch, seq, d_model)
print("output:", tuple(mha(x, x, x).shape))

# %%
# Conclusion
# ----------
# RoPE encodes position as an angle, so the dot product that attention computes sees only
# the difference of two angles: relative position comes for free, nothing is learned, and
# the values are left untouched.
