"""
===============
Label smoothing
===============

The paper trains against a softened target: :math:`1 - \\epsilon_{ls}` on the right token
and :math:`\\epsilon_{ls}` spread over the others (never on padding). The loss is the KL
divergence from that target to the model's distribution. This example draws the targets of
:class:`annotated.LabelSmoothing` and shows what smoothing does to the loss of a confident
prediction.
"""

# %%
# The smoothed targets
# --------------------
# A vocabulary of 6 tokens, index 0 is padding. Four positions with targets 2, 1, 0
# (padding: the row is all zeros, it contributes nothing) and 3.
import matplotlib.pyplot as plt
import torch

from annotated import LabelSmoothing

criterion = LabelSmoothing(size=6, padding_idx=0, smoothing=0.4)
targets = torch.tensor([2, 1, 0, 3])
log_probs = torch.log_softmax(torch.zeros(4, 6), dim=-1)  # (n, vocab): a uniform model
loss = criterion(log_probs, targets)
print(criterion.true_dist)
print("each real row sums to 1:", criterion.true_dist.sum(-1).tolist())

fig, ax = plt.subplots(figsize=(5, 3.2))
image = ax.imshow(criterion.true_dist, cmap="Blues", vmin=0, vmax=1)
ax.set_xlabel("token (0 = padding)")
ax.set_ylabel("position")
ax.set_title("target distribution q, smoothing 0.4")
fig.colorbar(image, ax=ax)
fig.tight_layout()

# %%
# The loss is a KL divergence
# ---------------------------
# :math:`\sum_w q(w) (\log q(w) - \log p(w))`, summed over the non-padding positions.
q = criterion.true_dist
kl = (q * (q.clamp_min(1e-12).log() - log_probs)).sum()
torch.testing.assert_close(loss, kl)
print(f"loss {loss.item():.4f} = sum of q (log q - log p) = {kl.item():.4f}")

# %%
# Smoothing punishes over-confidence
# ----------------------------------
# Give the right token a growing logit and measure the loss. Without smoothing the loss
# keeps falling as the model grows surer; with smoothing it has a minimum and rises again,
# so the model is pushed to keep some probability for the other tokens.
logits = torch.linspace(0, 12, 61)
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for eps in (0.0, 0.1, 0.3):
    smooth = LabelSmoothing(size=6, padding_idx=0, smoothing=eps)
    losses = []
    for x in logits:
        row = torch.zeros(1, 6)
        row[0, 2] = x  # confidence in the right token, 2
        losses.append(smooth(torch.log_softmax(row, -1), torch.tensor([2])).item())
    best = logits[torch.tensor(losses).argmin()].item()
    ax.plot(logits.tolist(), losses, label=f"smoothing {eps} (lowest at logit {best:.1f})")
    print(f"smoothing {eps}: loss is lowest at logit {best:.1f}")
ax.set_xlabel("logit of the right token (others 0)")
ax.set_ylabel("loss")
ax.set_title("Label smoothing penalises certainty")
ax.legend()
fig.tight_layout()

# %%
# Conclusion
# ----------
# With :math:`\epsilon_{ls} = 0` the target is one-hot and the loss is the negative
# log-likelihood; with :math:`\epsilon_{ls} > 0` the best prediction is no longer a
# certainty. The paper reports this "hurts perplexity" but improves accuracy and BLEU.
