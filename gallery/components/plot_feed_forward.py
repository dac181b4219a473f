"""
=====================================
Feed-forward networks and activations
=====================================

After attention has mixed information *between* positions, the position-wise feed-forward
network transforms each position *on its own*:

.. math::

    \\mathrm{FFN}(x) = \\phi(x W_1 + b_1) W_2 + b_2

with :math:`\\phi` = ReLU in the paper, GELU in BERT and GPT-2, SiLU in many later models.
:class:`annotated.SwiGLU` replaces :math:`\\phi` by a gate,
:math:`(xW \\odot \\mathrm{SiLU}(xV)) W_2`. This example draws the activations, checks that
:class:`annotated.PositionwiseFeedForward` really is position-wise, and counts parameters.
"""

# %%
# The activations
# ---------------
# ReLU cuts negatives to zero; GELU, :math:`x\,\Phi(x)`, and SiLU, :math:`x\,\sigma(x)`, are
# smooth and let a little negative signal through.
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from annotated import PositionwiseFeedForward, SwiGLU

z = torch.linspace(-4, 4, 401)
fig, ax = plt.subplots(figsize=(6, 3.6))
for name, fn in [("ReLU", F.relu), ("GELU", F.gelu), ("SiLU", F.silu)]:
    ax.plot(z.tolist(), fn(z).tolist(), label=name)
ax.axhline(0, color="grey", linewidth=0.5)
ax.axvline(0, color="grey", linewidth=0.5)
ax.set_xlabel("x")
ax.set_title("The feed-forward activations")
ax.legend()
fig.tight_layout()

# %%
# One position at a time
# ----------------------
# The same weights are applied to every position and no position sees another: the output
# at position 2 of a sequence equals the output for position 2 fed alone.
torch.manual_seed(0)
ffn = PositionwiseFeedForward(d_model=32, d_ff=128, dropout=0.0, activation="gelu")
x = torch.randn(2, 7, 32)  # (batch, seq, d_model)
hidden = ffn.w_1(x)  # (batch, seq, d_ff): the inner layer is 4x wider
print("input", tuple(x.shape), "-> hidden", tuple(hidden.shape), "-> output", tuple(ffn(x).shape))
torch.testing.assert_close(ffn(x)[:, 2], ffn(x[:, 2:3])[:, 0])
torch.testing.assert_close(ffn(x), ffn.w_2(F.gelu(ffn.w_1(x))))
print("position-wise, and equal to W2(gelu(W1 x))")

# %%
# SwiGLU keeps the parameter count
# --------------------------------
# SwiGLU has three matrices instead of two, so its hidden width is :math:`2/3` of
# :math:`d_{ff}`; the parameter counts then match.
swiglu = SwiGLU(d_model=32, d_ff=128, dropout=0.0)
gate_check = swiglu.w_2(swiglu.w_1(x) * F.silu(swiglu.w_gate(x)))
torch.testing.assert_close(swiglu(x), gate_check)


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


print(f"FFN hidden width {ffn.w_1.out_features}, parameters {count(ffn)}")
print(f"SwiGLU hidden width {swiglu.w_1.out_features}, parameters {count(swiglu)}")

# %%
# Conclusion
# ----------
# The feed-forward network is where each position computes on its own features; with
# :math:`d_{ff} = 4 d_{model}` it holds about two thirds of a layer's weights. The
# ``activation`` switch of :func:`annotated.make_model` picks ReLU, GELU, SiLU or SwiGLU.
