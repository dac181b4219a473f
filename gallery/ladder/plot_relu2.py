"""
================================
ReLU squared in the feed-forward
================================

Primer (So et al. 2021) searched over Transformer variants and kept, among others, the
square of ReLU as the feed-forward non-linearity; modded-nanogpt replaced GPT-2's GELU with
it. ``activation="relu2"`` in :class:`annotated.GPTConfig` (and
:class:`annotated.PositionwiseFeedForward`) computes

.. math::

    \\phi(z) = \\max(0, z)^2, \\qquad \\phi'(z) = 2 \\max(0, z)

It keeps ReLU's exact zeros, and its slope grows with the input instead of staying 1. This
example draws it beside ReLU and GELU, checks its derivative by autograd, and checks that
the network around it is unchanged: same matrices, same parameter count.
"""

# %%
# The curve and its slope
# -----------------------
# Autograd's derivative of the layer's own activation is compared with :math:`2\max(0, z)`.
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from annotated import GPT, GPTConfig, PositionwiseFeedForward

z = torch.linspace(-3, 3, 601, dtype=torch.float64, requires_grad=True)
relu2 = PositionwiseFeedForward(1, 1, dropout=0.0, activation="relu2").double()
with torch.no_grad():  # w_1 = w_2 = identity, no bias: the layer is phi itself
    for linear in (relu2.w_1, relu2.w_2):
        linear.weight.fill_(1.0)
        linear.bias.zero_()
phi = relu2(z[:, None, None]).flatten()  # (601,) through (batch, seq, d_model) = (601, 1, 1)
(slope,) = torch.autograd.grad(phi.sum(), z)
z_ = z.detach()
torch.testing.assert_close(phi.detach(), F.relu(z_) ** 2)
torch.testing.assert_close(slope, 2 * F.relu(z_))

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
for name, values, grads in [
    ("ReLU", F.relu(z_), (z_ > 0).double()),
    ("GELU", F.gelu(z_), torch.func.grad(lambda t: F.gelu(t).sum())(z_)),
    ("ReLU²", phi.detach(), slope),
]:
    left.plot(z_.tolist(), values.tolist(), label=name)
    right.plot(z_.tolist(), grads.tolist(), label=name)
left.set_title(r"$\phi(z)$")
right.set_title(r"$\phi'(z)$: ReLU² has slope $2\max(0, z)$")
for ax in (left, right):
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("z")
    ax.legend()
left.set_ylim(-0.5, 3)
fig.tight_layout()

# %%
# The same network, the same parameters
# -------------------------------------
# Only :math:`\phi` changes, so a GPT with ReLU² has exactly the parameters of one with
# GELU; and half of a random pre-activation is cut to an exact zero, as with ReLU.
sizes = {"vocab_size": 65, "N": 4, "h": 4, "d_model": 128, "max_len": 64}
count = {
    a: sum(p.numel() for p in GPT(GPTConfig(activation=a, **sizes)).parameters())
    for a in ("gelu", "relu2")
}
assert count["gelu"] == count["relu2"]
torch.manual_seed(0)
ffn = PositionwiseFeedForward(128, 512, dropout=0.0, activation="relu2")
x = torch.randn(4, 16, 128)  # (batch, seq, d_model)
torch.testing.assert_close(ffn(x), ffn.w_2(F.relu(ffn.w_1(x)) ** 2))
zeros = (F.relu(ffn.w_1(x)) ** 2 == 0).float().mean().item()
assert 0.4 < zeros < 0.6
print(f"parameters: GELU {count['gelu']:,}, ReLU² {count['relu2']:,}")
print(f"hidden activations exactly 0 under ReLU²: {zeros:.0%}")

# %%
# Conclusion
# ----------
# ReLU² is a one-line change that costs nothing: no parameters, no :math:`\mathrm{erf}`.
# Whether it helps at this package's scale is a measurement, not a property of the curve:
# it takes a training run against GELU on the same data.
