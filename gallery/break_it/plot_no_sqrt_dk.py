"""
=================================
Break it: remove the √d_k scaling
=================================

Attention divides its scores by :math:`\\sqrt{d_k}`. The paper's reason: if the entries of
:math:`q` and :math:`k` have variance 1, their dot product has variance :math:`d_k`; large
scores push the softmax to a one-hot choice where its gradient vanishes. This example
measures that claim with :func:`annotated.attention`, then trains a model without the
scaling and watches it stall.
"""

# %%
# Scores grow with d_k
# --------------------
# Random queries and keys with unit-variance entries. Without the scaling, the variance of
# the scores is :math:`d_k`; with it, 1.
import math

import matplotlib.pyplot as plt
import torch

from annotated import attention

torch.manual_seed(0)
dims = [4, 16, 64, 256]
rows = []
for d_k in dims:
    q, k = torch.randn(64, 32, d_k), torch.randn(64, 32, d_k)  # (batch, seq, d_k)
    v = torch.randn(64, 32, d_k)
    _, scaled = attention(q, k, v)  # softmax(q k^T / sqrt(d_k))
    _, unscaled = attention(q * math.sqrt(d_k), k, v)  # the same without the division
    variance = (q @ k.transpose(-2, -1)).var().item()
    rows.append((d_k, variance, scaled, unscaled))
    print(f"d_k = {d_k:3d}: variance of q.k = {variance:6.1f}")

# %%
# The softmax saturates and its gradient vanishes
# -----------------------------------------------
# For weights :math:`p = \mathrm{softmax}(s)` the Jacobian is
# :math:`\partial p / \partial s = \mathrm{diag}(p) - p p^\top`: it is zero when :math:`p`
# is one-hot. Measure the largest weight in each row and the size of that Jacobian.


def jacobian_norm(p: torch.Tensor) -> float:
    """Mean Frobenius norm of diag(p) - p p^T over the rows of ``p``."""
    jac = torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)  # (..., seq, seq, seq)
    return jac.flatten(-2).norm(dim=-1).mean().item()


fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for label, index, colour in (("with / sqrt(d_k)", 2, "#2563eb"), ("without", 3, "#dc2626")):
    top = [r[index].max(-1).values.mean().item() for r in rows]
    grad = [jacobian_norm(r[index]) for r in rows]
    axes[0].plot(dims, top, marker="o", color=colour, label=label)
    axes[1].plot(dims, grad, marker="o", color=colour, label=label)
    print(
        f"{label:16s} largest weight {[round(t, 2) for t in top]}, "
        f"|softmax Jacobian| {[round(g, 3) for g in grad]}"
    )
axes[0].set_ylabel("mean largest weight in a row")
axes[1].set_ylabel("mean |d softmax / d scores|")
for ax in axes:
    ax.set_xscale("log", base=2)
    ax.set_xlabel("d_k")
    ax.legend()
fig.suptitle("Unscaled scores make the softmax one-hot and its gradient small")
fig.tight_layout()

# %%
# Train without the scaling
# -------------------------
# A copy task (reproduce 9 random digits) with a one-head model, so :math:`d_k = 64`. To
# remove the division inside the model we multiply its query projection :math:`W^Q` by
# :math:`\sqrt{d_k}` with a PyTorch parametrization, and divide that parameter's learning
# rate by :math:`\sqrt{d_k}`, which makes Adam take the same steps on the effective weights
# as it would on a model that never divided. Everything else is identical.
import torch.nn.functional as F
from torch.nn.utils import parametrize

from annotated import MultiHeadedAttention, make_model, padding_mask, target_mask

vocab, length, batch, steps, lr = 12, 10, 64, 200, 1e-3


class Times(torch.nn.Module):
    """The parametrization ``w -> factor * w``."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return self.factor * w


def train(scaled: bool) -> list[float]:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = make_model(vocab, vocab, N=2, d_model=64, d_ff=128, h=1, dropout=0.0)
    groups = [{"params": [], "lr": lr}]
    for module in model.modules():
        if isinstance(module, MultiHeadedAttention) and not scaled:
            factor = math.sqrt(module.d_k)
            for name in ("weight", "bias"):
                parametrize.register_parametrization(module.w_q, name, Times(factor))
            groups.append({"params": list(module.w_q.parameters()), "lr": lr / factor})
    special = {id(p) for g in groups[1:] for p in g["params"]}
    groups[0]["params"] = [p for p in model.parameters() if id(p) not in special]
    optimizer = torch.optim.Adam(groups)
    losses = []
    for _ in range(steps):
        src = torch.randint(2, vocab, (batch, length), generator=generator)
        src[:, 0] = 1  # start token
        tgt_in, tgt_out = src[:, :-1], src[:, 1:]
        hidden = model(src, tgt_in, padding_mask(src), target_mask(tgt_in))
        loss = F.nll_loss(model.generator(hidden).reshape(-1, vocab), tgt_out.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


with_scaling, without_scaling = train(scaled=True), train(scaled=False)
print(
    f"loss after {steps} steps: with sqrt(d_k) {with_scaling[-1]:.3f}, "
    f"without {without_scaling[-1]:.3f}"
)

fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(with_scaling, label="scores / sqrt(d_k)", color="#2563eb")
ax.plot(without_scaling, label="no scaling", color="#dc2626")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy")
ax.set_title("Copy task, d_k = 64")
ax.legend()
fig.tight_layout()

# %%
# Conclusion
# ----------
# The division by :math:`\sqrt{d_k}` is not cosmetic. It keeps the scores at unit variance
# whatever the head size, so the softmax starts soft, its gradient is alive, and the
# attention layers can learn where to look.
