"""
===========================================
Dropout: a random mask, and the 1 / (1 - p)
===========================================

While training, :class:`annotated.Dropout` zeroes each unit of its input with probability
:math:`p` and scales the others up, so that nothing changes on average:

.. math::

    y = \\frac{x \\odot m}{1 - p}, \\qquad m_i \\sim \\mathrm{Bernoulli}(1 - p),
    \\qquad \\mathbb{E}[y_i] = x_i .

In evaluation mode it is the identity. Its mask comes from 16 random bits per unit
(:func:`annotated.dropout.keep_mask`), so :math:`p` is rounded to a multiple of
:math:`2^{-16}`. This example looks at one mask, checks the drop rate against the binomial
spread it should have, and checks that the mean is kept.
"""

# %%
# One mask on a ``(batch, seq, d_model)`` activation
# --------------------------------------------------
import matplotlib.pyplot as plt
import torch

from annotated import Dropout

torch.manual_seed(0)
p = 0.1
p_q = round(p * 2**16) / 2**16  # the drop rate the 16-bit mask really has
x = torch.ones(64, 20, 128)  # (batch, seq, d_model), all ones so the mask shows
drop = Dropout(p)
y = drop(x)
print("values after dropout:", sorted(set(y.flatten().tolist())))
print(f"dropped: {(y == 0).float().mean().item():.4f} (p = {p}, rounded p = {p_q:.6f})")

fig, ax = plt.subplots(figsize=(7, 3))
ax.imshow(y[0].T, cmap="Greys_r", aspect="auto", interpolation="nearest")
ax.set_xlabel("position")
ax.set_ylabel("feature")
ax.set_title(f"dropout p = {p} on one sentence: black units are zeroed, the rest are 1/(1-p)")
fig.tight_layout()

# %%
# The drop rate of each row is binomial
# -------------------------------------
# Each of the 1,280 rows of 128 features drops :math:`\mathrm{Bin}(128, p)` units. Their
# histogram should follow that distribution.
counts = (y == 0).sum(-1).flatten()  # (batch * seq,) dropped units per row
k = torch.arange(0, 35)
binomial = torch.distributions.Binomial(128, torch.tensor(p)).log_prob(k.float()).exp()
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(counts.tolist(), bins=torch.arange(-0.5, 35.5).tolist(), density=True, label="rows")
ax.plot(k, binomial, "o-", color="C1", label="Bin(128, p)")
ax.set_xlabel("units dropped in a row of 128")
ax.legend()
fig.tight_layout()
mean, expected = counts.float().mean().item(), 128 * p_q
print(f"mean units dropped per row: {mean:.2f} (expected {expected:.2f})")
assert abs(mean - expected) < 0.5

# %%
# The mean is kept, and evaluation changes nothing
# ------------------------------------------------
big = torch.randn(1000, 1000) + 2.0
print(f"mean before {big.mean().item():.4f}, after {drop(big).mean().item():.4f}")
assert abs(drop(big).mean().item() - big.mean().item()) < 0.01
assert torch.equal(drop.eval()(big), big)
print("in eval mode the output is the input")
