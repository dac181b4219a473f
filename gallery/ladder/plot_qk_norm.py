"""
=========================================
QK-norm keeps the softmax from saturating
=========================================

A score is :math:`q \\cdot k / \\sqrt{d_k}` and grows with the product of the query and key
weights. When a high learning rate inflates :math:`W^Q` and :math:`W^K`, the softmax turns
one-hot and its gradient vanishes. QK-norm (``qk_norm=True`` in
:class:`annotated.MultiHeadedAttention` and :class:`annotated.GPTConfig`) divides each head's
query and key by their RMS first, :math:`q \\leftarrow q / \\mathrm{rms}(q)`, so

.. math::

    \\left| \\frac{q \\cdot k}{\\sqrt{d_k}} \\right| \\le \\sqrt{d_k}

whatever the weights. This example scales :math:`W^Q, W^K` up by a factor :math:`s` and
watches the scores of the two variants.
"""

# %%
# Inflating the query and key weights
# -----------------------------------
# The recorded weights :math:`p` give the scores up to a constant per row, so
# :math:`\log(p_{max}/p_{min})` is the widest gap between two scores of a row; QK-norm caps
# it at :math:`2\sqrt{d_k}`. The row's entropy says how spread the attention still is.
import math

import matplotlib.pyplot as plt
import torch

from annotated import MultiHeadedAttention, record_attention

torch.manual_seed(0)
h, d_model, seq = 4, 64, 16
d_k = d_model // h
x = torch.randn(1, seq, d_model, dtype=torch.float64)  # (batch, seq, d_model)
scales = [1, 2, 4, 8, 16]


def measure(qk_norm: bool) -> tuple[list[float], list[float]]:
    """Widest score gap and mean entropy per row, at each scale of W^Q and W^K."""
    torch.manual_seed(1)
    mha = MultiHeadedAttention(h, d_model, dropout=0.0, qk_norm=qk_norm).double()
    gaps, entropies = [], []
    for s in scales:
        scaled = MultiHeadedAttention(h, d_model, dropout=0.0, qk_norm=qk_norm).double()
        scaled.load_state_dict(mha.state_dict())
        with torch.no_grad():
            scaled.w_q.weight.mul_(s)
            scaled.w_k.weight.mul_(s)
        with record_attention(scaled):
            scaled(x, x, x)
        p = scaled.attn  # (batch, h, seq_q, seq_k)
        gaps.append((p.max(-1).values.log() - p.min(-1).values.log()).max().item())
        entropies.append(-(p * p.clamp_min(1e-300).log()).sum(-1).mean().item())
    return gaps, entropies


plain_gap, plain_entropy = measure(qk_norm=False)
normed_gap, normed_entropy = measure(qk_norm=True)

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
left.loglog(scales, plain_gap, "o-", label="plain")
left.loglog(scales, normed_gap, "s-", label="QK-norm")
left.axhline(2 * math.sqrt(d_k), color="grey", linestyle="--", label=r"$2\sqrt{d_k}$")
left.set_xlabel(r"scale $s$ of $W^Q, W^K$")
left.set_ylabel("widest score gap in a row")
left.legend()
right.semilogx(scales, plain_entropy, "o-", label="plain")
right.semilogx(scales, normed_entropy, "s-", label="QK-norm")
right.axhline(math.log(seq), color="grey", linestyle=":", label=f"uniform, log {seq}")
right.set_xlabel(r"scale $s$ of $W^Q, W^K$")
right.set_ylabel("mean entropy of a row (nats)")
right.legend()
fig.suptitle("Scores grow as s² without QK-norm; with it they stay bounded")
fig.tight_layout()

# %%
# The claim, checked
# ------------------
# With QK-norm every gap stays within :math:`2\sqrt{d_k}` at every scale; without it the gap
# grows about as :math:`s^2` and the attention ends nearly one-hot (entropy near 0).
assert max(normed_gap) <= 2 * math.sqrt(d_k)
assert max(normed_gap) - min(normed_gap) < 0.2  # the scale of W^Q, W^K hardly matters
assert plain_gap[-1] > 100 * plain_gap[0]
assert plain_entropy[-1] < 0.1 < min(normed_entropy)
print(f"bound 2 sqrt(d_k) = {2 * math.sqrt(d_k):.2f}")
for s, a, b in zip(scales, plain_gap, normed_gap, strict=True):
    print(f"s = {s:2d}: widest gap plain {a:7.2f}, QK-norm {b:.2f}")

# %%
# Conclusion
# ----------
# QK-norm costs no parameters and makes the attention scores independent of the size of
# :math:`W^Q` and :math:`W^K`: only their directions matter. That is what lets a training
# recipe raise its learning rate without the softmax collapsing.
