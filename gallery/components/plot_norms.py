"""
=====================
LayerNorm and RMSNorm
=====================

Both normalise each position's feature vector on its own. :class:`annotated.LayerNorm`
centres and rescales it, :class:`annotated.RMSNorm` only rescales it:

.. math::

    \\mathrm{LayerNorm}(x) = \\gamma \\odot \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta,
    \\qquad
    \\mathrm{RMSNorm}(x) = \\gamma \\odot \\frac{x}{\\sqrt{\\tfrac{1}{d}\\sum_i x_i^2 + \\epsilon}}

This example checks both against their formulas and against ``torch.nn.LayerNorm``, and
shows what each does to the mean and the spread of a vector.
"""

# %%
# Vectors with every kind of offset and scale
# -------------------------------------------
# 300 vectors of :math:`d = 64` features, each with its own mean and its own spread.
import torch

from annotated import LayerNorm, RMSNorm

torch.manual_seed(0)
d = 64
offset = torch.empty(300, 1).uniform_(-3, 3)
spread = torch.empty(300, 1).uniform_(0.2, 3)
x = offset + spread * torch.randn(300, d)  # (rows, d)

layer_norm, rms_norm = LayerNorm(d), RMSNorm(d)
y_layer, y_rms = layer_norm(x).detach(), rms_norm(x).detach()

# %%
# The formulas, checked
# ---------------------
# LayerNorm uses the *biased* variance (divide by :math:`d`) with :math:`\epsilon` inside
# the root, which is what ``torch.nn.LayerNorm`` computes. (The original Annotated
# Transformer divided by :math:`d - 1` and put :math:`\epsilon` outside the root.)
eps = layer_norm.eps
mu, var = x.mean(-1, keepdim=True), x.var(-1, unbiased=False, keepdim=True)
torch.testing.assert_close(y_layer, (x - mu) / torch.sqrt(var + eps))
torch.testing.assert_close(y_layer, torch.nn.LayerNorm(d)(x).detach())
rms = torch.sqrt((x**2).mean(-1, keepdim=True) + rms_norm.eps)
torch.testing.assert_close(y_rms, x / rms)
print("LayerNorm == (x - mean) / sqrt(var + eps) == torch.nn.LayerNorm")
print("RMSNorm   == x / sqrt(mean(x^2) + eps)")

# %%
# Where the rows end up
# ---------------------
# Each dot is one vector, placed by its mean and its root mean square. LayerNorm sends every
# vector to mean 0 and RMS 1. RMSNorm puts every vector on the circle
# :math:`\mu^2 + \sigma^2 = 1` (RMS 1) but keeps the sign and share of its mean.
import matplotlib.pyplot as plt


def stats(t: torch.Tensor) -> tuple[list[float], list[float]]:
    return t.mean(-1).tolist(), t.pow(2).mean(-1).sqrt().tolist()


fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
panels = [("input", x), ("LayerNorm", y_layer), ("RMSNorm", y_rms)]
for ax, (title, t) in zip(axes, panels, strict=True):
    mean, root_mean_square = stats(t)
    ax.scatter(mean, root_mean_square, s=6, alpha=0.6)
    ax.set_title(title)
    ax.set_xlabel("mean of the row")
axes[0].set_ylabel("RMS of the row")
fig.tight_layout()

# %%
# Conclusion
# ----------
# Both norms make a row's scale independent of the input's, which is what keeps activations
# bounded as layers are stacked. RMSNorm skips the centring and the bias; it is cheaper and
# is what LLaMA-style models use. The ``norm`` switch of :func:`annotated.make_model`
# chooses between them.
mean_layer, rms_layer = stats(y_layer)
_, rms_rms = stats(y_rms)
print(
    f"after LayerNorm: largest |mean| {max(map(abs, mean_layer)):.1e}, "
    f"RMS from {min(rms_layer):.3f} to {max(rms_layer):.3f}"
)
print(f"after RMSNorm:   RMS from {min(rms_rms):.3f} to {max(rms_rms):.3f}")
