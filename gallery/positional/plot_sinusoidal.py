"""
==============================
Sinusoidal positional encoding
==============================

Attention by itself treats its input as a set: permute the tokens and the outputs permute
with them. The paper adds a fixed vector to each position's embedding,

.. math::

    PE_{(pos, 2i)} = \\sin\\!\\left(pos / 10000^{2i/d_{model}}\\right), \\qquad
    PE_{(pos, 2i+1)} = \\cos\\!\\left(pos / 10000^{2i/d_{model}}\\right)

This example draws the table that :class:`annotated.PositionalEncoding` adds, checks it
against the formula, and shows the property the paper hoped for: the dot product of two
positions depends only on their distance.
"""

# %%
# The table
# ---------
# Adding the encoding to zeros gives the table itself, ``(seq, d_model)``. Each pair of
# columns is a sine and a cosine of one frequency; the frequencies fall geometrically from
# left to right, so the first columns change fast and the last ones slowly.
import math

import matplotlib.pyplot as plt
import torch

from annotated import PositionalEncoding

d_model, length = 64, 100
encoding = PositionalEncoding(d_model, dropout=0.0)
pe = encoding(torch.zeros(1, length, d_model))[0]  # (seq, d_model)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
image = axes[0].imshow(pe.T, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
axes[0].set_xlabel("position")
axes[0].set_ylabel("dimension")
axes[0].set_title("PE, one column per position")
fig.colorbar(image, ax=axes[0])
for dim in (0, 2, 10, 30):
    axes[1].plot(pe[:, dim].tolist(), label=f"dimension {dim}")
axes[1].set_xlabel("position")
axes[1].set_title("sin waves of falling frequency")
axes[1].legend(fontsize=8)
fig.tight_layout()

# %%
# The formula, checked
# --------------------
pos = torch.arange(length, dtype=torch.float64).unsqueeze(1)  # (seq, 1)
i = torch.arange(0, d_model, 2, dtype=torch.float64)  # the even dimensions 2i
angle = pos / 10000 ** (i / d_model)  # (seq, d_model / 2)
torch.testing.assert_close(pe[:, 0::2], torch.sin(angle).float())
torch.testing.assert_close(pe[:, 1::2], torch.cos(angle).float())
print("PositionalEncoding matches sin/cos(pos / 10000^(2i/d_model))")

# %%
# Only the distance matters
# -------------------------
# Each sin/cos pair is a point on a circle that turns by a fixed angle per position, so
# :math:`PE_{pos} \cdot PE_{pos+k} = \sum_i \cos(k\,\omega_i)` for every :math:`pos`. The
# matrix of dot products is therefore constant along its diagonals.
dots = pe @ pe.T  # (seq, seq)
omega = 1 / 10000 ** (i / d_model)
for k in (1, 5, 20):
    along_diagonal = torch.diagonal(dots, offset=k)
    expected = torch.cos(k * omega).sum().item()
    print(
        f"offset {k:2d}: dot products from {along_diagonal.min():.4f} to "
        f"{along_diagonal.max():.4f}, formula {expected:.4f}"
    )

fig, ax = plt.subplots(figsize=(4.6, 4))
ax.imshow(dots, cmap="viridis")
ax.set_title("PE_m · PE_n depends on m - n only")
ax.set_xlabel("position n")
ax.set_ylabel("position m")
fig.tight_layout()

# %%
# Conclusion
# ----------
# The sinusoidal table is computed, not learned, so it extends to any length, and it turns
# "how far apart" into something a dot product can read. The wavelengths run from
# :math:`2\pi` to about :math:`10000 \cdot 2\pi`:
print(f"shortest wavelength {2 * math.pi:.2f}, longest {2 * math.pi / omega[-1].item():.0f}")
