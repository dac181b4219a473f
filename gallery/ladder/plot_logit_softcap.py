"""
=======================
The tanh logit soft-cap
=======================

``logit_softcap=c`` in :class:`annotated.GPTConfig` passes the logits of the
:class:`annotated.GPT` through a scaled tanh (Gemma 2; modded-nanogpt used
:math:`c = 30`, then 15):

.. math::

    \\mathrm{logits} \\leftarrow c \\tanh(\\mathrm{logits} / c), \\qquad
    |\\mathrm{logits}| < c, \\qquad
    c \\tanh(z / c) = z - \\frac{z^3}{3 c^2} + O(z^5)

Bounded by :math:`c`, so no token can be predicted with a logit gap above :math:`2c`; the
identity to first order, so the logits of an uncertain model pass almost unchanged. This
example draws the curve and then caps a GPT whose head has been blown up.
"""

# %%
# The curve
# ---------
# Near 0 the cap is the identity, within :math:`|z|^3 / 3c^2`; far out it flattens at
# :math:`\pm c`.
import matplotlib.pyplot as plt
import torch

from annotated import GPT, GPTConfig

z = torch.linspace(-60, 60, 1201, dtype=torch.float64)
small = z[z.abs() <= 3]
for c in (15.0, 30.0):
    capped = c * torch.tanh(small / c)
    assert ((capped - small).abs() <= small.abs() ** 3 / (3 * c**2)).all()

# %%
# A GPT with an over-confident head
# ---------------------------------
# Two copies of the same :class:`annotated.GPT`, one with ``logit_softcap=15``; the head's
# weights are multiplied by 200, as a diverging run might do. The capped model's logits are
# exactly :math:`15 \tanh(\text{plain} / 15)`, all inside :math:`(-15, 15)`.
sizes = {"vocab_size": 65, "max_len": 32, "N": 2, "h": 2, "d_model": 32}
torch.manual_seed(0)
plain = GPT(GPTConfig(share_embeddings=False, **sizes)).eval()
capped_model = GPT(GPTConfig(share_embeddings=False, logit_softcap=15.0, **sizes)).eval()
with torch.no_grad():
    plain.lm_head.weight.mul_(200)
capped_model.load_state_dict(plain.state_dict())
tokens = torch.randint(65, (4, 32), generator=torch.Generator().manual_seed(0))  # (batch, seq)
with torch.no_grad():
    raw, cap = plain(tokens), capped_model(tokens)  # (batch, seq, vocab_size)
torch.testing.assert_close(cap, 15 * torch.tanh(raw / 15))
assert cap.abs().max() < 15 < raw.abs().max()
top = torch.softmax(raw, -1).max(-1).values.mean().item()
top_capped = torch.softmax(cap, -1).max(-1).values.mean().item()
print(f"largest |logit|: plain {raw.abs().max():.2f}, capped {cap.abs().max():.2f}")
print(f"mean top probability: plain {top:.3f}, capped {top_capped:.3f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
left.plot(z.tolist(), z.tolist(), color="grey", linestyle=":", label="identity")
for c in (15.0, 30.0):
    left.plot(z.tolist(), (c * torch.tanh(z / c)).tolist(), label=f"c = {c:.0f}")
left.set_ylim(-40, 40)
left.set_xlabel("logit z")
left.set_ylabel(r"$c\,\tanh(z / c)$")
left.legend()
bins = torch.linspace(raw.min().item(), raw.max().item(), 60).tolist()
right.hist(raw.flatten().tolist(), bins=bins, alpha=0.6, label="plain")
right.hist(cap.flatten().tolist(), bins=bins, alpha=0.6, label="soft-capped, c = 15")
right.axvline(-15, color="grey", linewidth=0.5)
right.axvline(15, color="grey", linewidth=0.5)
right.set_xlabel("logit")
right.set_ylabel("count")
right.legend()
fig.suptitle("The soft-cap bounds the logits and leaves small ones alone")
fig.tight_layout()

# %%
# Conclusion
# ----------
# The cap only changes what a model is very sure of. That is a regulariser on confidence:
# modded-nanogpt moved from :math:`c = 30` to a tighter :math:`c = 15`; at this package's
# scale the ladder benchmark has to measure it again.
