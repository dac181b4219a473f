"""
=======================
Learning-rate schedules
=======================

The paper's schedule, :func:`annotated.rate`, rises linearly for ``warmup`` steps and then
decays with the inverse square root of the step:

.. math::

    \\mathit{lrate} = f \\cdot d_{model}^{-0.5} \\cdot
    \\min\\left(\\mathit{step}^{-0.5},\\ \\mathit{step} \\cdot \\mathit{warmup}^{-1.5}\\right)

Most runs today warm up to a peak and then follow half a cosine down, as
:func:`annotated.warmup_cosine` does. This example draws both and checks where they peak.
"""

# %%
# The paper's schedule
# --------------------
# The two branches of the minimum meet at ``step = warmup``: that is the peak, and a wider
# model has a lower one.
import matplotlib.pyplot as plt

from annotated import rate, warmup_cosine

steps = range(1, 20001)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for d_model, warmup in [(512, 4000), (512, 8000), (256, 4000)]:
    curve = [rate(s, model_size=d_model, factor=1.0, warmup=warmup) for s in steps]
    peak = max(steps, key=lambda s, d=d_model, w=warmup: rate(s, d, 1.0, w))
    axes[0].plot(steps, curve, label=f"d_model={d_model}, warmup={warmup}")
    print(f"d_model {d_model}, warmup {warmup}: peak at step {peak}, rate {max(curve):.2e}")
axes[0].set_xlabel("optimizer step")
axes[0].set_ylabel("learning rate")
axes[0].set_title("rate(): the paper's schedule")
axes[0].legend(fontsize=8)

# %%
# Warmup, then a cosine
# ---------------------
# Linear to ``max_lr`` in ``warmup`` steps, half a cosine to ``min_lr`` at ``total``, flat
# after. The curve is continuous where the pieces meet.
total, warmup, max_lr, min_lr = 2000, 100, 1e-3, 1e-4


def cosine(s: int) -> float:
    return warmup_cosine(s, max_lr=max_lr, min_lr=min_lr, warmup=warmup, total=total)


axes[1].plot(range(1, 2401), [cosine(s) for s in range(1, 2401)], color="#16a34a")
axes[1].axvline(warmup, color="grey", linestyle=":")
axes[1].axvline(total, color="grey", linestyle=":")
axes[1].set_xlabel("optimizer step")
axes[1].set_title("warmup_cosine(): 100 up, cosine to step 2000")
fig.tight_layout()
print(
    f"at warmup {cosine(warmup):.1e}, halfway {cosine((warmup + total) // 2):.2e}, "
    f"at total {cosine(total):.1e}, after {cosine(total + 300):.1e}"
)

# %%
# The optimizer
# -------------
# :func:`annotated.paper_adam` is Adam with the paper's :math:`\beta_2 = 0.98` and
# :math:`\epsilon = 10^{-9}`; the training loop sets its learning rate from a schedule
# before every update.
import torch

from annotated import paper_adam

optimizer = paper_adam(torch.nn.Linear(4, 4).parameters())
print("betas", optimizer.defaults["betas"], "eps", optimizer.defaults["eps"])

# %%
# Conclusion
# ----------
# Both schedules start small, because Adam's second-moment estimates are noisy over the
# first steps, and end small, to settle into a minimum. Both count *optimizer* steps: with
# gradient accumulation the rate changes once per update, not per micro-batch.
