"""
============================
Temperature, top-k and top-p
============================

A language model gives logits :math:`z` for the next token; how a token is chosen from them
shapes the text. Temperature :math:`\\tau` rescales them,

.. math::

    p_i = \\frac{e^{z_i / \\tau}}{\\sum_j e^{z_j / \\tau}},

top-k keeps the :math:`k` most likely tokens, and top-p (nucleus) keeps the smallest set
whose probability reaches :math:`p`. This example applies :func:`annotated.top_k_filter`,
:func:`annotated.top_p_filter` and :func:`annotated.sample_next` to one distribution and
checks the samples against the probabilities.
"""

# %%
# One distribution over ten tokens
# --------------------------------
import matplotlib.pyplot as plt
import torch

from annotated import sample_next, top_k_filter, top_p_filter

logits = torch.tensor([[3.0, 2.5, 2.0, 1.2, 1.0, 0.5, 0.0, -0.5, -1.0, -2.0]])  # (batch, vocab)
tokens = range(logits.size(-1))

# %%
# Temperature
# -----------
# :math:`\tau < 1` sharpens the distribution towards the most likely token (``temperature=0``
# is greedy, the arg max); :math:`\tau > 1` flattens it.
fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True)
for ax, tau in zip(axes, (0.5, 1.0, 2.0), strict=True):
    ax.bar(tokens, (logits / tau).softmax(-1)[0].tolist(), color="#2563eb")
    ax.set_title(f"temperature {tau}")
    ax.set_xlabel("token")
axes[0].set_ylabel("probability")
fig.tight_layout()
print("greedy (temperature 0):", sample_next(logits, temperature=0).item())

# %%
# Top-k and top-p
# ---------------
# Both filters set the cut tokens' logits to :math:`-\infty`; the softmax renormalises what
# is left. Top-k keeps a fixed number of tokens; top-p keeps as many as it takes to cover
# the mass :math:`p`, so it keeps few when the model is sure and many when it is not.
probs = logits.softmax(-1)[0]
kept_k = top_k_filter(logits, k=3).softmax(-1)[0]
kept_p = top_p_filter(logits, p=0.9).softmax(-1)[0]
print("probabilities:", [round(p, 3) for p in probs.tolist()])
print("top-k = 3 keeps tokens", (kept_k > 0).nonzero().flatten().tolist())
print(
    "top-p = 0.9 keeps tokens",
    (kept_p > 0).nonzero().flatten().tolist(),
    f"whose mass is {probs[kept_p > 0].sum():.3f}",
)

fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True)
for ax, (title, p) in zip(
    axes, [("model", probs), ("top-k, k = 3", kept_k), ("top-p, p = 0.9", kept_p)], strict=True
):
    ax.bar(tokens, p.tolist(), color="#16a34a")
    ax.set_title(title)
    ax.set_xlabel("token")
axes[0].set_ylabel("probability")
fig.tight_layout()

# %%
# Samples match the probabilities
# -------------------------------
# :func:`annotated.sample_next` applies temperature, then top-k, then top-p, then draws.
# With a seeded ``torch.Generator`` the draws are reproducible; their frequencies approach
# the filtered probabilities.
generator = torch.Generator().manual_seed(0)
draws = torch.cat(
    [sample_next(logits.expand(1000, -1), top_p=0.9, generator=generator) for _ in range(10)]
)  # 10,000 draws
frequencies = torch.bincount(draws, minlength=logits.size(-1)) / len(draws)
for token in (kept_p > 0).nonzero().flatten().tolist():
    print(f"token {token}: sampled {frequencies[token]:.3f}, expected {kept_p[token]:.3f}")
print("tokens outside the nucleus drawn:", int(frequencies[kept_p == 0].sum() * len(draws)))

# %%
# Conclusion
# ----------
# Temperature changes the shape of the distribution; top-k and top-p cut its tail, the
# many unlikely tokens whose combined mass makes long samples drift. All three are
# arguments of :func:`annotated.generate`.
